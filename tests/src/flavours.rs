//! [`both_flavours!`]: one test body, run against the async and the blocking flavour.
//!
//! Inside the body, `q` is the generated code of that flavour (`asynchronous` or `blocking`),
//! `rt` the runtime API (`quarry` or `quarry::sync`), and a few macros hide what differs
//! between the flavours in shape only:
//! - `run!(call)` — `call.await`, or `call`;
//! - `collect!(rows)` — every row of a `RowStream`/`CopyOutStream` or a `RowIter`/`CopyOutIter`
//!   into a `Result<Vec<_>, quarry::Error>`;
//! - `next_event!(listener)` — the next `ListenEvent`;
//! - `in_tx!(target, |tx| body)` — `target.in_transaction(…)` with an async or a plain closure;
//! - `retry!(client, policy, |tx| body)` — `rt::retry` with an async or a plain closure;
//! - `timeout!(client, deadline, call)` — `quarry::with_timeout` or `quarry::sync::with_timeout`.
//!
//! Every test gets its own database, `db` (a connection string).

/// Defines, for every `fn name(db) { … }`, a module `name` with the tests `asynchronous` and
/// `blocking`.
#[macro_export]
macro_rules! both_flavours {
    ($( $(#[$meta:meta])* fn $name:ident($db:ident) $body:block )*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test]
                async fn asynchronous() {
                    #[allow(unused_imports)]
                    use $crate::asynchronous as q;
                    #[allow(unused_imports)]
                    use ::quarry as rt;
                    #[allow(unused_macros)]
                    macro_rules! run { ($e:expr) => { $e.await } }
                    #[allow(unused_macros)]
                    macro_rules! collect {
                        ($e:expr) => { ::futures_util::TryStreamExt::try_collect::<Vec<_>>($e).await }
                    }
                    #[allow(unused_macros)]
                    macro_rules! next_event {
                        ($e:expr) => { ::futures_util::StreamExt::next(&mut $e).await }
                    }
                    #[allow(unused_macros)]
                    macro_rules! in_tx {
                        ($target:expr, |$tx:ident| $work:expr) => {
                            $target.in_transaction(async |$tx: &mut ::quarry::Transaction<'_>| $work).await
                        }
                    }
                    #[allow(unused_macros)]
                    macro_rules! retry {
                        ($client:expr, $policy:expr, |$tx:ident| $work:expr) => {
                            ::quarry::retry($client, $policy, async |$tx: &mut ::quarry::Transaction<'_>| $work).await
                        }
                    }
                    #[allow(unused_macros)]
                    macro_rules! timeout {
                        ($client:expr, $deadline:expr, $call:expr) => {
                            ::quarry::with_timeout($client, $deadline, $call).await
                        }
                    }
                    let $db = $crate::db::fresh_database();
                    $body
                }

                #[test]
                fn blocking() {
                    #[allow(unused_imports)]
                    use $crate::blocking as q;
                    #[allow(unused_imports)]
                    use ::quarry::sync as rt;
                    #[allow(unused_macros)]
                    macro_rules! run { ($e:expr) => { $e } }
                    #[allow(unused_macros)]
                    macro_rules! collect {
                        ($e:expr) => { ::core::iter::Iterator::collect::<Result<Vec<_>, _>>($e) }
                    }
                    #[allow(unused_macros)]
                    macro_rules! next_event {
                        ($e:expr) => { $e.recv() }
                    }
                    #[allow(unused_macros)]
                    macro_rules! in_tx {
                        ($target:expr, |$tx:ident| $work:expr) => {
                            $target.in_transaction(|$tx: &mut ::quarry::sync::Transaction<'_>| $work)
                        }
                    }
                    #[allow(unused_macros)]
                    macro_rules! retry {
                        ($client:expr, $policy:expr, |$tx:ident| $work:expr) => {
                            ::quarry::sync::retry($client, $policy, |$tx: &mut ::quarry::sync::Transaction<'_>| $work)
                        }
                    }
                    #[allow(unused_macros)]
                    macro_rules! timeout {
                        ($client:expr, $deadline:expr, $call:expr) => {
                            ::quarry::sync::with_timeout($client, $deadline, || $call)
                        }
                    }
                    let $db = $crate::db::fresh_database();
                    $body
                }
            }
        )*
    };
}
