//! [`Client`] and [`Transaction`]: tokio-postgres with a statement cache.

use crate::cache::StatementCache;
use crate::error::Error;
use crate::generic::{prepared, sealed, GenericClient};
use crate::query::Query;
use postgres_types::ToSql;
use std::ops::Deref;
use tokio_postgres::{NoTls, RowStream};

/// A connection with a prepared-statement cache: after its first use, every generated call
/// on it is one round trip.
///
/// It derefs to `tokio_postgres::Client`, so anything tokio-postgres can do is one `.` away.
#[derive(Debug)]
pub struct Client {
    inner: tokio_postgres::Client,
    cache: StatementCache,
}

impl Client {
    /// Connects (without TLS) and drives the connection on a spawned tokio task.
    ///
    /// `config` is a libpq-style string or a `postgres://` URL.
    pub async fn connect(config: &str) -> Result<Self, Error> {
        let (client, connection) = tokio_postgres::connect(config, NoTls).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Client::new(client))
    }

    /// Wraps a connected tokio-postgres client.
    pub fn new(inner: tokio_postgres::Client) -> Self {
        Client {
            inner,
            cache: StatementCache::default(),
        }
    }

    /// The statements prepared on this connection so far.
    pub fn statement_cache(&self) -> &StatementCache {
        &self.cache
    }

    /// Starts a transaction: it commits with [`Transaction::commit`] and rolls back when
    /// dropped without it. It shares this connection's statement cache.
    pub async fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        let inner = self.inner.transaction().await?;
        Ok(Transaction {
            inner,
            cache: &self.cache,
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
        let statement = prepared(
            &self.cache,
            query,
            self.inner.prepare_typed(query.sql, &query.param_types()),
        )
        .await?;
        self.inner.query_raw(&statement, params.iter().copied()).await
    }
}

/// A transaction on a [`Client`]; rolls back when dropped without [`commit`](Transaction::commit).
pub struct Transaction<'a> {
    inner: tokio_postgres::Transaction<'a>,
    cache: &'a StatementCache,
}

impl Transaction<'_> {
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
        let statement = prepared(
            self.cache,
            query,
            self.inner.prepare_typed(query.sql, &query.param_types()),
        )
        .await?;
        self.inner.query_raw(&statement, params.iter().copied()).await
    }
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("cached_statements", &self.cache.len())
            .finish_non_exhaustive()
    }
}
