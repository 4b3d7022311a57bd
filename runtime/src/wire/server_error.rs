//! [`ServerError`]: PostgreSQL's error report as quarry's own driver reads it.

use fallible_iterator::FallibleIterator;
use postgres_protocol::message::backend::ErrorFields;
use std::fmt;
use tokio_postgres::error::SqlState;

/// An `ErrorResponse` from the server, field by field (the protocol's field codes in
/// parentheses). What [`crate::Error`]'s accessors read for errors of a [`crate::wire::Connection`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// `ERROR`, `FATAL`, `PANIC` (V).
    pub severity: String,
    /// The SQLSTATE (C).
    pub code: SqlState,
    /// The primary message (M).
    pub message: String,
    /// The detail line (D).
    pub detail: Option<String>,
    /// The hint (H).
    pub hint: Option<String>,
    /// 1-based character position in the statement (P), or in an internal query (p).
    pub position: Option<u32>,
    /// The call stack context (W).
    pub where_: Option<String>,
    /// The schema (s).
    pub schema: Option<String>,
    /// The table (t).
    pub table: Option<String>,
    /// The column (c).
    pub column: Option<String>,
    /// The data type (d).
    pub datatype: Option<String>,
    /// The constraint (n).
    pub constraint: Option<String>,
}

impl ServerError {
    /// Reads an `ErrorResponse` (or `NoticeResponse`) body's fields.
    pub(crate) fn parse(mut fields: ErrorFields<'_>) -> std::io::Result<Self> {
        let mut error = ServerError {
            severity: String::new(),
            code: SqlState::INTERNAL_ERROR,
            message: String::new(),
            detail: None,
            hint: None,
            position: None,
            where_: None,
            schema: None,
            table: None,
            column: None,
            datatype: None,
            constraint: None,
        };
        let mut localized = None;
        while let Some(field) = fields.next()? {
            let value = String::from_utf8_lossy(field.value_bytes()).into_owned();
            match field.type_() {
                b'V' => error.severity = value,
                b'S' => localized = Some(value),
                b'C' => error.code = SqlState::from_code(&value),
                b'M' => error.message = value,
                b'D' => error.detail = Some(value),
                b'H' => error.hint = Some(value),
                b'P' | b'p' => error.position = error.position.or(value.parse().ok()),
                b'W' => error.where_ = Some(value),
                b's' => error.schema = Some(value),
                b't' => error.table = Some(value),
                b'c' => error.column = Some(value),
                b'd' => error.datatype = Some(value),
                b'n' => error.constraint = Some(value),
                _ => {}
            }
        }
        if error.severity.is_empty() {
            error.severity = localized.unwrap_or_else(|| "ERROR".into());
        }
        Ok(error)
    }

    /// Whether a cached statement went stale on the server (schema change, `DISCARD ALL`):
    /// re-preparing it and running the call again is safe outside a transaction.
    pub(crate) fn is_stale_statement(&self) -> bool {
        crate::cache::statement_invalidated(&self.code, &self.message)
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.message)
    }
}

impl std::error::Error for ServerError {}
