//! The errors of the build-time connection: the server's (with the fields generation
//! reports) and the connection's own (I/O, deadline, protocol).

use fallible_iterator::FallibleIterator;
use postgres_protocol::message::backend;
use std::fmt;
use std::io;

/// An error from the server, with the fields generation reports.
#[derive(Debug, Clone, Default)]
pub struct DbError {
    severity: String,
    code: String,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
    position: Option<u32>,
}

impl DbError {
    pub(super) fn parse(fields: &mut backend::ErrorFields<'_>) -> io::Result<DbError> {
        let mut error = DbError::default();
        while let Some(field) = fields.next()? {
            let value = String::from_utf8_lossy(field.value_bytes()).into_owned();
            match field.type_() {
                b'S' if error.severity.is_empty() => error.severity = value,
                b'V' => error.severity = value,
                b'C' => error.code = value,
                b'M' => error.message = value,
                b'D' => error.detail = Some(value),
                b'H' => error.hint = Some(value),
                b'P' => error.position = value.parse().ok(),
                _ => {}
            }
        }
        Ok(error)
    }

    /// The SQLSTATE code, e.g. `42P01`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The primary message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The optional detail.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The optional hint.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// 1-based character position in the statement the server was sent, when it gives one.
    pub fn position(&self) -> Option<u32> {
        self.position
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

/// Why a call on the connection failed.
#[derive(Debug)]
pub enum PgError {
    /// The server refused a statement.
    Db(Box<DbError>),
    /// Reading or writing the socket failed.
    Io(io::Error),
    /// The server closed the connection.
    Closed,
    /// The deadline set with [`super::Connection::set_deadline`] passed.
    Timeout,
    /// The server sent something this client does not expect, or asked for an
    /// authentication method it does not offer.
    Protocol(String),
}

impl PgError {
    /// The server's error, when it is one.
    pub fn as_db_error(&self) -> Option<&DbError> {
        match self {
            PgError::Db(e) => Some(e),
            _ => None,
        }
    }

    /// The SQLSTATE code of a server error.
    pub fn code(&self) -> Option<&str> {
        self.as_db_error().map(DbError::code)
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgError::Db(e) => e.fmt(f),
            PgError::Io(e) => e.fmt(f),
            PgError::Closed => f.write_str("the server closed the connection"),
            PgError::Timeout => f.write_str("the server did not answer in time"),
            PgError::Protocol(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for PgError {}

impl From<io::Error> for PgError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => PgError::Timeout,
            _ => PgError::Io(e),
        }
    }
}

pub(super) fn db_error(body: backend::ErrorResponseBody) -> PgError {
    match DbError::parse(&mut body.fields()) {
        Ok(e) => PgError::Db(Box::new(e)),
        Err(e) => PgError::Io(e),
    }
}
