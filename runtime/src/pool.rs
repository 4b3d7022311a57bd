//! [`Pool`]: a connection pool whose connections are [`Client`]s, so each keeps its
//! statement cache for its whole life, across checkouts.
//!
//! Built on `deadpool`'s managed pool (the engine under deadpool-postgres) with quarry's own
//! manager: deadpool-postgres would bring a second, unbounded statement cache without
//! invalidation handling; this manager reuses [`Client`]'s.
//!
//! ```no_run
//! # mod tasks { // stands in for generated code
//! #     pub async fn list_tasks<C: quarry::GenericClient + ?Sized>(_: &C) -> Result<Vec<String>, quarry::Error> { Ok(vec![]) }
//! # }
//! # async fn run() -> Result<(), quarry::Error> {
//! use quarry::{Pool, PoolOptions};
//! let pool = Pool::connect("host=/run/postgresql dbname=app", PoolOptions::default()).await?;
//! let conn = pool.get().await?;                       // a PooledClient
//! let tasks = tasks::list_tasks(&conn).await?;       // generated functions take it directly
//! # Ok(()) }
//! ```

use crate::client::{Client, ClientOptions};
use crate::error::Error;
use crate::generic::{sealed, GenericClient};
use crate::metrics::{self, names};
use crate::query::Query;
use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use postgres_types::ToSql;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_postgres::NoTls;

/// What is checked when a connection is taken from the pool (deadpool's recycling methods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recycling {
    /// Only that the connection is not closed: no round trip. A transaction opened with raw
    /// `BEGIN` and never ended stays open (quarry's own transactions roll back on drop).
    Fast,
    /// One round trip that both checks the connection and detects a transaction left open
    /// (`statement_timestamp() <> transaction_timestamp()` only inside one), which is then
    /// rolled back. The default.
    #[default]
    Verified,
    /// As `Verified`, then everything `DISCARD ALL` resets except the prepared statements:
    /// settings (`RESET ALL`), session authorization, cursors, `LISTEN`s, advisory locks,
    /// cached plans, temporary tables and sequence state. The statements stay: they are
    /// quarry's statement cache (and tokio-postgres' type look-ups), not the application's
    /// session state, and deallocating them behind tokio-postgres would leave it unable to
    /// learn new user-defined types on that connection.
    Clean,
}

/// Pool settings. `Default` gives 10 connections, no minimum, 30 s waits and connects.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// The pool's name in metrics (the `pool` label, feature `metrics`); `"default"`.
    pub name: String,
    /// Most connections open at once.
    pub max_size: usize,
    /// Connections opened by [`Pool::connect`] and kept open even when idle.
    pub min_size: usize,
    /// How long [`Pool::get`] waits for a free connection before [`crate::ErrorKind::PoolTimeout`].
    pub wait_timeout: Option<Duration>,
    /// How long opening one connection may take.
    pub connect_timeout: Option<Duration>,
    /// Connections older than this are closed when next taken or found idle.
    pub max_lifetime: Option<Duration>,
    /// Connections idle (in the pool) longer than this are closed, down to `min_size`.
    pub max_idle_time: Option<Duration>,
    /// What is checked on checkout.
    pub recycling: Recycling,
    /// How long the checkout check ([`Recycling::Verified`], [`Recycling::Clean`]) may take;
    /// a connection that does not answer in time (a stalled network, a half-open TCP
    /// connection) is discarded and the checkout goes on with another. Default 5 s.
    pub check_timeout: Duration,
    /// Statement mode and cache size of every connection.
    pub client: ClientOptions,
    /// Connect over TLS (feature `tls`); `None` connects in plain text.
    #[cfg(feature = "tls")]
    pub tls: Option<crate::tls::TlsMode>,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            name: "default".into(),
            max_size: 10,
            min_size: 0,
            wait_timeout: Some(Duration::from_secs(30)),
            connect_timeout: Some(Duration::from_secs(30)),
            max_lifetime: None,
            max_idle_time: None,
            recycling: Recycling::Verified,
            check_timeout: Duration::from_secs(5),
            client: ClientOptions::default(),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

/// Counters since the pool was created, plus its current state (psycopg_pool's `get_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open now (idle or in use).
    pub size: usize,
    /// Idle connections now.
    pub available: usize,
    /// Tasks waiting for a connection now.
    pub waiting: usize,
    /// The configured maximum.
    pub max_size: usize,
    /// Checkouts requested.
    pub requests: u64,
    /// Checkouts that found no idle connection and the pool full, so had to wait.
    pub waits: u64,
    /// Checkouts that gave up after `wait_timeout`.
    pub timeouts: u64,
    /// Failed attempts to open a connection.
    pub connection_errors: u64,
    /// Connections found closed or unhealthy on checkout, and discarded.
    pub connections_lost: u64,
    /// Transactions found open on checkout and rolled back.
    pub rollbacks: u64,
}

#[derive(Debug, Default)]
struct Counters {
    /// The pool's name, for metrics.
    name: String,
    requests: AtomicU64,
    waits: AtomicU64,
    timeouts: AtomicU64,
    connection_errors: AtomicU64,
    connections_lost: AtomicU64,
    rollbacks: AtomicU64,
}

impl Counters {
    /// Adds one to `counter` and to the metric `metric` (one of [`metrics::names`]).
    fn bump(&self, counter: &AtomicU64, metric: &'static str) {
        counter.fetch_add(1, Ordering::Relaxed);
        metrics::pool_event(&self.name, metric);
    }
}

/// A pooled connection's state.
#[derive(Debug)]
pub(crate) struct Pooled {
    client: Client,
    returned: Instant,
    /// In a blocking pool, the connection's own current-thread runtime: the thread that holds
    /// the connection drives it while it blocks on a call, so a call costs no hand-off
    /// between threads (see `quarry::sync::Pool`).
    #[cfg(feature = "sync")]
    runtime: Option<crate::sync::Blocker>,
}

/// Opens and checks connections for the pool.
#[derive(Debug)]
pub(crate) struct Manager {
    /// Shared with every connection's cache (`StatementCache::server`), for cancel requests.
    config: Arc<tokio_postgres::Config>,
    settings: PoolOptions,
    counters: Arc<Counters>,
    /// Whether connections get a runtime of their own (a blocking pool).
    #[cfg(feature = "sync")]
    blocking: bool,
}

impl Manager {
    /// Opens one connection (over TLS when configured) and drives it on a spawned task of
    /// the current runtime.
    async fn connect(config: &Arc<tokio_postgres::Config>, settings: &PoolOptions) -> Result<Client, Error> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &settings.tls {
            let (client, connection) = config.connect(tls.connector()).await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            return Ok(Client::with_options(client, settings.client).at(config.clone()));
        }
        let (client, connection) = config.connect(NoTls).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Client::with_options(client, settings.client).at(config.clone()))
    }

    /// A new pooled connection, on a runtime of its own in a blocking pool.
    async fn open(&self) -> Result<Pooled, Error> {
        #[cfg(feature = "sync")]
        if self.blocking {
            let (config, settings) = (self.config.clone(), self.settings.clone());
            // Connected inside its own runtime (on a blocking thread: runtimes do not nest),
            // so its socket and its driving task belong to that runtime.
            let opened = tokio::task::spawn_blocking(move || {
                let runtime = crate::sync::Blocker::current_thread()?;
                let client = runtime.block_on(Manager::connect(&config, &settings))?;
                Ok::<_, Error>((client, runtime))
            })
            .await
            .map_err(|e| Error::pool(format!("opening a connection failed: {e}")))??;
            return Ok(Pooled {
                client: opened.0,
                returned: Instant::now(),
                runtime: Some(opened.1),
            });
        }
        Ok(Pooled {
            client: Manager::connect(&self.config, &self.settings).await?,
            returned: Instant::now(),
            #[cfg(feature = "sync")]
            runtime: None,
        })
    }
}

impl managed::Manager for Manager {
    type Type = Pooled;
    type Error = Error;

    async fn create(&self) -> Result<Pooled, Error> {
        self.open().await.inspect_err(|_| {
            self.counters
                .bump(&self.counters.connection_errors, names::CONNECTION_ERRORS)
        })
    }

    async fn recycle(&self, pooled: &mut Pooled, metrics: &Metrics) -> RecycleResult<Error> {
        if pooled.client.is_closed() {
            tracing::debug!("pooled connection found closed; replacing it");
            self.counters
                .bump(&self.counters.connections_lost, names::CONNECTIONS_LOST);
            return Err(RecycleError::message("connection closed"));
        }
        if pooled.client.statement_cache().unnamed.is_stale() {
            tracing::debug!("pooled connection's user-defined types changed; replacing it");
            return Err(RecycleError::message(
                "user-defined types changed under this connection",
            ));
        }
        if self.settings.max_lifetime.is_some_and(|max| metrics.age() > max) {
            return Err(RecycleError::message("connection reached max_lifetime"));
        }
        if self.settings.recycling == Recycling::Fast {
            return Ok(());
        }
        // A blocking pool's connection runs on its own runtime, which this thread drives for
        // the check (leaving the pool's runtime for that time).
        #[cfg(feature = "sync")]
        if let Some(runtime) = &pooled.runtime {
            return tokio::task::block_in_place(|| runtime.block_on(self.check(&pooled.client)));
        }
        self.check(&pooled.client).await
    }
}

impl Manager {
    /// The checkout check of [`Recycling::Verified`] and [`Recycling::Clean`].
    async fn check(&self, client: &Client) -> RecycleResult<Error> {
        let probe = client.simple_query("SELECT statement_timestamp() <> transaction_timestamp()");
        let Ok(probe) = tokio::time::timeout(self.settings.check_timeout, probe).await else {
            tracing::debug!("pooled connection did not answer its health check in time; replacing it");
            self.counters
                .bump(&self.counters.connections_lost, names::CONNECTIONS_LOST);
            return Err(RecycleError::message("no answer to the checkout check"));
        };
        let open = match probe {
            Ok(messages) => messages.iter().any(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0) == Some("t"),
                _ => false,
            }),
            // An aborted transaction rejects every statement until it ends.
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION) => true,
            Err(e) => {
                tracing::debug!(error = %e, "pooled connection failed its health check; replacing it");
                self.counters
                    .bump(&self.counters.connections_lost, names::CONNECTIONS_LOST);
                return Err(RecycleError::Backend(e.into()));
            }
        };
        if open {
            tracing::warn!("a pooled connection came back inside a transaction; rolling it back");
            self.counters.bump(&self.counters.rollbacks, names::ROLLBACKS);
            client.batch_execute("ROLLBACK").await.map_err(Error::from)?;
        }
        if self.settings.recycling == Recycling::Clean {
            client
                .batch_execute(DISCARD_ALL_BUT_STATEMENTS)
                .await
                .map_err(Error::from)?;
        }
        Ok(())
    }
}

/// `DISCARD ALL` as PostgreSQL documents it, without `DEALLOCATE ALL` (see [`Recycling::Clean`]).
const DISCARD_ALL_BUT_STATEMENTS: &str = "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; \
     UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES";

/// A pool of [`Client`]s. Cheap to clone (all clones share the connections).
#[derive(Debug, Clone)]
pub struct Pool {
    inner: managed::Pool<Manager>,
    counters: Arc<Counters>,
}

impl Pool {
    /// Creates the pool and opens `min_size` connections. `config` is a libpq-style string or
    /// a `postgres://` URL.
    pub async fn connect(config: &str, settings: PoolOptions) -> Result<Pool, Error> {
        Pool::build(config, settings, false).await
    }

    /// A pool whose connections each run on a current-thread runtime of their own, driven by
    /// the thread blocking on a call (`quarry::sync::Pool`).
    #[cfg(feature = "sync")]
    pub(crate) async fn connect_blocking(config: &str, settings: PoolOptions) -> Result<Pool, Error> {
        Pool::build(config, settings, true).await
    }

    async fn build(config: &str, settings: PoolOptions, #[allow(unused)] blocking: bool) -> Result<Pool, Error> {
        let mut pg: tokio_postgres::Config = config.parse()?;
        if let Some(timeout) = settings.connect_timeout {
            pg.connect_timeout(timeout);
        }
        let counters = Arc::new(Counters {
            name: settings.name.clone(),
            ..Counters::default()
        });
        let manager = Manager {
            config: Arc::new(pg),
            settings: settings.clone(),
            counters: counters.clone(),
            #[cfg(feature = "sync")]
            blocking,
        };
        let inner = managed::Pool::builder(manager)
            .max_size(settings.max_size.max(1))
            .wait_timeout(settings.wait_timeout)
            .create_timeout(settings.connect_timeout)
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| Error::pool(format!("cannot build the pool: {e}")))?;
        let pool = Pool { inner, counters };
        pool.top_up(settings.min_size).await?;
        if settings.max_idle_time.is_some() || settings.max_lifetime.is_some() || settings.min_size > 0 {
            tokio::spawn(maintain(pool.inner.weak(), settings));
        }
        Ok(pool)
    }

    /// Opens connections until `min` are open.
    async fn top_up(&self, min: usize) -> Result<(), Error> {
        let missing = min.saturating_sub(self.inner.status().size);
        let checkouts = (0..missing).map(|_| self.get());
        for connection in futures_util::future::join_all(checkouts).await {
            connection?;
        }
        Ok(())
    }

    /// Takes a connection, waiting up to `wait_timeout`; it returns to the pool when dropped.
    pub async fn get(&self) -> Result<PooledClient, Error> {
        self.counters.bump(&self.counters.requests, names::CHECKOUTS);
        let status = self.inner.status();
        let waits = status.available == 0 && status.size >= status.max_size;
        if waits {
            self.counters.bump(&self.counters.waits, names::WAITS);
        }
        publish_gauges(&self.inner, &self.counters.name);
        let started = Instant::now();
        let result = self.inner.get().await;
        publish_gauges(&self.inner, &self.counters.name);
        tracing::debug!(
            waited = waits,
            elapsed_us = started.elapsed().as_micros() as u64,
            ok = result.is_ok(),
            "quarry.pool checkout"
        );
        match result {
            Ok(object) => Ok(PooledClient { object: Some(object) }),
            Err(managed::PoolError::Timeout(managed::TimeoutType::Wait)) => {
                tracing::warn!(
                    size = status.size,
                    "no pooled connection became free within the wait timeout"
                );
                self.counters.bump(&self.counters.timeouts, names::TIMEOUTS);
                Err(Error::pool_timeout(self.inner.timeouts().wait))
            }
            Err(managed::PoolError::Backend(e)) => Err(e),
            Err(e) => Err(Error::pool(e.to_string())),
        }
    }

    /// Current state and counters.
    pub fn stats(&self) -> PoolStats {
        let status = self.inner.status();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        PoolStats {
            size: status.size,
            available: status.available,
            waiting: status.waiting,
            max_size: status.max_size,
            requests: get(&self.counters.requests),
            waits: get(&self.counters.waits),
            timeouts: get(&self.counters.timeouts),
            connection_errors: get(&self.counters.connection_errors),
            connections_lost: get(&self.counters.connections_lost),
            rollbacks: get(&self.counters.rollbacks),
        }
    }

    /// For readiness probes: takes a connection and runs `SELECT 1` within `deadline`;
    /// returns how long it took.
    pub async fn health_check(&self, deadline: Duration) -> Result<Duration, Error> {
        let started = Instant::now();
        let conn = tokio::time::timeout(deadline, self.get())
            .await
            .map_err(|_| Error::timeout(deadline))??;
        crate::health_check(&*conn, deadline.saturating_sub(started.elapsed())).await?;
        Ok(started.elapsed())
    }

    /// Closes the pool: idle connections close now, others when returned; `get` fails after.
    pub fn close(&self) {
        self.inner.close();
    }
}

/// Every second: closes connections idle longer than `max_idle_time` or older than
/// `max_lifetime` (keeping `min_size`), then reopens up to `min_size`. Stops with the pool.
async fn maintain(pool: managed::WeakPool<Manager>, settings: PoolOptions) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let Some(inner) = pool.upgrade() else { return };
        if inner.is_closed() {
            return;
        }
        let mut keep = inner.status().size;
        inner.retain(|pooled, metrics| {
            let idle = settings
                .max_idle_time
                .is_some_and(|max| pooled.returned.elapsed() > max);
            let old = settings.max_lifetime.is_some_and(|max| metrics.age() > max);
            let drop = (idle && keep > settings.min_size) || old;
            keep -= usize::from(drop);
            !drop
        });
        let missing = settings.min_size.saturating_sub(inner.status().size);
        let checkouts = (0..missing).map(|_| inner.get());
        let _ = futures_util::future::join_all(checkouts).await;
    }
}

/// Sets the pool gauges (feature `metrics`) from the pool's state now.
fn publish_gauges(pool: &managed::Pool<Manager>, name: &str) {
    if cfg!(feature = "metrics") {
        let status = pool.status();
        metrics::pool_gauges(name, status.size, status.available, status.waiting, status.max_size);
    }
}

/// Renamed [`PooledClient`].
#[deprecated(note = "renamed `quarry::PooledClient`")]
pub type Connection = PooledClient;

/// A connection taken from a [`Pool`]: use it like a [`Client`] (it derefs to one), and pass
/// it to generated functions directly. Dropping it returns it to the pool.
pub struct PooledClient {
    /// `Some` until dropped (taken out so the gauges can be set once it is back).
    object: Option<managed::Object<Manager>>,
}

impl PooledClient {
    fn pooled(&self) -> &Pooled {
        self.object.as_ref().expect("the object lives until drop")
    }

    /// In a blocking pool, the runtime that drives this connection.
    #[cfg(feature = "sync")]
    pub(crate) fn runtime(&self) -> Option<&crate::sync::Blocker> {
        self.pooled().runtime.as_ref()
    }
}

impl Deref for PooledClient {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.pooled().client
    }
}

impl DerefMut for PooledClient {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.object.as_mut().expect("the object lives until drop").client
    }
}

impl Drop for PooledClient {
    fn drop(&mut self) {
        if let Some(mut object) = self.object.take() {
            object.returned = Instant::now();
            // Only with metrics: the pool, to read its state once the connection is back.
            let pool = cfg!(feature = "metrics")
                .then(|| managed::Object::pool(&object))
                .flatten();
            drop(object);
            if let Some(pool) = pool {
                publish_gauges(&pool, &pool.manager().counters.name);
            }
        }
    }
}

impl std::fmt::Debug for PooledClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PooledClient")
            .field("client", &self.pooled().client)
            .finish()
    }
}

impl sealed::Sealed for PooledClient {}

impl GenericClient for PooledClient {
    fn __query(
        &self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl std::future::Future<Output = Result<crate::rows::Rows, Error>> + Send {
        self.pooled().client.__query(query, params)
    }

    fn __raw(&self) -> Result<&tokio_postgres::Client, Error> {
        self.pooled().client.__raw()
    }

    fn __cache(&self) -> Option<&crate::StatementCache> {
        self.pooled().client.__cache()
    }

    fn __unnamed(&self) -> Option<(&crate::StatementCache, bool)> {
        self.pooled().client.__unnamed()
    }
}
