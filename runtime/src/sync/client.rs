//! The blocking [`Client`] (own or pooled connection), [`Transaction`] and
//! [`TransactionBuilder`]: each an async object plus the runtime that drives it.

use super::runtime::Blocker;
use super::GenericClient;
use crate::error::Error;
use crate::generic::sealed;
use crate::{ClientOptions, StatementCache, StatementMode};
use std::time::Duration;
use tokio::task::JoinHandle;

/// The connection a blocking [`Client`] runs on.
enum Connection {
    /// Its own.
    Own(crate::Client),
    /// Taken from a [`super::Pool`]; dropping the client returns it.
    Pooled(crate::PooledClient),
}

/// The runtime that drives a [`Client`]'s connection, and for an own connection the task
/// doing it. Dropped, it waits (briefly) for that task, so the server sees a Terminate rather
/// than a dropped socket. A field after `connection`: fields drop in order, so the client has
/// closed its channel by then. Shared with the blocking [`super::wire::Connection`].
pub(super) struct Driver {
    pub(super) task: Option<JoinHandle<()>>,
    pub(super) runtime: Blocker,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Dropped inside an async runtime (where blocking would panic), the connection just
        // closes with the runtime.
        if tokio::runtime::Handle::try_current().is_ok() {
            return;
        }
        if let Some(driver) = self.task.take() {
            // The timer must be made inside the runtime: it needs its time driver.
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(1), driver).await });
        }
    }
}

/// A blocking connection with a prepared-statement cache — [`crate::Client`] driven by a
/// runtime it owns. Pass `&client` to generated blocking functions. A client taken from a
/// [`super::Pool`] is the same type; dropping it returns the connection to the pool.
pub struct Client {
    connection: Connection,
    driver: Driver,
}

impl Client {
    /// Connects without TLS. `config` is a libpq-style string or a `postgres://` URL.
    pub fn connect(config: &str) -> Result<Client, Error> {
        Client::connect_with(config, ClientOptions::default())
    }

    /// [`connect`](Client::connect) with options: statement mode (prepared, or unnamed for
    /// PgBouncer), statement-cache size, connect timeout.
    pub fn connect_with(config: &str, options: ClientOptions) -> Result<Client, Error> {
        let runtime = Blocker::current_thread()?;
        let (client, driver) = runtime.block_on(crate::Client::open(config, options))?;
        Ok(Client::own(client, driver, runtime))
    }

    /// [`connect_with`](Client::connect_with) over TLS (feature `tls`).
    #[cfg(feature = "tls")]
    pub fn connect_tls(config: &str, tls: &crate::tls::TlsMode, options: ClientOptions) -> Result<Client, Error> {
        let runtime = Blocker::current_thread()?;
        let (client, driver) = runtime.block_on(crate::Client::open_tls(config, tls, options))?;
        Ok(Client::own(client, driver, runtime))
    }

    fn own(client: crate::Client, driver: JoinHandle<()>, runtime: Blocker) -> Client {
        Client {
            connection: Connection::Own(client),
            driver: Driver {
                task: Some(driver),
                runtime,
            },
        }
    }

    pub(super) fn pooled(connection: crate::PooledClient, runtime: Blocker) -> Client {
        Client {
            connection: Connection::Pooled(connection),
            driver: Driver { task: None, runtime },
        }
    }

    /// The async client underneath, e.g. for `client.block_on(client.as_async().query(…))`.
    pub fn as_async(&self) -> &crate::Client {
        match &self.connection {
            Connection::Own(client) => client,
            Connection::Pooled(connection) => connection,
        }
    }

    fn parts_mut(&mut self) -> (&mut crate::Client, &Blocker) {
        let client = match &mut self.connection {
            Connection::Own(client) => client,
            Connection::Pooled(connection) => &mut **connection,
        };
        (client, &self.driver.runtime)
    }

    /// Runs any future — async quarry or tokio-postgres calls on [`as_async`](Client::as_async)
    /// — on this client's runtime, blocking until it completes.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.driver.runtime.block_on(future)
    }

    /// Runs `sql` (one or more statements, no parameters) with the simple query protocol:
    /// for DDL and session settings.
    pub fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        Ok(self.block_on(self.as_async().batch_execute(sql))?)
    }

    /// The statements prepared on this connection so far.
    pub fn statement_cache(&self) -> &StatementCache {
        self.as_async().statement_cache()
    }

    /// How this client runs generated queries.
    pub fn mode(&self) -> StatementMode {
        self.as_async().mode()
    }

    /// A token that cancels the query running on this connection, from another thread.
    pub fn cancel_token(&self) -> CancelToken {
        CancelToken(self.as_async().cancel_token())
    }

    /// Starts a transaction (READ COMMITTED, read-write); it rolls back when dropped without
    /// [`Transaction::commit`].
    pub fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        self.build_transaction().start()
    }

    /// A transaction with an isolation level, read-only or deferrable.
    pub fn build_transaction(&mut self) -> TransactionBuilder<'_> {
        let (client, runtime) = self.parts_mut();
        TransactionBuilder::new(client.build_transaction(), runtime)
    }

    /// Runs `work` in a transaction: commits when it returns `Ok`, rolls back when it returns
    /// `Err` (or panics). Nest with [`Transaction::in_transaction`] for savepoints.
    pub fn in_transaction<T, E>(&mut self, work: impl FnOnce(&mut Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<Error>,
    {
        self.transaction()?.run(work)
    }
}

impl sealed::Sealed for Client {}

impl GenericClient for Client {
    type Async = crate::Client;

    fn __split(&self) -> (&crate::Client, &Blocker) {
        (self.as_async(), &self.driver.runtime)
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("pooled", &matches!(self.connection, Connection::Pooled(_)))
            .field("client", self.as_async())
            .finish()
    }
}

/// Cancels the query running on a [`Client`]'s connection (PostgreSQL's cancel request, on a
/// connection of its own), from any thread.
#[derive(Clone)]
pub struct CancelToken(tokio_postgres::CancelToken);

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken").finish_non_exhaustive()
    }
}

impl CancelToken {
    /// Sends the cancel request (without TLS) and waits for the server to take it.
    pub fn cancel_query(&self) -> Result<(), Error> {
        Blocker::current_thread()?.block_on(self.0.cancel_query(tokio_postgres::NoTls))?;
        Ok(())
    }
}

/// Options of a blocking transaction about to start; see [`Client::build_transaction`].
#[derive(Debug)]
pub struct TransactionBuilder<'a> {
    inner: crate::TransactionBuilder<'a>,
    runtime: &'a Blocker,
}

impl<'a> TransactionBuilder<'a> {
    pub(super) fn new(inner: crate::TransactionBuilder<'a>, runtime: &'a Blocker) -> Self {
        TransactionBuilder { inner, runtime }
    }

    crate::transaction::transaction_settings!(inner.inner);

    /// Sends `BEGIN …`.
    pub fn start(self) -> Result<Transaction<'a>, Error> {
        Ok(Transaction {
            inner: self.runtime.block_on(self.inner.start())?,
            runtime: self.runtime,
        })
    }
}

/// A blocking transaction: [`commit`](Transaction::commit) it; dropped without that, it rolls
/// back. Nested transactions are savepoints. Pass `&tx` (or `tx` inside
/// [`Client::in_transaction`]) to generated blocking functions.
pub struct Transaction<'a> {
    inner: crate::Transaction<'a>,
    runtime: &'a Blocker,
}

impl<'a> Transaction<'a> {
    /// A nested transaction: a savepoint, released by `commit`, rolled back to when dropped.
    pub fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        Ok(Transaction {
            inner: self.runtime.block_on(self.inner.transaction())?,
            runtime: self.runtime,
        })
    }

    /// [`Client::in_transaction`] one level down: `work` runs in a savepoint.
    pub fn in_transaction<T, E>(&mut self, work: impl FnOnce(&mut Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<Error>,
    {
        self.transaction()?.run(work)
    }

    /// Runs `work`, then commits on `Ok` and rolls back on `Err`.
    pub(super) fn run<T, E>(mut self, work: impl FnOnce(&mut Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<Error>,
    {
        match work(&mut self) {
            Ok(value) => {
                self.commit()?;
                Ok(value)
            }
            Err(error) => {
                // The work's error is the one to report (see the async `run`).
                let _ = self.rollback();
                Err(error)
            }
        }
    }

    /// Limits every later statement of this transaction to `limit` (`SET LOCAL
    /// statement_timeout`).
    pub fn statement_timeout(&self, limit: Duration) -> Result<(), Error> {
        self.runtime.block_on(self.inner.statement_timeout(limit))
    }

    /// Runs `sql` (no parameters) with the simple query protocol, inside the transaction.
    pub fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        Ok(self.runtime.block_on(self.inner.batch_execute(sql))?)
    }

    /// The async transaction underneath.
    pub fn as_async(&self) -> &crate::Transaction<'a> {
        &self.inner
    }

    /// Runs any future on the transaction's runtime (see [`Client::block_on`]).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Commits (or releases the savepoint).
    pub fn commit(self) -> Result<(), Error> {
        self.runtime.block_on(self.inner.commit())
    }

    /// Rolls back (dropping the transaction does the same).
    pub fn rollback(self) -> Result<(), Error> {
        self.runtime.block_on(self.inner.rollback())
    }
}

impl sealed::Sealed for Transaction<'_> {}

impl<'a> GenericClient for Transaction<'a> {
    type Async = crate::Transaction<'a>;

    fn __split(&self) -> (&crate::Transaction<'a>, &Blocker) {
        (&self.inner, self.runtime)
    }
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction").field("inner", &self.inner).finish()
    }
}
