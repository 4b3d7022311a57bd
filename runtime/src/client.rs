//! [`Client`] and [`Transaction`]: tokio-postgres with a statement cache.

use crate::cache::{StatementCache, DEFAULT_CAPACITY};
use crate::error::Error;
use crate::execute::{run, StatementMode};
use crate::generic::{sealed, GenericClient};
use crate::query::Query;
use postgres_types::ToSql;
use std::ops::Deref;
use tokio_postgres::{NoTls, RowStream};

/// How a [`Client`] (or every connection of a [`crate::pool::Pool`]) runs generated queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOptions {
    /// Prepared (cached) or unnamed statements.
    pub mode: StatementMode,
    /// How many prepared statements each connection keeps (least recently used out first).
    pub statement_cache_capacity: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            mode: StatementMode::Prepared,
            statement_cache_capacity: DEFAULT_CAPACITY,
        }
    }
}

/// A connection with a prepared-statement cache: after its first use, every generated call
/// on it is one round trip.
///
/// It derefs to `tokio_postgres::Client`, so anything tokio-postgres can do is one `.` away.
#[derive(Debug)]
pub struct Client {
    inner: tokio_postgres::Client,
    cache: StatementCache,
    mode: StatementMode,
}

impl Client {
    /// Connects (without TLS) and drives the connection on a spawned tokio task.
    ///
    /// `config` is a libpq-style string or a `postgres://` URL.
    pub async fn connect(config: &str) -> Result<Self, Error> {
        Client::connect_with(config, ClientOptions::default()).await
    }

    /// [`connect`](Client::connect) with options.
    pub async fn connect_with(config: &str, options: ClientOptions) -> Result<Self, Error> {
        let (client, connection) = tokio_postgres::connect(config, NoTls).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Client::with_options(client, options))
    }

    /// Wraps a connected tokio-postgres client (prepared mode, default cache size).
    pub fn new(inner: tokio_postgres::Client) -> Self {
        Client::with_options(inner, ClientOptions::default())
    }

    /// Wraps a connected tokio-postgres client.
    pub fn with_options(inner: tokio_postgres::Client, options: ClientOptions) -> Self {
        Client {
            inner,
            cache: StatementCache::with_capacity(options.statement_cache_capacity),
            mode: options.mode,
        }
    }

    /// The statements prepared on this connection so far.
    pub fn statement_cache(&self) -> &StatementCache {
        &self.cache
    }

    /// How this client runs generated queries.
    pub fn mode(&self) -> StatementMode {
        self.mode
    }

    /// Starts a transaction: it commits with [`Transaction::commit`] and rolls back when
    /// dropped without it. It shares this connection's statement cache.
    pub async fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        let inner = self.inner.transaction().await?;
        Ok(Transaction {
            inner,
            cache: &self.cache,
            mode: self.mode,
        })
    }

    /// Unwraps the tokio-postgres client.
    pub fn into_inner(self) -> tokio_postgres::Client {
        self.inner
    }
}

impl Deref for Client {
    type Target = tokio_postgres::Client;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl sealed::Sealed for Client {}

impl GenericClient for Client {
    async fn __query(
        &self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<RowStream, tokio_postgres::Error> {
        run(&self.inner, &self.cache, self.mode, false, query, params).await
    }

    fn __raw(&self) -> &tokio_postgres::Client {
        &self.inner
    }

    fn __cache(&self) -> Option<&StatementCache> {
        (self.mode == StatementMode::Prepared).then_some(&self.cache)
    }
}

/// A transaction on a [`Client`]; rolls back when dropped without [`commit`](Transaction::commit).
pub struct Transaction<'a> {
    inner: tokio_postgres::Transaction<'a>,
    cache: &'a StatementCache,
    mode: StatementMode,
}

impl Transaction<'_> {
    /// Binds `query` to a portal (a server-side cursor), preparing it through the cache.
    pub(crate) async fn portal(
        &self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<tokio_postgres::Portal, tokio_postgres::Error> {
        let statement = match self.cache.get(query) {
            Some(statement) => statement,
            None => {
                let statement = self.inner.prepare_typed(query.sql, &query.param_types()).await?;
                if self.mode == StatementMode::Prepared {
                    self.cache.insert(query, statement.clone());
                }
                statement
            }
        };
        self.inner.bind_raw(&statement, params.iter().copied()).await
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), Error> {
        Ok(self.inner.commit().await?)
    }

    /// Rolls back (dropping the transaction does the same, without waiting).
    pub async fn rollback(self) -> Result<(), Error> {
        Ok(self.inner.rollback().await?)
    }
}

impl<'a> Deref for Transaction<'a> {
    type Target = tokio_postgres::Transaction<'a>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl sealed::Sealed for Transaction<'_> {}

impl GenericClient for Transaction<'_> {
    async fn __query(
        &self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<RowStream, tokio_postgres::Error> {
        let client = tokio_postgres::GenericClient::client(&self.inner);
        run(client, self.cache, self.mode, true, query, params).await
    }

    fn __raw(&self) -> &tokio_postgres::Client {
        tokio_postgres::GenericClient::client(&self.inner)
    }

    fn __cache(&self) -> Option<&StatementCache> {
        (self.mode == StatementMode::Prepared).then_some(self.cache)
    }
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("cached_statements", &self.cache.len())
            .finish_non_exhaustive()
    }
}
