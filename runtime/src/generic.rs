//! [`GenericClient`]: the one trait generated async functions accept.

use crate::error::Error;
use crate::execute::unnamed;
use crate::query::Query;
use crate::rows::Rows;
use postgres_types::ToSql;
use std::future::Future;

pub(crate) mod sealed {
    /// Only quarry implements the client traits, so new methods are not breaking changes.
    pub trait Sealed {}
}

/// Anything a generated async function can run on: [`crate::Client`],
/// [`crate::Transaction`], a pooled [`crate::PooledClient`], a [`crate::RoutedClient`]
/// (primary and replica), quarry's own driver ([`crate::wire::Connection`] and its
/// [`crate::wire::Transaction`], where pipelines are true ones: docs/pipelines.md), and plain
/// `tokio_postgres::Client` / `tokio_postgres::Transaction`.
///
/// The quarry clients keep a per-connection statement cache: a call prepares its statement
/// once, and every later call is a single round trip (Bind + Execute); or, in
/// [`crate::StatementMode::Unnamed`], prepare nothing. The plain tokio-postgres types have
/// nowhere to keep a cache, so they always use the unnamed, typed protocol (Parse + Bind +
/// Execute in one round trip, parameter types from the generator) — the mode that works
/// behind PgBouncer in transaction mode.
///
/// This trait is sealed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot run quarry queries",
    note = "pass a `quarry::Client`, a `quarry::Transaction`, a pooled `quarry::PooledClient`, a `quarry::RoutedClient`, a `quarry::wire::Connection` / `Transaction`, or a `tokio_postgres::Client` / `Transaction`"
)]
pub trait GenericClient: sealed::Sealed + Sync {
    #[doc(hidden)]
    fn __query(
        &self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<Rows, Error>> + Send;

    /// The tokio-postgres connection underneath, for COPY, cursors and `LISTEN`; an error
    /// for clients on quarry's own driver, which does not do those yet.
    #[doc(hidden)]
    fn __raw(&self) -> Result<&tokio_postgres::Client, Error>;

    /// The connection of quarry's own driver underneath, where pipelines are true ones.
    #[doc(hidden)]
    fn __wire(&self) -> Option<&crate::wire::Connection> {
        None
    }

    /// The connection's statement cache, if it keeps one (and is in prepared mode).
    #[doc(hidden)]
    fn __cache(&self) -> Option<&crate::StatementCache> {
        None
    }

    /// In [`crate::StatementMode::Unnamed`]: the connection's cache (where the mode keeps what
    /// it learned about user-defined types) and whether a transaction is open.
    #[doc(hidden)]
    fn __unnamed(&self) -> Option<(&crate::StatementCache, bool)> {
        None
    }

    /// Whether this is a transaction (a COPY with upsert then needs no transaction of its own).
    #[doc(hidden)]
    fn __in_transaction(&self) -> bool {
        false
    }
}

impl sealed::Sealed for tokio_postgres::Client {}

impl GenericClient for tokio_postgres::Client {
    async fn __query(&self, query: &'static Query, params: &[&(dyn ToSql + Sync)]) -> Result<Rows, Error> {
        crate::rows::from_tokio(unnamed(self, None, query, params).await, query)
    }

    fn __raw(&self) -> Result<&tokio_postgres::Client, Error> {
        Ok(self)
    }
}

impl sealed::Sealed for tokio_postgres::Transaction<'_> {}

impl GenericClient for tokio_postgres::Transaction<'_> {
    async fn __query(&self, query: &'static Query, params: &[&(dyn ToSql + Sync)]) -> Result<Rows, Error> {
        let client = tokio_postgres::GenericClient::client(self);
        crate::rows::from_tokio(unnamed(client, None, query, params).await, query)
    }

    fn __raw(&self) -> Result<&tokio_postgres::Client, Error> {
        Ok(tokio_postgres::GenericClient::client(self))
    }

    fn __in_transaction(&self) -> bool {
        true
    }
}
