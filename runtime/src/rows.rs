//! The rows of one generated call, whichever driver ran it: tokio-postgres (the
//! [`crate::Client`] family and plain tokio-postgres clients) or quarry's own
//! ([`crate::wire::Connection`]). Generated decoders read both through
//! [`DecodeRow`](crate::__private::DecodeRow).

use crate::error::Error;
use crate::query::Query;
use crate::types::BoxError;
use futures_util::Stream;
use postgres_types::{FromSql, Type};
use std::pin::Pin;
use std::task::{Context, Poll};

/// One result row.
#[derive(Debug)]
pub enum Row {
    /// A row read by tokio-postgres.
    Tokio(tokio_postgres::Row),
    /// A row read by quarry's own driver.
    Wire(crate::wire::Row),
}

impl Row {
    /// The number of columns.
    pub fn len(&self) -> usize {
        match self {
            Row::Tokio(row) => row.len(),
            Row::Wire(row) => row.len(),
        }
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl crate::__private::DecodeRow for Row {
    fn try_get_as<'a, T: FromSql<'a>>(&'a self, index: usize) -> Result<T, BoxError> {
        match self {
            Row::Tokio(row) => Ok(row.try_get(index)?),
            Row::Wire(row) => row.try_get(index),
        }
    }

    fn column_type(&self, index: usize) -> &Type {
        match self {
            Row::Tokio(row) => row.columns()[index].type_(),
            Row::Wire(row) => row.column_type(index),
        }
    }

    fn column_name(&self, index: usize) -> &str {
        match self {
            Row::Tokio(row) => row.columns()[index].name(),
            Row::Wire(row) => row.column_name(index),
        }
    }
}

/// The rows of one call as they stream in; errors name the call's query.
pub enum Rows {
    /// tokio-postgres's stream.
    Tokio {
        /// The rows (boxed: tokio-postgres's stream is not `Unpin`).
        rows: Pin<Box<tokio_postgres::RowStream>>,
        /// The call's query, which errors name.
        query: &'static Query,
    },
    /// quarry's own driver's.
    Wire {
        /// The rows.
        rows: crate::wire::RowStream,
    },
}

impl Rows {
    pub(crate) fn tokio(rows: tokio_postgres::RowStream, query: &'static Query) -> Self {
        Rows::Tokio {
            rows: Box::pin(rows),
            query,
        }
    }

    /// For a statement with `RETURNING` (or any other), the rows it affected, once the stream
    /// has ended.
    pub fn rows_affected(&self) -> Option<u64> {
        match self {
            Rows::Tokio { rows, .. } => rows.rows_affected(),
            Rows::Wire { rows } => rows.rows_affected(),
        }
    }
}

impl Stream for Rows {
    type Item = Result<Row, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.get_mut() {
            Rows::Tokio { rows, query } => rows
                .as_mut()
                .poll_next(cx)
                .map(|next| next.map(|row| row.map(Row::Tokio).map_err(|e| Error::from_postgres(Some(query), e)))),
            Rows::Wire { rows } => Pin::new(rows)
                .poll_next(cx)
                .map(|next| next.map(|row| row.map(Row::Wire))),
        }
    }
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows").finish_non_exhaustive()
    }
}

/// A tokio-postgres call's result as [`Rows`], its error naming `query`.
pub(crate) fn from_tokio(
    result: Result<tokio_postgres::RowStream, tokio_postgres::Error>,
    query: &'static Query,
) -> Result<Rows, Error> {
    result
        .map(|rows| Rows::tokio(rows, query))
        .map_err(|e| Error::from_postgres(Some(query), e))
}
