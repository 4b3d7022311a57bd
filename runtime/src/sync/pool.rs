//! The blocking [`Pool`] and the primary/replica pair [`ReplicatedPool`] → [`RoutedClient`], over the
//! async pools.
//!
//! A [`Pool`]'s connections each run on a current-thread runtime of their own, which the
//! thread holding the connection drives while it blocks on a call: a call costs what it costs
//! on an own [`Client`], with no hand-off between threads (measured in BENCHMARKS.md, figure 8:
//! with the connections on one shared worker thread instead, four threads reached 0.27–0.38×
//! of four plain `postgres` connections). The pool's own upkeep (waiting for a free
//! connection, timeouts, `min_size`, idle and lifetime limits) runs on one worker thread.
//! A [`RoutedClient`] pair sends each call to either of two connections, so its connections stay
//! on that shared worker.

use super::client::{Client, Transaction, TransactionBuilder};
use super::runtime::Blocker;
use super::GenericClient;
use crate::error::Error;
use crate::generic::sealed;
use crate::{PoolOptions, PoolStats};
use std::time::Duration;

/// A blocking pool of connections. Cheap to clone; share it between threads. [`get`](Pool::get)
/// hands out a [`Client`] that returns its connection when dropped.
#[derive(Debug, Clone)]
pub struct Pool {
    inner: crate::Pool,
    runtime: Blocker,
}

impl Pool {
    /// Creates the pool and opens `settings.min_size` connections (see [`crate::Pool::connect`]).
    pub fn connect(config: &str, settings: PoolOptions) -> Result<Pool, Error> {
        let runtime = Blocker::one_worker("quarry-pool")?;
        let inner = runtime.block_on(crate::Pool::connect_blocking(config, settings))?;
        Ok(Pool { inner, runtime })
    }

    /// Takes a connection, waiting up to `wait_timeout`; dropped, it goes back to the pool.
    pub fn get(&self) -> Result<PooledClient, Error> {
        Ok(lend(self.runtime.block_on(self.inner.get())?))
    }

    /// Current state and counters.
    pub fn stats(&self) -> PoolStats {
        self.inner.stats()
    }

    /// For readiness probes: takes a connection and runs `SELECT 1` within `deadline`.
    pub fn health_check(&self, deadline: Duration) -> Result<Duration, Error> {
        let started = std::time::Instant::now();
        let wait = async { tokio::time::timeout(deadline, self.inner.get()).await };
        let connection = self.runtime.block_on(wait).map_err(|_| Error::timeout(deadline))??;
        let client = lend(connection);
        super::health_check(&client, deadline.saturating_sub(started.elapsed()))?;
        Ok(started.elapsed())
    }

    /// Closes the pool: idle connections close now, others when returned; `get` fails after.
    pub fn close(&self) {
        self.inner.close();
    }

    /// The async pool underneath, for its settings and state. Its connections run on their
    /// own runtimes: use them through [`get`](Pool::get), not from async code.
    pub fn as_async(&self) -> &crate::Pool {
        &self.inner
    }
}

/// A blocking client taken from a [`Pool`]: the same type as an own [`Client`] (one set of
/// methods), which returns its connection to the pool when dropped. The name follows the
/// async flavour's [`crate::PooledClient`].
pub type PooledClient = Client;

/// A pooled connection as a blocking client on the connection's own runtime.
fn lend(connection: crate::PooledClient) -> Client {
    let runtime = connection
        .runtime()
        .cloned()
        .expect("a blocking pool's connections have their own runtime");
    Client::pooled(connection, runtime)
}

/// A blocking primary pool and replica pool (see [`crate::ReplicatedPool`]). Cheap to clone.
#[derive(Debug, Clone)]
pub struct ReplicatedPool {
    inner: crate::ReplicatedPool,
    runtime: Blocker,
}

impl ReplicatedPool {
    /// Opens a pool to each server, with the same settings.
    pub fn connect(primary: &str, replica: &str, config: PoolOptions) -> Result<ReplicatedPool, Error> {
        let runtime = Blocker::one_worker("quarry-pool")?;
        let inner = runtime.block_on(crate::ReplicatedPool::connect(primary, replica, config))?;
        Ok(ReplicatedPool { inner, runtime })
    }

    /// A connection from each pool, routed call by call.
    pub fn get(&self) -> Result<RoutedClient, Error> {
        Ok(RoutedClient {
            inner: self.runtime.block_on(self.inner.get())?,
            runtime: self.runtime.clone(),
        })
    }

    /// The async pair underneath (its `primary()` and `replica()` pools).
    pub fn as_async(&self) -> &crate::ReplicatedPool {
        &self.inner
    }
}

/// A primary and a replica connection: generated calls of
/// [`read_only`](crate::Query::read_only) queries run on the replica, all others on the
/// primary. Transactions run on the primary.
#[derive(Debug)]
pub struct RoutedClient {
    inner: crate::RoutedClient,
    runtime: Blocker,
}

impl RoutedClient {
    /// Starts a transaction on the primary.
    pub fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        self.build_transaction().start()
    }

    /// A transaction on the primary with an isolation level, read-only or deferrable.
    pub fn build_transaction(&mut self) -> TransactionBuilder<'_> {
        TransactionBuilder::new(self.inner.build_transaction(), &self.runtime)
    }

    /// The async pair of connections underneath.
    pub fn as_async(&self) -> &crate::RoutedClient {
        &self.inner
    }
}

impl sealed::Sealed for RoutedClient {}

impl GenericClient for RoutedClient {
    type Async = crate::RoutedClient;

    fn __split(&self) -> (&crate::RoutedClient, &Blocker) {
        (&self.inner, &self.runtime)
    }
}
