//! [`Error`]: one opaque error type for everything a generated call can fail with.

use crate::query::Query;
use std::fmt;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A unique or primary-key constraint was violated (SQLSTATE 23505); see [`Error::constraint`].
    UniqueViolation,
    /// A foreign-key constraint was violated (23503).
    ForeignKeyViolation,
    /// A check constraint — or a domain's CHECK — was violated (23514).
    CheckViolation,
    /// `NULL` went into a `NOT NULL` column (23502); see [`Error::column`].
    NotNullViolation,
    /// An exclusion constraint was violated (23P01).
    ExclusionViolation,
    /// A serializable or repeatable-read transaction could not be serialized (40001):
    /// re-run it ([`crate::retry`]).
    SerializationFailure,
    /// The transaction was chosen as a deadlock victim (40P01): re-run it.
    Deadlock,
    /// The statement ran longer than `statement_timeout` (57014, from the timeout), or past a
    /// [`crate::with_timeout`] deadline.
    StatementTimeout,
    /// The statement was canceled on request (57014): a cancel token, or [`crate::cancel_on_drop`].
    QueryCanceled,
    /// Any other error PostgreSQL answered with; see [`Error::code`] and [`Error::as_db_error`].
    Database,
    /// A call of a true pipeline ([`crate::wire::Connection`]) that did not run: an earlier
    /// call of the same pipeline (up to its Sync) failed, so the server skipped this one. The
    /// message names the call that failed first.
    PipelineAborted,
    /// The connection failed, was closed, or the server is shutting down (08xxx, 57P01–57P03).
    Connection,
    /// A `:one` query returned no row, or a `:one`/`:opt` query returned several.
    RowCount,
    /// A value could not be decoded into its Rust type (e.g. an unexpected `NULL`).
    Decode,
    /// No pooled connection became free within the pool's wait timeout.
    PoolTimeout,
    /// The pool could not be built, or is closed.
    Pool,
    /// Anything else tokio-postgres reports, such as a parameter it cannot encode.
    Other,
}

/// The error of every quarry runtime call: it names the query and where it is defined.
pub struct Error {
    kind: ErrorKind,
    query: Option<&'static Query>,
    message: String,
    source: Option<tokio_postgres::Error>,
    /// The server's report, for errors of quarry's own driver ([`crate::wire`]).
    server: Option<Box<crate::wire::ServerError>>,
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The SQLSTATE PostgreSQL reported, for [`ErrorKind::Database`] errors.
    pub fn code(&self) -> Option<&SqlState> {
        match &self.server {
            Some(server) => Some(&server.code),
            None => self.source.as_ref().and_then(|e| e.code()),
        }
    }

    /// PostgreSQL's full error report for errors of a [`crate::wire::Connection`] (for the
    /// tokio-postgres-backed clients, [`Error::as_db_error`]).
    pub fn server_error(&self) -> Option<&crate::wire::ServerError> {
        self.server.as_deref()
    }

    /// PostgreSQL's full error report (message, detail, hint, constraint, position…).
    pub fn as_db_error(&self) -> Option<&tokio_postgres::error::DbError> {
        self.source.as_ref().and_then(|e| e.as_db_error())
    }

    /// The name of the query that failed, if the error came from a generated call.
    pub fn query_name(&self) -> Option<&'static str> {
        self.query.map(|q| q.name)
    }

    /// Whether re-running the work (in a fresh transaction, on a fresh connection) may
    /// succeed: serialization failures, deadlocks, lost connections, pool timeouts.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::SerializationFailure | ErrorKind::Deadlock | ErrorKind::Connection | ErrorKind::PoolTimeout
        )
    }

    /// The SQLSTATE as its five characters, e.g. `"23505"`.
    pub fn sqlstate(&self) -> Option<&str> {
        self.code().map(SqlState::code)
    }

    /// The constraint that was violated, for constraint-violation errors.
    pub fn constraint(&self) -> Option<&str> {
        match &self.server {
            Some(server) => server.constraint.as_deref(),
            None => self.as_db_error().and_then(|db| db.constraint()),
        }
    }

    /// The table the error concerns, when PostgreSQL names it.
    pub fn table(&self) -> Option<&str> {
        match &self.server {
            Some(server) => server.table.as_deref(),
            None => self.as_db_error().and_then(|db| db.table()),
        }
    }

    /// The column the error concerns, when PostgreSQL names it.
    pub fn column(&self) -> Option<&str> {
        match &self.server {
            Some(server) => server.column.as_deref(),
            None => self.as_db_error().and_then(|db| db.column()),
        }
    }

    /// PostgreSQL's detail line (e.g. `Key (email)=(a@b.c) already exists.`).
    pub fn detail(&self) -> Option<&str> {
        match &self.server {
            Some(server) => server.detail.as_deref(),
            None => self.as_db_error().and_then(|db| db.detail()),
        }
    }

    /// PostgreSQL's hint, if it gave one.
    pub fn hint(&self) -> Option<&str> {
        match &self.server {
            Some(server) => server.hint.as_deref(),
            None => self.as_db_error().and_then(|db| db.hint()),
        }
    }

    /// The 1-based character position in the SQL the error points at, if any.
    pub fn position(&self) -> Option<u32> {
        if let Some(server) = &self.server {
            return server.position;
        }
        match self.as_db_error()?.position()? {
            tokio_postgres::error::ErrorPosition::Original(p) => Some(*p),
            tokio_postgres::error::ErrorPosition::Internal { position, .. } => Some(*position),
        }
    }

    pub(crate) fn from_postgres(query: Option<&'static Query>, error: tokio_postgres::Error) -> Self {
        let io = std::error::Error::source(&error).is_some_and(|s| s.is::<std::io::Error>());
        let kind = if let Some(db) = error.as_db_error() {
            classify(db.code(), db.message())
        } else if error.is_closed() || io || error.to_string().starts_with("error performing TLS handshake") {
            ErrorKind::Connection
        } else {
            ErrorKind::Other
        };
        let message = match error.as_db_error() {
            Some(db) if crate::cache::type_recreated(&error) => format!(
                "{}: {} (SQLSTATE {}): a type this query uses was dropped and re-created since the connection learned it (a migration?); a pooled connection is replaced when returned",
                db.severity(),
                db.message(),
                db.code().code()
            ),
            Some(db) if crate::cache::lookup_statement_lost(&error) => format!(
                "{}: {} (SQLSTATE {}): a prepared statement was deallocated behind the client's back (DISCARD ALL or DEALLOCATE ALL; behind a transaction-mode pooler use StatementMode::Unnamed); a pooled connection is replaced when returned",
                db.severity(),
                db.message(),
                db.code().code()
            ),
            Some(db) => format!("{}: {} (SQLSTATE {})", db.severity(), db.message(), db.code().code()),
            None => error.to_string(),
        };
        Error {
            kind,
            query,
            message,
            source: Some(error),
            server: None,
        }
    }

    /// An error the server reported to quarry's own driver.
    pub(crate) fn server(query: Option<&'static Query>, error: crate::wire::ServerError) -> Self {
        Error {
            kind: classify(&error.code, &error.message),
            query,
            message: format!("{}: {} (SQLSTATE {})", error.severity, error.message, error.code.code()),
            source: None,
            server: Some(Box::new(error)),
        }
    }

    /// The connection of quarry's own driver failed or closed.
    pub(crate) fn connection(message: String) -> Self {
        Error {
            kind: ErrorKind::Connection,
            query: None,
            message,
            source: None,
            server: None,
        }
    }

    /// A call the server skipped because `failed` (an earlier call of its pipeline) failed.
    pub(crate) fn pipeline_aborted(failed: &str) -> Self {
        Error {
            kind: ErrorKind::PipelineAborted,
            query: None,
            message: format!("pipeline aborted: {failed} failed earlier in the same pipeline, so the server skipped this call up to the pipeline's Sync"),
            source: None,
            server: None,
        }
    }

    /// A call that succeeded, undone because `failed`, a later call of the same pipeline
    /// outside a transaction, failed: the implicit transaction up to the Sync rolled back.
    pub(crate) fn pipeline_rolled_back(failed: &str) -> Self {
        Error {
            kind: ErrorKind::PipelineAborted,
            query: None,
            message: format!("pipeline aborted: this call ran, but {failed} failed later in the same pipeline, so the implicit transaction up to the pipeline's Sync rolled it back"),
            source: None,
            server: None,
        }
    }

    pub(crate) fn pool_timeout(wait: Option<std::time::Duration>) -> Self {
        let waited = wait.map_or_else(String::new, |w| format!(" within {w:?}"));
        Error {
            kind: ErrorKind::PoolTimeout,
            query: None,
            message: format!("no pooled connection became free{waited}; raise `max_size` or `wait_timeout`, or hold connections for less time"),
            source: None,
            server: None,
        }
    }

    pub(crate) fn timeout(deadline: std::time::Duration) -> Self {
        Error {
            kind: ErrorKind::StatementTimeout,
            query: None,
            message: format!("the call did not finish within {deadline:?}; its query was canceled on the server"),
            source: None,
            server: None,
        }
    }

    pub(crate) fn connect_timeout(deadline: std::time::Duration) -> Self {
        Error {
            kind: ErrorKind::Connection,
            query: None,
            message: format!(
                "no PostgreSQL session within {deadline:?}: the server did not answer (ClientOptions::connect_timeout)"
            ),
            source: None,
            server: None,
        }
    }

    pub(crate) fn io(message: String) -> Self {
        Error {
            kind: ErrorKind::Other,
            query: None,
            message,
            source: None,
            server: None,
        }
    }

    pub(crate) fn pool(message: String) -> Self {
        Error {
            kind: ErrorKind::Pool,
            query: None,
            message,
            source: None,
            server: None,
        }
    }

    pub(crate) fn row_count(query: &'static Query, message: &str) -> Self {
        Error {
            kind: ErrorKind::RowCount,
            query: Some(query),
            message: message.into(),
            source: None,
            server: None,
        }
    }

    pub(crate) fn decode(column: &str, ty: &Type, index: usize, error: crate::types::BoxError) -> Self {
        let cause = std::error::Error::source(&*error).map_or_else(|| error.to_string(), ToString::to_string);
        Error {
            source: error.downcast::<tokio_postgres::Error>().ok().map(|e| *e),
            ..Error::decode_message(column, ty, index, cause)
        }
    }

    /// A NULL element in an array column typed with non-null elements.
    pub(crate) fn null_element(column: &str, ty: &Type, index: usize) -> Self {
        Error::decode_message(
            column,
            ty,
            index,
            "the array holds a NULL element, which its Rust type cannot hold. quarry assumed this \
             array's elements non-null (PostgreSQL cannot declare them NOT NULL): set \
             `nullable_array_elements = true` in quarry.toml (`.nullable_array_elements(true)` in \
             build.rs) to read such elements as `Option`, override this column as `Vec<Option<T>>`, \
             or rule NULL elements out in the query (`array_remove(c, NULL)`) or the table \
             (`CHECK (array_position(c, NULL) IS NULL)`)"
                .into(),
        )
    }

    pub(crate) fn decode_message(column: &str, ty: &Type, index: usize, cause: String) -> Self {
        let hint = match ty.name() {
            _ if cause.contains("too many dimensions") => {
                "; a multi-dimensional array needs the override `quarry::types::Array<T>`"
            }
            "timestamp" | "timestamptz" | "date" if cause.contains("too large") => {
                "; the value is probably ±infinity, which needs the override `quarry::types::Timestamp<T>` (or `Date<T>`)"
            }
            _ => "",
        };
        Error {
            kind: ErrorKind::Decode,
            query: None,
            message: format!(
                "cannot decode column `{column}` (#{index}, {}): {cause}{hint}",
                ty.name()
            ),
            source: None,
            server: None,
        }
    }

    /// Notes which chunk of a bulk call failed: its number and the items it held. Outside a
    /// transaction the chunks before it are committed; inside one, the transaction is aborted.
    /// `row` is the failing item, where PostgreSQL says which (a COPY's line).
    pub(crate) fn in_chunk(mut self, number: usize, first: usize, len: usize, row: Option<usize>) -> Self {
        let row = row.map_or_else(String::new, |row| format!(", failing at item {row}"));
        self.message = format!(
            "{} (bulk chunk {number}: items {first}..{}{row}; the {first} items before it ran)",
            self.message,
            first + len
        );
        self
    }

    /// A parameter value that cannot be encoded as its type.
    pub(crate) fn encode(query: &'static Query, param: usize, item: usize, cause: crate::types::BoxError) -> Self {
        Error {
            kind: ErrorKind::Other,
            query: Some(query),
            message: format!("cannot encode parameter ${} of item {item}: {cause}", param + 1),
            source: None,
            server: None,
        }
    }

    /// Notes which parameter set of a batch failed.
    pub(crate) fn in_batch(mut self, index: usize) -> Self {
        self.message = format!("{} (batch item {index})", self.message);
        self
    }

    /// Attaches the query to an error raised while decoding its rows.
    pub(crate) fn in_query(mut self, query: &'static Query) -> Self {
        self.query.get_or_insert(query);
        self
    }
}

/// The kind of a database error, from its SQLSTATE.
fn classify(code: &SqlState, message: &str) -> ErrorKind {
    match *code {
        SqlState::UNIQUE_VIOLATION => ErrorKind::UniqueViolation,
        SqlState::FOREIGN_KEY_VIOLATION => ErrorKind::ForeignKeyViolation,
        SqlState::CHECK_VIOLATION => ErrorKind::CheckViolation,
        SqlState::NOT_NULL_VIOLATION => ErrorKind::NotNullViolation,
        SqlState::EXCLUSION_VIOLATION => ErrorKind::ExclusionViolation,
        SqlState::T_R_SERIALIZATION_FAILURE => ErrorKind::SerializationFailure,
        SqlState::T_R_DEADLOCK_DETECTED => ErrorKind::Deadlock,
        SqlState::QUERY_CANCELED if message.contains("statement timeout") => ErrorKind::StatementTimeout,
        SqlState::QUERY_CANCELED => ErrorKind::QueryCanceled,
        SqlState::ADMIN_SHUTDOWN | SqlState::CRASH_SHUTDOWN | SqlState::CANNOT_CONNECT_NOW => ErrorKind::Connection,
        _ if code.code().starts_with("08") => ErrorKind::Connection,
        _ => ErrorKind::Database,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.query {
            Some(q) => write!(f, "query `{}` ({}): {}", q.name, q.source, self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("query", &self.query.map(|q| q.name))
            .field("message", &self.message)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(error: tokio_postgres::Error) -> Self {
        Error::from_postgres(None, error)
    }
}
