//! [`Error`]: one opaque error type for everything a generated call can fail with.

use crate::query::Query;
use std::fmt;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// PostgreSQL answered with an error; see [`Error::code`] and [`Error::as_db_error`].
    Database,
    /// The connection failed or was closed.
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
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The SQLSTATE PostgreSQL reported, for [`ErrorKind::Database`] errors.
    pub fn code(&self) -> Option<&SqlState> {
        self.source.as_ref().and_then(|e| e.code())
    }

    /// PostgreSQL's full error report (message, detail, hint, constraint, position…).
    pub fn as_db_error(&self) -> Option<&tokio_postgres::error::DbError> {
        self.source.as_ref().and_then(|e| e.as_db_error())
    }

    /// The name of the query that failed, if the error came from a generated call.
    pub fn query_name(&self) -> Option<&'static str> {
        self.query.map(|q| q.name)
    }

    pub(crate) fn from_postgres(query: Option<&'static Query>, error: tokio_postgres::Error) -> Self {
        let io = std::error::Error::source(&error).is_some_and(|s| s.is::<std::io::Error>());
        let kind = if error.as_db_error().is_some() {
            ErrorKind::Database
        } else if error.is_closed() || io {
            ErrorKind::Connection
        } else {
            ErrorKind::Other
        };
        let message = match error.as_db_error() {
            Some(db) => format!("{}: {} (SQLSTATE {})", db.severity(), db.message(), db.code().code()),
            None => error.to_string(),
        };
        Error {
            kind,
            query,
            message,
            source: Some(error),
        }
    }

    pub(crate) fn pool_timeout(wait: Option<std::time::Duration>) -> Self {
        let waited = wait.map_or_else(String::new, |w| format!(" within {w:?}"));
        Error {
            kind: ErrorKind::PoolTimeout,
            query: None,
            message: format!("no pooled connection became free{waited}; raise `max_size` or `wait_timeout`, or hold connections for less time"),
            source: None,
        }
    }

    pub(crate) fn io(message: String) -> Self {
        Error {
            kind: ErrorKind::Other,
            query: None,
            message,
            source: None,
        }
    }

    pub(crate) fn pool(message: String) -> Self {
        Error {
            kind: ErrorKind::Pool,
            query: None,
            message,
            source: None,
        }
    }

    pub(crate) fn row_count(query: &'static Query, message: &str) -> Self {
        Error {
            kind: ErrorKind::RowCount,
            query: Some(query),
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn decode(column: &str, ty: &Type, index: usize, error: tokio_postgres::Error) -> Self {
        let cause = std::error::Error::source(&error).map_or_else(|| error.to_string(), ToString::to_string);
        Error {
            source: Some(error),
            ..Error::decode_message(column, ty, index, cause)
        }
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
