//! The blocking [`Connection`] of quarry's own driver: [`crate::wire::Connection`] driven by a
//! current-thread runtime it owns, so blocking pipelines and `:batch*` functions are true
//! pipelines too (docs/pipelines.md).

use super::client::Driver;
use super::runtime::Blocker;
use super::GenericClient;
use crate::error::Error;
use crate::generic::sealed;
use crate::ClientOptions;

/// A blocking session on quarry's own driver. Pass `&conn` to generated blocking functions;
/// `quarry::sync::pipeline!` and `:batch*` functions send one Sync per pipeline (per chunk).
pub struct Connection {
    /// Dropped first (fields drop in order): the session's Terminate is queued, and `driver`
    /// then waits for the task that writes it.
    inner: crate::wire::Connection,
    driver: Driver,
}

impl Connection {
    /// Connects without TLS. `config` is a libpq-style string or a `postgres://` URL.
    pub fn connect(config: &str) -> Result<Connection, Error> {
        Connection::connect_with(config, ClientOptions::default())
    }

    /// [`connect`](Connection::connect) with options (statement mode, cache size, connect
    /// timeout).
    pub fn connect_with(config: &str, options: ClientOptions) -> Result<Connection, Error> {
        let runtime = Blocker::current_thread()?;
        let (inner, task) = runtime.block_on(crate::wire::Connection::open_driven(
            config,
            options,
            Default::default(),
        ))?;
        Ok(Connection {
            inner,
            driver: Driver {
                task: Some(task),
                runtime,
            },
        })
    }

    /// The async connection underneath.
    pub fn as_async(&self) -> &crate::wire::Connection {
        &self.inner
    }

    /// Runs any future on this connection's runtime, blocking until it completes.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.driver.runtime.block_on(future)
    }

    /// Runs `sql` (one or more statements, no parameters) with the simple protocol.
    pub fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        self.block_on(self.as_async().batch_execute(sql))
    }

    /// Starts a transaction: [`commit`](Transaction::commit) it; dropped without, it rolls back.
    pub fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        let (inner, runtime) = (&mut self.inner, &self.driver.runtime);
        let inner = runtime.block_on(inner.transaction())?;
        Ok(Transaction { inner, runtime })
    }

    /// A token that cancels the statement running on this session, from any thread.
    pub fn cancel_token(&self) -> crate::wire::CancelToken {
        self.as_async().cancel_token()
    }
}

impl sealed::Sealed for Connection {}

impl GenericClient for Connection {
    type Async = crate::wire::Connection;

    fn __split(&self) -> (&crate::wire::Connection, &Blocker) {
        (self.as_async(), &self.driver.runtime)
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("inner", &self.inner).finish()
    }
}

/// A blocking transaction on a [`Connection`]; rolls back when dropped without `commit`.
pub struct Transaction<'c> {
    inner: crate::wire::Transaction<'c>,
    runtime: &'c Blocker,
}

impl Transaction<'_> {
    /// Commits.
    pub fn commit(self) -> Result<(), Error> {
        self.runtime.block_on(self.inner.commit())
    }

    /// Rolls back.
    pub fn rollback(self) -> Result<(), Error> {
        self.runtime.block_on(self.inner.rollback())
    }
}

impl sealed::Sealed for Transaction<'_> {}

impl<'c> GenericClient for Transaction<'c> {
    type Async = crate::wire::Transaction<'c>;

    fn __split(&self) -> (&crate::wire::Transaction<'c>, &Blocker) {
        (&self.inner, self.runtime)
    }
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction").field("inner", &self.inner).finish()
    }
}
