//! Large results: [`RowStream`] decodes rows one at a time as they arrive, [`Cursor`]
//! fetches them in batches through a server-side cursor (a portal) inside a transaction.

use crate::error::Error;
use crate::query::Query;
use crate::rows::Row;
use crate::transaction::Transaction;
use futures_util::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Decodes one row into the generated row type.
pub(crate) type Decode<T> = fn(&Row) -> Result<T, Error>;

/// The rows of an `:iter` query as a `Stream` of decoded rows: memory stays constant however
/// many rows there are (only what the connection has buffered is held).
#[must_use = "streams do nothing unless polled"]
pub struct RowStream<T> {
    rows: Pin<Box<crate::rows::Rows>>,
    decode: Decode<T>,
    query: &'static Query,
}

impl<T> RowStream<T> {
    pub(crate) fn new(rows: crate::rows::Rows, decode: Decode<T>, query: &'static Query) -> Self {
        RowStream {
            rows: Box::pin(rows),
            decode,
            query,
        }
    }

    /// For a statement with `RETURNING`, the rows it affected, once the stream has ended.
    pub fn rows_affected(&self) -> Option<u64> {
        self.rows.rows_affected()
    }
}

impl<T> Stream for RowStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let query = self.query;
        self.rows.as_mut().poll_next(cx).map(|next| {
            next.map(|row| match row {
                Ok(row) => (self.decode)(&row).map_err(|e| e.in_query(query)),
                Err(e) => Err(e.in_query(query)),
            })
        })
    }
}

impl<T> std::fmt::Debug for RowStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream")
            .field("query", &self.query.name)
            .finish_non_exhaustive()
    }
}

/// A server-side cursor over an `:iter` query's rows, as psycopg's named cursors: each
/// [`next_batch`](Cursor::next_batch) is one round trip for up to `batch_size` rows. It lives
/// inside its transaction (the portal closes with it).
pub struct Cursor<'t, T> {
    transaction: &'t Transaction<'t>,
    portal: tokio_postgres::Portal,
    batch_size: i32,
    decode: Decode<T>,
    query: &'static Query,
    done: bool,
}

impl<'t, T> Cursor<'t, T> {
    pub(crate) fn new(
        transaction: &'t Transaction<'t>,
        portal: tokio_postgres::Portal,
        batch_size: u32,
        decode: Decode<T>,
        query: &'static Query,
    ) -> Self {
        Cursor {
            transaction,
            portal,
            batch_size: i32::try_from(batch_size.max(1)).unwrap_or(i32::MAX),
            decode,
            query,
            done: false,
        }
    }

    /// The next rows, at most `batch_size`; an empty `Vec` once the cursor is exhausted.
    pub async fn next_batch(&mut self) -> Result<Vec<T>, Error> {
        if self.done {
            return Ok(Vec::new());
        }
        let rows = self
            .transaction
            .query_portal(&self.portal, self.batch_size)
            .await
            .map_err(|e| Error::from_postgres(Some(self.query), e))?;
        self.done = rows.len() < self.batch_size as usize;
        rows.into_iter()
            .map(|row| (self.decode)(&Row::Tokio(row)).map_err(|e| e.in_query(self.query)))
            .collect()
    }
}

impl<T> std::fmt::Debug for Cursor<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cursor")
            .field("query", &self.query.name)
            .field("batch_size", &self.batch_size)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
