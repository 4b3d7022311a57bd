//! [`ReplicatedPool`]: a primary pool and a read-replica pool, and [`RoutedClient`] connections that
//! send each generated call to one or the other.
//!
//! Routing is by [`crate::Query::read_only`], which the generator sets for plain `SELECT`s
//! (and queries marked `-- route: replica`); everything else — writes, row locks, COPY,
//! LISTEN/NOTIFY, transactions — goes to the primary.
//!
//! ```no_run
//! # mod tasks { // stands in for generated code
//! #     pub async fn add_task<C: quarry::GenericClient + ?Sized>(_: &C, _: &str, _: &str) -> Result<i32, quarry::Error> { Ok(1) }
//! #     pub async fn list_tasks<C: quarry::GenericClient + ?Sized>(_: &C) -> Result<Vec<String>, quarry::Error> { Ok(vec![]) }
//! # }
//! # async fn run() -> Result<(), quarry::Error> {
//! use quarry::{PoolOptions, ReplicatedPool};
//! let db = ReplicatedPool::connect(
//!     "host=primary.internal dbname=app",
//!     "host=replica.internal dbname=app",
//!     PoolOptions::default(),
//! ).await?;
//! let conn = db.get().await?;
//! tasks::add_task(&conn, "write", "").await?;      // primary
//! let all = tasks::list_tasks(&conn).await?;       // replica
//! # Ok(()) }
//! ```
//!
//! A replica is behind the primary by its replication lag: a read that must see a write just
//! made goes to the primary — run it on [`RoutedClient::primary`], or in a transaction (which is
//! always on the primary).

use crate::error::Error;
use crate::generic::{sealed, GenericClient};
use crate::pool::{Pool, PoolOptions, PooledClient};
use crate::query::Query;
use postgres_types::ToSql;

/// A primary pool and a replica pool. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ReplicatedPool {
    primary: Pool,
    replica: Pool,
}

impl ReplicatedPool {
    /// Routes between two existing pools.
    pub fn new(primary: Pool, replica: Pool) -> Self {
        ReplicatedPool { primary, replica }
    }

    /// Opens a pool to each server, with the same settings. A replica string may list several
    /// hosts (`host=r1,r2`): tokio-postgres takes the first that answers.
    pub async fn connect(primary: &str, replica: &str, config: PoolOptions) -> Result<Self, Error> {
        Ok(ReplicatedPool {
            primary: Pool::connect(primary, config.clone()).await?,
            replica: Pool::connect(replica, config).await?,
        })
    }

    /// The primary's pool (for transactions, or reads that must see the latest writes).
    pub fn primary(&self) -> &Pool {
        &self.primary
    }

    /// The replica's pool (for read-only work that need not be routed call by call).
    pub fn replica(&self) -> &Pool {
        &self.replica
    }

    /// A connection from each pool, routed call by call. For a stretch of reads only, take
    /// `replica().get()` instead: it leaves the primary's connections free.
    pub async fn get(&self) -> Result<RoutedClient, Error> {
        let (primary, replica) = futures_util::try_join!(self.primary.get(), self.replica.get())?;
        Ok(RoutedClient { primary, replica })
    }
}

/// A primary and a replica connection: generated calls whose query is
/// [`read_only`](crate::Query::read_only) run on the replica, all others on the primary.
/// COPY, cancellation, notifications and `verify` use the primary.
#[derive(Debug)]
pub struct RoutedClient {
    primary: PooledClient,
    replica: PooledClient,
}

impl RoutedClient {
    /// The primary connection (transactions: `routed.primary_mut().transaction()`).
    pub fn primary(&self) -> &PooledClient {
        &self.primary
    }

    /// The primary connection, mutably (to start a transaction on it).
    pub fn primary_mut(&mut self) -> &mut PooledClient {
        &mut self.primary
    }

    /// Starts a transaction on the primary (every call inside it runs there).
    pub async fn transaction(&mut self) -> Result<crate::Transaction<'_>, Error> {
        self.primary.transaction().await
    }

    /// A transaction on the primary with an isolation level, read-only or deferrable.
    pub fn build_transaction(&mut self) -> crate::TransactionBuilder<'_> {
        self.primary.build_transaction()
    }

    /// The replica connection.
    pub fn replica(&self) -> &PooledClient {
        &self.replica
    }

    fn route(&self, query: &Query) -> &PooledClient {
        if query.read_only {
            &self.replica
        } else {
            &self.primary
        }
    }
}

impl sealed::Sealed for RoutedClient {}

impl GenericClient for RoutedClient {
    fn __query(
        &self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl std::future::Future<Output = Result<crate::rows::Rows, Error>> + Send {
        self.route(query).__query(query, params)
    }

    fn __raw(&self) -> Result<&tokio_postgres::Client, Error> {
        self.primary.__raw()
    }

    fn __cache(&self) -> Option<&crate::StatementCache> {
        self.primary.__cache()
    }

    fn __unnamed(&self) -> Option<(&crate::StatementCache, bool)> {
        self.primary.__unnamed()
    }
}
