//! [`Client`] and [`Transaction`]: tokio-postgres with a statement cache.

use crate::cache::{StatementCache, DEFAULT_CAPACITY};
use crate::error::Error;
use crate::execute::{run, StatementMode};
use crate::generic::{sealed, GenericClient};
use crate::query::Query;
use crate::transaction::{Transaction, TransactionBuilder};
use postgres_types::ToSql;
use std::ops::Deref;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_postgres::NoTls;

/// How a [`Client`] (or every connection of a [`crate::pool::Pool`]) runs generated queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOptions {
    /// Prepared (cached) or unnamed statements.
    pub mode: StatementMode,
    /// How many prepared statements each connection keeps (least recently used out first).
    pub statement_cache_capacity: usize,
    /// How long [`Client::connect`] may take from the first TCP connect to a ready session
    /// (TLS and authentication included); `None` waits as long as the network does. Default
    /// 30 s. libpq has no default (`connect_timeout` unset waits for the OS) and its
    /// `connect_timeout` bounds each host's attempt; the URL's `connect_timeout` still does
    /// that here, and this bounds the whole handshake, so a server that accepts the connection
    /// and never answers cannot hang the caller. A [`crate::Pool`] uses
    /// [`PoolOptions::connect_timeout`](crate::PoolOptions::connect_timeout) instead.
    pub connect_timeout: Option<Duration>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            mode: StatementMode::Prepared,
            statement_cache_capacity: DEFAULT_CAPACITY,
            connect_timeout: Some(Duration::from_secs(30)),
        }
    }
}

/// `connecting`, given up after `deadline` with a `Connection` error naming it.
async fn within<T>(
    deadline: Option<Duration>,
    connecting: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, Error> {
    match deadline {
        Some(deadline) => match tokio::time::timeout(deadline, connecting).await {
            Ok(connected) => Ok(connected?),
            Err(_) => Err(Error::connect_timeout(deadline)),
        },
        None => Ok(connecting.await?),
    }
}

/// Drives `connection` on a spawned task until the client is dropped (or the server goes).
fn drive<F>(connection: F) -> JoinHandle<()>
where
    F: std::future::Future + Send + 'static,
{
    tokio::spawn(async move {
        let _ = connection.await;
    })
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
        Ok(Client::open(config, options).await?.0)
    }

    /// [`connect_with`](Client::connect_with) over TLS (feature `tls`); add `sslmode=require`
    /// to `config` to refuse an unencrypted connection.
    #[cfg(feature = "tls")]
    pub async fn connect_tls(config: &str, tls: &crate::tls::TlsMode, options: ClientOptions) -> Result<Self, Error> {
        Ok(Client::open_tls(config, tls, options).await?.0)
    }

    /// Connects without TLS; also returns the task driving the connection, which ends once
    /// the client is dropped and the connection closed (the blocking client waits for it so
    /// the server sees a clean Terminate).
    pub(crate) async fn open(config: &str, options: ClientOptions) -> Result<(Self, JoinHandle<()>), Error> {
        let parsed: tokio_postgres::Config = config.parse()?;
        let (client, connection) = within(options.connect_timeout, parsed.connect(NoTls)).await?;
        Ok((
            Client::with_options(client, options).at(parsed.into()),
            drive(connection),
        ))
    }

    /// Records where the server is (for cancel requests that wait for it).
    pub(crate) fn at(self, server: std::sync::Arc<tokio_postgres::Config>) -> Self {
        let _ = self.cache.server.set(server);
        self
    }

    /// [`open`](Client::open) over TLS.
    #[cfg(feature = "tls")]
    pub(crate) async fn open_tls(
        config: &str,
        tls: &crate::tls::TlsMode,
        options: ClientOptions,
    ) -> Result<(Self, JoinHandle<()>), Error> {
        let parsed: tokio_postgres::Config = config.parse()?;
        let (client, connection) = within(options.connect_timeout, parsed.connect(tls.connector())).await?;
        Ok((
            Client::with_options(client, options).at(parsed.into()),
            drive(connection),
        ))
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

    /// Starts a transaction (READ COMMITTED, read-write): it commits with
    /// [`Transaction::commit`] and rolls back when dropped without it — on an early return, an
    /// error, or a panic unwinding through it. Outside a transaction every call commits on its
    /// own (autocommit). It shares this connection's statement cache.
    pub async fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        self.build_transaction().start().await
    }

    /// A transaction with an isolation level, read-only or deferrable:
    /// `client.build_transaction().isolation(IsolationLevel::Serializable).start().await?`.
    pub fn build_transaction(&mut self) -> TransactionBuilder<'_> {
        TransactionBuilder::new(&mut self.inner, &self.cache, self.mode)
    }

    /// Runs `work` in a transaction: commits when it returns `Ok`, rolls back when it returns
    /// `Err` (or panics). Nest with [`Transaction::transaction`] for savepoints.
    pub async fn in_transaction<T, E>(
        &mut self,
        work: impl AsyncFnOnce(&mut Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<Error>,
    {
        let transaction = self.transaction().await?;
        transaction.run(work).await
    }

    /// A token that cancels the query running on this connection, from anywhere.
    pub fn cancel_token(&self) -> tokio_postgres::CancelToken {
        self.inner.cancel_token()
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
    async fn __query(&self, query: &'static Query, params: &[&(dyn ToSql + Sync)]) -> Result<crate::rows::Rows, Error> {
        crate::rows::from_tokio(
            run(&self.inner, &self.cache, self.mode, false, query, params).await,
            query,
        )
    }

    fn __raw(&self) -> Result<&tokio_postgres::Client, Error> {
        Ok(&self.inner)
    }

    fn __cache(&self) -> Option<&StatementCache> {
        (self.mode == StatementMode::Prepared).then_some(&self.cache)
    }

    fn __unnamed(&self) -> Option<(&StatementCache, bool)> {
        (self.mode == StatementMode::Unnamed).then_some((&self.cache, false))
    }
}
