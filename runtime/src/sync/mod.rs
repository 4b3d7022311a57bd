//! The blocking flavour (feature `sync`): the async engine, driven by a tokio runtime each
//! blocking object owns — the way the `postgres` crate sits on tokio-postgres.
//!
//! Code generated with `Config::sync(true)` takes `&impl quarry::sync::GenericClient`. Every
//! blocking call runs the very async code path the async flavour runs (`block_on` per call),
//! so the two cannot drift: statement cache, unnamed mode (PgBouncer), retries of invalidated
//! statements, pipelined batches, cursors, COPY in and out, tracing spans and metrics are the
//! same code. What is blocking-only is the shape of the API: iterators instead of streams,
//! closures instead of async closures.
//!
//! Which runtime drives what (decided by measurement, see BENCHMARKS.md):
//! - a [`Client`] owns a current-thread runtime: the connection is driven by the thread that
//!   blocks on a call, so a call costs no thread hand-off (as with the `postgres` crate);
//! - a [`Pool`] gives each connection a current-thread runtime of its own, driven the same way
//!   by the thread holding the connection; the pool's upkeep (waits, timeouts, `min_size`)
//!   runs on one worker thread;
//! - a [`ReplicatedPool`] pair (whose calls go to either of two connections) and a [`Listener`]
//!   (which keeps receiving while the caller is busy) run on one worker thread.
//!
//! Calling a blocking function from inside an async runtime panics (tokio refuses to block
//! its workers); use the async flavour there, or `tokio::task::spawn_blocking`.
//!
//! ```no_run
//! # mod tasks { pub fn add_task<C: quarry::sync::GenericClient + ?Sized>(_: &C, _: &str, _: &str) -> Result<i32, quarry::Error> { Ok(1) } }
//! # fn run() -> Result<(), quarry::Error> {
//! let mut client = quarry::sync::Client::connect("host=localhost user=postgres")?;
//! let id = tasks::add_task(&client, "Learn quarry", "")?;
//! client.in_transaction(|tx| {
//!     tasks::add_task(tx, "Inside a transaction", "")?;
//!     Ok::<_, quarry::Error>(())
//! })?;
//! # Ok(()) }
//! ```

mod client;
mod iter;
mod pool;
mod runtime;
pub mod wire;

pub use client::{CancelToken, Client, Transaction, TransactionBuilder};
pub use iter::{CopyOutIter, Cursor, Listener, RowIter};
pub use pool::{Pool, PooledClient, ReplicatedPool, RoutedClient};
pub use runtime::Blocker;

// The settings and values both flavours share, so blocking code can name them from here.
pub use crate::{
    ClientOptions, IsolationLevel, ListenEvent, Notification, PoolOptions, PoolStats, Recycling, RetryOptions,
    StatementMode,
};

/// Runs several generated blocking calls on one connection at once — their messages written
/// before any answer is read, as [`crate::pipeline!`] does — and returns their results as a
/// tuple, each its own `Result`:
/// `let (a, b) = quarry::sync::pipeline!(tasks::find_task(&c, 1), tasks::count_tasks(&c, None));`
///
/// Every call must be on the same client (or a transaction of it); `:one`, `:opt`, `:many` and
/// `:exec` functions can be pipelined (batches pipeline by themselves). Semantics are those of
/// [`crate::pipeline!`]: on a [`wire::Connection`] one Sync for the pipeline (an error aborts
/// the rest); on a [`Client`] an error fails only its own call, except inside a transaction.
pub use quarry_macros::sync_pipeline as pipeline;

/// Raw COPY in any format (text, CSV, binary) over `std::io` readers and writers.
pub mod copy {
    pub use super::iter::{copy_in_raw, copy_out_raw};
}

use crate::error::Error;
use crate::generic::sealed;
use std::time::Duration;

/// Anything a generated blocking function can run on: a [`Client`] (own or pooled), a
/// [`Transaction`] or a [`RoutedClient`] pair. Sealed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot run blocking quarry queries",
    note = "pass a `quarry::sync::Client`, a `quarry::sync::Transaction`, a `quarry::sync::RoutedClient` or a `quarry::sync::wire::Connection`; async clients go to the async flavour's functions"
)]
pub trait GenericClient: sealed::Sealed {
    /// The async client underneath, which the generated call runs on.
    #[doc(hidden)]
    type Async: crate::GenericClient + ?Sized;

    /// The async client and the runtime that drives it.
    #[doc(hidden)]
    fn __split(&self) -> (&Self::Async, &Blocker);
}

/// Runs `work` (blocking calls on `client`) with a deadline: when it passes, the running query
/// is canceled on the server and the error is [`crate::ErrorKind::StatementTimeout`]. The
/// blocking [`crate::with_timeout`].
pub fn with_timeout<C, T>(client: &C, deadline: Duration, work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error>
where
    C: GenericClient + ?Sized,
{
    use crate::GenericClient as _;
    let (inner, runtime) = client.__split();
    let token = inner.__raw()?.cancel_token();
    // A shared handle for the timer task, not a copy of the configuration per call.
    let server = crate::cancel::server_of(inner).cloned();
    let fired = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = fired.clone();
    // The timer runs on the client's runtime, which the blocked call drives.
    let timer = runtime.spawn(async move {
        tokio::time::sleep(deadline).await;
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        crate::cancel::send_cancel(&token, server.as_deref()).await;
    });
    let result = work();
    // Once fired, the timer is let finish sending its cancel, which then gets a statement to
    // land on (see `crate::cancel::absorb_cancel`) rather than the caller's next one.
    if !fired.load(std::sync::atomic::Ordering::SeqCst) {
        timer.abort();
    }
    let _ = runtime.block_on(timer);
    if !fired.load(std::sync::atomic::Ordering::SeqCst) {
        return result;
    }
    runtime.block_on(async {
        if let Ok(raw) = inner.__raw() {
            let _ = tokio::time::timeout(crate::cancel::BARRIER_WAIT, crate::cancel::absorb_cancel(raw)).await;
        }
    });
    match result {
        Err(_) => Err(Error::timeout(deadline)),
        result => result,
    }
}

/// For readiness probes: `SELECT 1` within `deadline` (canceled past it); returns the round
/// trip time. The blocking [`crate::health_check`].
pub fn health_check<C>(client: &C, deadline: Duration) -> Result<Duration, Error>
where
    C: GenericClient + ?Sized,
{
    let (inner, runtime) = client.__split();
    runtime.block_on(crate::health_check(inner, deadline))
}

/// Sends a notification (`pg_notify`, parameters bound). The blocking [`crate::notify`].
pub fn notify<C>(client: &C, channel: &str, payload: &str) -> Result<(), Error>
where
    C: GenericClient + ?Sized,
{
    let (inner, runtime) = client.__split();
    runtime.block_on(crate::notify(inner, channel, payload))
}

/// Sends `payload` as JSON. The blocking [`crate::notify_json`].
pub fn notify_json<C, T>(client: &C, channel: &str, payload: &T) -> Result<(), Error>
where
    C: GenericClient + ?Sized,
    T: serde::Serialize + ?Sized,
{
    let (inner, runtime) = client.__split();
    runtime.block_on(crate::notify_json(inner, channel, payload))
}

/// Runs `work` in a fresh transaction and commits it, re-running it after transient failures
/// (serialization failure, deadlock, lost connection) as [`crate::retry`] does.
pub fn retry<T, E>(
    client: &mut Client,
    policy: &crate::RetryOptions,
    mut work: impl FnMut(&mut Transaction<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error> + crate::Transient,
{
    let mut attempt = 1;
    loop {
        let transaction = client.build_transaction().isolation(policy.isolation).start()?;
        match transaction.run(&mut work) {
            Err(error) if error.is_transient() && attempt < policy.max_attempts => {
                std::thread::sleep(crate::transaction::backoff(policy, attempt));
                attempt += 1;
            }
            result => return result,
        }
    }
}

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
