//! Rows as quarry's driver reads them: [`Row`] borrows its values from the message it came in,
//! [`RowStream`] hands them over as they arrive.

use super::call::CallReceiver;
use super::driver::DriverCell;
use super::units::{Event, RowBuf};
use crate::error::Error;
use crate::query::Query;
use crate::types::BoxError;
use fallible_iterator::FallibleIterator;
use futures_util::{Stream, StreamExt};
use postgres_protocol::message::backend::DataRowBody;
use postgres_types::{FromSql, Type};
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// A result column: its name and type.
#[derive(Debug, Clone)]
pub struct Column {
    pub(crate) name: String,
    pub(crate) ty: Type,
}

impl Column {
    /// The column's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The column's type.
    pub fn type_(&self) -> &Type {
        &self.ty
    }
}

/// One row of a result.
#[derive(Debug)]
pub struct Row {
    columns: Arc<[Column]>,
    body: DataRowBody,
    ranges: Ranges,
}

/// Where each column's value lies in the message: inline for rows of up to
/// [`INLINE_COLUMNS`] columns (no allocation per row), on the heap beyond.
#[derive(Debug)]
enum Ranges {
    /// `(start, end)`, with `start == NULL` for SQL `NULL` (a row is far shorter than 4 GiB).
    Inline([(u32, u32); INLINE_COLUMNS], usize),
    Heap(Vec<Option<(u32, u32)>>),
}

/// Up to this many columns a row's value positions live in the row itself (64 bytes).
const INLINE_COLUMNS: usize = 8;
const NULL: u32 = u32::MAX;

impl Ranges {
    fn get(&self, index: usize) -> Option<(u32, u32)> {
        match self {
            Ranges::Inline(ranges, _) => Some(ranges[index]).filter(|(start, _)| *start != NULL),
            Ranges::Heap(ranges) => ranges[index],
        }
    }

    fn len(&self) -> usize {
        match self {
            Ranges::Inline(_, len) => *len,
            Ranges::Heap(ranges) => ranges.len(),
        }
    }
}

impl Row {
    pub(crate) fn new(columns: Arc<[Column]>, body: DataRowBody) -> Result<Self, Error> {
        let malformed = |e: std::io::Error| Error::connection(format!("malformed row from the server: {e}"));
        let mut found = body
            .ranges()
            .map(|r| Ok(r.map(|r: Range<usize>| (r.start as u32, r.end as u32))));
        let ranges = if columns.len() <= INLINE_COLUMNS {
            let mut inline = [(NULL, NULL); INLINE_COLUMNS];
            let mut len = 0;
            while let Some(range) = found.next().map_err(malformed)? {
                if len == INLINE_COLUMNS {
                    len += 1;
                    break;
                }
                inline[len] = range.unwrap_or((NULL, NULL));
                len += 1;
            }
            Ranges::Inline(inline, len)
        } else {
            Ranges::Heap(found.collect().map_err(malformed)?)
        };
        if ranges.len() != columns.len() {
            return Err(Error::io(format!(
                "the server sent {} columns where the statement has {} (was the table altered?)",
                ranges.len(),
                columns.len()
            )));
        }
        Ok(Row { columns, body, ranges })
    }

    /// The row's columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Column `index` as `T`.
    pub fn try_get<'a, T: FromSql<'a>>(&'a self, index: usize) -> Result<T, BoxError> {
        let Some(column) = self.columns.get(index) else {
            return Err(format!("no column {index} (the row has {})", self.columns.len()).into());
        };
        if !T::accepts(&column.ty) {
            return Err(format!(
                "cannot convert between the Rust type `{}` and the Postgres type `{}`",
                std::any::type_name::<T>(),
                column.ty
            )
            .into());
        }
        let raw = self
            .ranges
            .get(index)
            .map(|(start, end)| &self.body.buffer()[start as usize..end as usize]);
        T::from_sql_nullable(&column.ty, raw)
    }

    pub(crate) fn column_type(&self, index: usize) -> &Type {
        &self.columns[index].ty
    }

    pub(crate) fn column_name(&self, index: usize) -> &str {
        &self.columns[index].name
    }
}

/// One call's rows as they stream in. It ends once the call's Sync is answered, so an error
/// at the implicit commit (a deferred constraint), or a later call of the same pipeline that
/// rolled this one back, is this call's error too.
#[must_use = "streams do nothing unless polled"]
pub struct RowStream {
    events: CallReceiver,
    columns: Arc<[Column]>,
    /// The connection, which this call drives while it waits.
    driver: Arc<DriverCell>,
    /// Whether the call has stopped driving (its last event came).
    released: bool,
    query: &'static Query,
    rows: RowBuf,
    peeked: Option<Event>,
    affected: Option<u64>,
    failed: bool,
}

impl RowStream {
    pub(crate) fn new(
        events: CallReceiver,
        columns: Arc<[Column]>,
        driver: Arc<DriverCell>,
        query: &'static Query,
    ) -> Self {
        RowStream {
            events,
            columns,
            driver,
            released: false,
            query,
            rows: RowBuf::Empty,
            peeked: None,
            affected: None,
            failed: false,
        }
    }

    /// Waits for the first event, so a failure before any row (a stale statement) can be
    /// retried before the stream is handed out.
    pub(crate) async fn first_error(&mut self) -> Option<Error> {
        match std::future::poll_fn(|cx| self.next_event(cx)).await {
            Some(Event::Failed(error)) => Some(error),
            Some(event) => {
                self.peeked = Some(event);
                None
            }
            None => None,
        }
    }

    /// The rows affected, once the stream has ended.
    pub fn rows_affected(&self) -> Option<u64> {
        self.affected
    }

    /// The next event: the call drives the connection first (the answer then comes straight
    /// from the socket to this task), then reads its channel.
    fn next_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        if let Some(event) = self.peeked.take() {
            return Poll::Ready(Some(event));
        }
        self.events.forget_waker();
        self.driver.drive(cx);
        let event = ready!(self.events.poll_next_unpin(cx));
        if !matches!(event, Some(Event::Rows(_))) {
            self.release();
        }
        Poll::Ready(event)
    }

    /// Stops driving: the background task takes over whatever work is left.
    fn release(&mut self) {
        if !self.released {
            self.released = true;
            self.driver.hand_back();
        }
    }

    fn fail(&mut self, error: Error) -> Poll<Option<Result<Row, Error>>> {
        self.failed = true;
        Poll::Ready(Some(Err(error.in_query(self.query))))
    }
}

impl Stream for RowStream {
    type Item = Result<Row, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(body) = self.rows.pop_front() {
                return match Row::new(self.columns.clone(), body) {
                    Ok(row) => Poll::Ready(Some(Ok(row))),
                    Err(error) => self.fail(error),
                };
            }
            if self.failed || self.affected.is_some() {
                return Poll::Ready(None);
            }
            match ready!(self.next_event(cx)) {
                Some(Event::Rows(rows)) => self.rows = rows,
                Some(Event::Finished { rows, affected }) => {
                    self.rows = rows;
                    self.affected = Some(affected);
                }
                Some(Event::Failed(error)) => return self.fail(error),
                None => return self.fail(Error::connection("connection lost before the call finished".into())),
            }
        }
    }
}

impl Drop for RowStream {
    fn drop(&mut self) {
        self.release();
    }
}

impl std::fmt::Debug for RowStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream")
            .field("query", &self.query.name)
            .finish_non_exhaustive()
    }
}
