//! [`Connection`]: one PostgreSQL session driven by quarry itself.

use super::call::{self, CallReceiver};
pub(crate) use super::connect::Tls;
use super::connect::{self, Session};
use super::driver::{Background, Driver, DriverCell};
use super::row::{Column, RowStream};
use super::units::{Label, Request, RowBuf, Shared, Unit};
use crate::cache::{key, Key};
use crate::error::Error;
use crate::execute::StatementMode;
use crate::query::Query;
use crate::ClientOptions;
use bytes::BytesMut;
use lru::LruCache;
use postgres_protocol::message::frontend;
use postgres_types::{ToSql, Type};
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// What a connection knows about one query: the statement's name on the server (empty in
/// [`StatementMode::Unnamed`], where the text is parsed with every call), its parameter types
/// and its columns.
///
/// A named statement is closed on the server when the last holder lets go: the cache (on
/// eviction) and every call whose messages are not yet queued hold it, so the Close is
/// always queued after the last Bind that names it.
#[derive(Debug)]
pub(crate) struct Prepared {
    name: String,
    sql: &'static str,
    params: Vec<Type>,
    param_oids: Vec<u32>,
    pub(crate) columns: Arc<[Column]>,
    closer: Arc<DriverCell>,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if self.name.is_empty() {
            return;
        }
        let mut bytes = BytesMut::new();
        if frontend::close(b'S', &self.name, &mut bytes).is_ok() {
            frontend::sync(&mut bytes);
            // A closed connection has nothing left to close.
            let request = Request {
                bytes,
                units: vec![Unit::Close, Unit::Sync { error: None }],
            };
            let _ = self.closer.send(request, true);
        }
    }
}

/// A PostgreSQL session driven by quarry's own driver, on `postgres-protocol` (messages,
/// SCRAM) and `postgres-types` (values) over tokio: no tokio-postgres underneath. Its reason
/// to exist is **true pipeline mode**: [`quarry::pipeline!`](crate::pipeline) and every
/// `:batch*` function send their calls with one Sync per pipeline (per chunk), where
/// tokio-postgres writes a Sync after every statement — see docs/pipelines.md for the
/// semantics and BENCHMARKS.md (figure 12) for what it buys.
///
/// Every generated function accepts it (it is a [`crate::GenericClient`]); statements are
/// prepared once per connection and cached ([`StatementMode::Prepared`]), or sent unnamed
/// ([`StatementMode::Unnamed`], for PgBouncer in transaction mode). What it does not do yet
/// (COPY, `LISTEN`, cursors, the blocking flavour, pooling) fails with a clear error or is
/// simply absent; use [`crate::Client`] for those.
///
/// Dropping the connection ends the session once the calls already sent are answered.
pub struct Connection {
    pub(super) cell: Arc<DriverCell>,
    pub(super) shared: Arc<Shared>,
    session: Session,
    statements: Mutex<LruCache<Key, Arc<Prepared>>>,
    types: Mutex<HashMap<u32, Type>>,
    mode: StatementMode,
    names: AtomicU64,
}

impl Drop for Connection {
    fn drop(&mut self) {
        // The statements' Closes are queued first, then Terminate once every answer is in.
        self.cache().clear();
        self.cell.finish();
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("process_id", &self.session.process_id)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connects without TLS (for TLS: `connect_tls`, feature `tls`); a spawned tokio task
    /// drives the session whenever no call does.
    /// `config` is a libpq-style string or a `postgres://` URL, as for [`crate::Client`].
    pub async fn connect(config: &str) -> Result<Self, Error> {
        Connection::connect_with(config, ClientOptions::default()).await
    }

    /// [`connect`](Connection::connect) with options (statement mode, cache size, connect
    /// timeout).
    pub async fn connect_with(config: &str, options: ClientOptions) -> Result<Self, Error> {
        Connection::open(config, options, Tls::default()).await
    }

    /// [`connect_with`](Connection::connect_with) over TLS; `sslmode=require` in `config`
    /// refuses an unencrypted session.
    #[cfg(feature = "tls")]
    pub async fn connect_tls(config: &str, tls: &crate::tls::TlsMode, options: ClientOptions) -> Result<Self, Error> {
        let tls = Tls {
            config: Some(Arc::new(tls.client_config())),
        };
        Connection::open(config, options, tls).await
    }

    async fn open(config: &str, options: ClientOptions, tls: Tls) -> Result<Self, Error> {
        Ok(Connection::open_driven(config, options, tls).await?.0)
    }

    /// Connects; also returns the task driving the session, which ends once the connection is
    /// dropped and its Terminate written (the blocking connection waits for it).
    pub(crate) async fn open_driven(
        config: &str,
        options: ClientOptions,
        tls: Tls,
    ) -> Result<(Self, tokio::task::JoinHandle<()>), Error> {
        let parsed: tokio_postgres::Config = config.parse()?;
        let opening = connect::open(&parsed, &tls);
        let opened = match options.connect_timeout {
            Some(limit) => tokio::time::timeout(limit, opening)
                .await
                .map_err(|_| Error::connect_timeout(limit))?,
            None => opening.await,
        }
        .map_err(|e| Error::connection(format!("cannot connect: {e}")))?;

        let shared = Arc::new(Shared::default());
        let cell = DriverCell::new(Driver::new(opened.socket, opened.leftover, shared.clone()));
        let task = tokio::spawn(Background(cell.clone()));
        let capacity = NonZeroUsize::new(options.statement_cache_capacity).unwrap_or(NonZeroUsize::MIN);
        let connection = Connection {
            cell,
            shared,
            session: opened.session,
            statements: Mutex::new(LruCache::new(capacity)),
            types: Mutex::new(HashMap::new()),
            mode: options.mode,
            names: AtomicU64::new(0),
        };
        Ok((connection, task))
    }

    /// How this connection runs generated queries.
    pub fn mode(&self) -> StatementMode {
        self.mode
    }

    /// Whether the session has ended (the server went away, or a protocol error closed it).
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// Whether a transaction is open (the session's status at its last Sync).
    pub fn in_transaction(&self) -> bool {
        matches!(self.shared.status.load(Ordering::Acquire), b'T' | b'E')
    }

    /// The server process serving this session (`pg_backend_pid()`).
    pub fn process_id(&self) -> i32 {
        self.session.process_id
    }

    /// How many statements this connection keeps prepared.
    pub fn cached_statements(&self) -> usize {
        self.cache().len()
    }

    /// A token that cancels the statement running on this session, from anywhere.
    pub fn cancel_token(&self) -> CancelToken {
        CancelToken {
            session: self.session.clone(),
        }
    }

    /// Runs `sql` (one or more statements, no parameters) with the simple protocol.
    pub async fn batch_execute(&self, sql: &str) -> Result<(), Error> {
        self.simple_query(sql).await.map(drop)
    }

    /// Runs `sql` with the simple protocol; the rows of every statement, as text.
    pub async fn simple_query(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>, Error> {
        let mut bytes = BytesMut::new();
        frontend::query(sql, &mut bytes).map_err(|e| Error::io(e.to_string()))?;
        let (reply, answer) = oneshot::channel();
        self.send(Request {
            bytes,
            units: vec![Unit::Simple {
                reply: Some(reply),
                rows: Vec::new(),
                error: None,
            }],
        })?;
        answer.await.map_err(|_| self.lost())?
    }

    /// Starts a transaction (`BEGIN`): [`commit`](Transaction::commit) it; dropped without,
    /// it rolls back. Pipelines inside it run in it.
    pub async fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        self.batch_execute("BEGIN").await?;
        Ok(Transaction {
            connection: self,
            done: false,
        })
    }

    /// Queues a request the background task writes (no call will drive it).
    pub(crate) fn send(&self, request: Request) -> Result<(), Error> {
        self.cell.send(request, true).map_err(|()| self.lost())
    }

    pub(crate) fn lost(&self) -> Error {
        let reason = self
            .shared
            .closed_because
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Error::connection(format!(
            "connection lost: {}",
            reason.unwrap_or_else(|| "the connection ended".into())
        ))
    }

    fn cache(&self) -> MutexGuard<'_, LruCache<Key, Arc<Prepared>>> {
        self.statements.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn known_types(&self) -> MutexGuard<'_, HashMap<u32, Type>> {
        self.types.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `query`'s statement on this connection: from the cache, or described (and, in prepared
    /// mode, prepared by name) in one round trip of its own and cached.
    ///
    /// The round trip is boxed: a call's future (moved into every pipeline's join) then carries
    /// a pointer, not the describing state, on the path every call after the first takes.
    pub(crate) async fn prepared(&self, query: &'static Query) -> Result<Arc<Prepared>, Error> {
        if let Some(prepared) = self.cache().get(&key(query)) {
            tracing::Span::current().record("cache_hit", true);
            return Ok(prepared.clone());
        }
        tracing::Span::current().record("cache_hit", false);
        Box::pin(self.describe(query)).await
    }

    async fn describe(&self, query: &'static Query) -> Result<Arc<Prepared>, Error> {
        let name = match self.mode {
            StatementMode::Prepared => format!("quarry_{}", self.names.fetch_add(1, Ordering::Relaxed)),
            StatementMode::Unnamed => String::new(),
        };
        let mut bytes = BytesMut::new();
        let encoded = frontend::parse(&name, query.sql, query.param_oids.iter().copied(), &mut bytes)
            .and_then(|()| frontend::describe(b'S', &name, &mut bytes));
        encoded.map_err(|e| Error::io(e.to_string()))?;
        frontend::sync(&mut bytes);
        let (reply, described) = oneshot::channel();
        self.send(Request {
            bytes,
            units: vec![
                Unit::Describe {
                    reply: Some(reply),
                    params: Vec::new(),
                },
                Unit::Sync { error: None },
            ],
        })?;
        let description = described
            .await
            .map_err(|_| self.lost())?
            .map_err(|e| e.in_query(query))?;
        let mut params = Vec::with_capacity(description.params.len());
        for &oid in &description.params {
            params.push(self.resolve_type(oid).await.map_err(|e| e.in_query(query))?);
        }
        let mut columns = Vec::with_capacity(description.columns.len());
        for (name, oid) in description.columns {
            let ty = self.resolve_type(oid).await.map_err(|e| e.in_query(query))?;
            columns.push(Column { name, ty });
        }
        let prepared = Arc::new(Prepared {
            name,
            sql: query.sql,
            params,
            param_oids: description.params,
            columns: columns.into(),
            closer: self.cell.clone(),
        });
        let mut cache = self.cache();
        // Two first calls described it at once: the first to finish is kept (the other's
        // statement, used by no call yet, is closed as it drops).
        if let Some(first) = cache.get(&key(query)) {
            return Ok(first.clone());
        }
        // An evicted statement is closed once its last in-flight call has queued its Bind.
        cache.push(key(query), prepared.clone());
        Ok(prepared)
    }

    /// Forgets `query`'s statement (the server invalidated it).
    pub(crate) fn forget(&self, query: &'static Query) {
        self.cache().pop(&key(query));
    }

    /// Runs one call with a Sync of its own. Outside a transaction, a cached statement the
    /// server invalidated is re-prepared once and the call sent again.
    pub(crate) async fn query(&self, query: &'static Query, params: Params<'_>) -> Result<RowStream, Error> {
        let prepared = self.prepared(query).await?;
        let mut rows = self.send_one(query, &prepared, params)?;
        match rows.first_error().await {
            None => Ok(rows),
            Some(error) if is_stale(&error) && self.mode == StatementMode::Prepared => {
                Box::pin(self.retry_stale(query, params, error)).await
            }
            Some(error) => Err(error.in_query(query)),
        }
    }

    /// The server invalidated the cached statement: forgotten, and outside a transaction
    /// prepared again and the call sent again.
    async fn retry_stale(&self, query: &'static Query, params: Params<'_>, error: Error) -> Result<RowStream, Error> {
        tracing::debug!(query = query.name, code = ?error.code(), "cached statement invalidated by the server");
        self.forget(query);
        if self.in_transaction() {
            return Err(error.in_query(query));
        }
        crate::metrics::reprepared(query);
        let prepared = self.prepared(query).await?;
        self.send_one(query, &prepared, params)
    }

    fn send_one(&self, query: &'static Query, prepared: &Prepared, params: Params<'_>) -> Result<RowStream, Error> {
        let mut bytes = BytesMut::with_capacity(CALL_BYTES);
        let (unit, events) = encode_call(&mut bytes, query, prepared, params, 0)?;
        frontend::sync(&mut bytes);
        // `prepared` outlives the send: a Close of its statement is queued after this Bind.
        let request = Request {
            bytes,
            units: vec![unit, Unit::Sync { error: None }],
        };
        // Written by the call itself, which drives the connection while it waits.
        self.cell.send(request, false).map_err(|()| self.lost())?;
        Ok(RowStream::new(
            events,
            prepared.columns.clone(),
            self.cell.clone(),
            query,
        ))
    }
}

/// Room for a typical call's Bind + Execute (+ Sync), so encoding does not grow the buffer.
pub(crate) const CALL_BYTES: usize = 128;

/// Appends one call's messages — `[Parse]` (unnamed mode) + Bind + Execute — to `bytes`; the
/// unit that receives its answer and the channel its rows come through.
pub(crate) fn encode_call(
    bytes: &mut BytesMut,
    query: &'static Query,
    prepared: &Prepared,
    params: Params<'_>,
    call: usize,
) -> Result<(Unit, CallReceiver), Error> {
    if params.len() != prepared.params.len() {
        return Err(Error::io(format!(
            "{} parameters given where the statement has {}",
            params.len(),
            prepared.params.len()
        ))
        .in_query(query));
    }
    let start = bytes.len();
    let result = encode_messages(bytes, prepared, params);
    if let Err(error) = result {
        bytes.truncate(start);
        return Err(error.in_query(query));
    }
    let (sender, events) = call::channel();
    let unit = Unit::Exec {
        events: sender,
        label: Label {
            query: query.name,
            call,
        },
        rows: RowBuf::Empty,
    };
    Ok((unit, events))
}

fn encode_messages(bytes: &mut BytesMut, prepared: &Prepared, params: Params<'_>) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::io(e.to_string());
    if prepared.name.is_empty() {
        // Unnamed: the text is parsed again with every call, with the described types.
        frontend::parse("", prepared.sql, prepared.param_oids.iter().copied(), bytes).map_err(io)?;
    }
    let mut failed_param = 0;
    let bound = frontend::bind(
        "",
        &prepared.name,
        std::iter::once(1),
        params.iter().zip(&prepared.params).enumerate(),
        |(i, (param, ty)), buf| {
            failed_param = i;
            param.to_sql_checked(ty, buf).map(|null| match null {
                postgres_types::IsNull::Yes => postgres_protocol::IsNull::Yes,
                postgres_types::IsNull::No => postgres_protocol::IsNull::No,
            })
        },
        std::iter::once(1),
        bytes,
    );
    match bound {
        Ok(()) => {}
        Err(frontend::BindError::Conversion(cause)) => {
            return Err(Error::io(format!(
                "cannot encode parameter ${}: {cause}",
                failed_param + 1
            )))
        }
        Err(frontend::BindError::Serialization(e)) => return Err(io(e)),
    }
    frontend::execute("", 0, bytes).map_err(io)?;
    Ok(())
}

fn is_stale(error: &Error) -> bool {
    error.server_error().is_some_and(super::ServerError::is_stale_statement)
}

/// Cancels the statement running on a [`Connection`]'s session (a CancelRequest on a new
/// connection, as libpq's `PQcancel`).
#[derive(Debug, Clone)]
pub struct CancelToken {
    session: Session,
}

impl CancelToken {
    /// Sends the cancel request; the statement then fails with SQLSTATE 57014
    /// ([`ErrorKind::QueryCanceled`](crate::ErrorKind::QueryCanceled)).
    pub async fn cancel(&self) -> Result<(), Error> {
        connect::cancel(&self.session)
            .await
            .map_err(|e| Error::connection(format!("cannot send the cancel request: {e}")))
    }
}

/// A transaction on a [`Connection`]: commits with [`commit`](Transaction::commit), rolls
/// back when dropped without it. Generated functions and pipelines accept it.
#[derive(Debug)]
pub struct Transaction<'c> {
    connection: &'c Connection,
    done: bool,
}

impl Transaction<'_> {
    /// Commits. An error at commit (a deferred constraint) is returned, and nothing was kept.
    pub async fn commit(mut self) -> Result<(), Error> {
        self.done = true;
        self.connection.batch_execute("COMMIT").await
    }

    /// Rolls back.
    pub async fn rollback(mut self) -> Result<(), Error> {
        self.done = true;
        self.connection.batch_execute("ROLLBACK").await
    }

    /// The connection the transaction runs on.
    pub fn connection(&self) -> &Connection {
        self.connection
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Queued without waiting: it runs before anything sent on the connection later.
            let mut bytes = BytesMut::new();
            if frontend::query("ROLLBACK", &mut bytes).is_ok() {
                let _ = self.connection.send(Request {
                    bytes,
                    units: vec![Unit::Simple {
                        reply: None,
                        rows: Vec::new(),
                        error: None,
                    }],
                });
            }
        }
    }
}

impl crate::generic::sealed::Sealed for Connection {}

impl crate::GenericClient for Connection {
    async fn __query(&self, query: &'static Query, params: &[&(dyn ToSql + Sync)]) -> Result<crate::Rows, Error> {
        Ok(crate::Rows::Wire {
            rows: self.query(query, params).await?,
        })
    }

    fn __raw(&self) -> Result<&tokio_postgres::Client, Error> {
        Err(unsupported())
    }

    fn __wire(&self) -> Option<&Connection> {
        Some(self)
    }
}

impl crate::generic::sealed::Sealed for Transaction<'_> {}

impl crate::GenericClient for Transaction<'_> {
    async fn __query(&self, query: &'static Query, params: &[&(dyn ToSql + Sync)]) -> Result<crate::Rows, Error> {
        self.connection.__query(query, params).await
    }

    fn __raw(&self) -> Result<&tokio_postgres::Client, Error> {
        Err(unsupported())
    }

    fn __wire(&self) -> Option<&Connection> {
        Some(self.connection)
    }

    fn __in_transaction(&self) -> bool {
        true
    }
}

/// What the calls quarry's driver does not run yet report.
fn unsupported() -> Error {
    Error::io(
        "quarry::wire::Connection does not run COPY, cursors, LISTEN/NOTIFY or `verify` yet: \
         use quarry::Client for those (docs/pipelines.md)"
            .into(),
    )
}
