//! Bulk statements (`:bulkexec` / `:bulkone` / `:bulkmany`): many parameter sets as one
//! statement over `unnest($1::t1[], $2::t2[], …)`, one array per parameter, in chunks.
//!
//! Each chunk's arrays are encoded straight from the items, one pass, in PostgreSQL's binary
//! array format, with each element encoded exactly as the single-row call would encode that
//! parameter (so enums, composites, domains and ranges need nothing new). A chunk is one
//! statement: outside a transaction it commits on its own (atomic: all its rows or none);
//! inside one, a failure aborts the transaction, so the whole call is all-or-nothing.

use crate::error::Error;
use crate::generic::GenericClient;
use crate::query::Query;
use bytes::{BufMut, BytesMut};
use futures_util::TryStreamExt;
use postgres_types::{IsNull, Kind, ToSql, Type};
use std::pin::pin;
use tokio_postgres::Row;

/// How a bulk call splits its parameter sets into statements.
///
/// A chunk ends at `max_rows` rows, or after the row that brings its encoded parameters to
/// `max_bytes` or more. Larger chunks send fewer statements; smaller ones hold less memory and
/// lose less work when a row fails outside a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkOptions {
    /// Parameter sets per statement (at least 1).
    pub max_rows: usize,
    /// Encoded parameter bytes per statement, about (PostgreSQL refuses messages over 1 GiB).
    pub max_bytes: usize,
}

impl BulkOptions {
    /// 5 000 rows or 8 MiB per statement: past about a thousand rows a larger chunk gains
    /// little (BENCHMARKS.md), and a chunk stays far below PostgreSQL's 1 GiB message limit.
    pub const DEFAULT: BulkOptions = BulkOptions {
        max_rows: 5_000,
        max_bytes: 8 << 20,
    };
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions::DEFAULT
    }
}

/// How the rows a bulk statement returns map to its parameter sets.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Positions {
    /// It returns no rows.
    None,
    /// One row per parameter set, in order (`INSERT … SELECT … ORDER BY … RETURNING`).
    InOrder,
    /// The last column is the parameter set's 1-based position (`UPDATE`/`DELETE … RETURNING`).
    Ordinal,
}

/// Encodes one parameter of one item as an array element of type `ty`.
#[doc(hidden)]
pub type Encode<P> = fn(&P, &Type, &mut BytesMut) -> Result<IsNull, crate::types::BoxError>;

/// An element encoder's body: the value, type-checked as a single-row call checks it.
#[doc(hidden)]
pub fn encode<T: ToSql>(value: &T, ty: &Type, out: &mut BytesMut) -> Result<IsNull, crate::types::BoxError> {
    value.to_sql_checked(ty, out)
}

/// `:bulkexec` — the rows affected by every chunk's statement.
#[doc(hidden)]
pub async fn bulk_exec<C, P>(
    client: &C,
    query: &'static Query,
    _positions: Positions,
    items: impl IntoIterator<Item = P>,
    encoders: &[Encode<P>],
    options: &BulkOptions,
) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
{
    crate::__private::traced(query, |n: &u64| *n, async {
        let mut chunks = Chunks::start(client, query, items.into_iter(), encoders, options).await?;
        let mut affected = 0;
        while let Some(chunk) = chunks.next()? {
            let mut rows = pin!(chunks.send(&chunk).await?);
            while rows.try_next().await.map_err(|e| chunk.failed(query, e))?.is_some() {}
            affected += rows.rows_affected().unwrap_or(0);
        }
        Ok(affected)
    })
    .await
}

/// `:bulkone` — each parameter set's one row, in order; a set without a row (an `UPDATE` whose
/// key matched nothing) or with several is an error naming it.
#[doc(hidden)]
pub async fn bulk_one<C, P, T>(
    client: &C,
    query: &'static Query,
    positions: Positions,
    items: impl IntoIterator<Item = P>,
    encoders: &[Encode<P>],
    options: &BulkOptions,
    decode: impl Fn(&Row) -> Result<T, Error>,
) -> Result<Vec<T>, Error>
where
    C: GenericClient + ?Sized,
{
    let grouped = bulk_many(client, query, positions, items, encoders, options, decode).await?;
    let mut out = Vec::with_capacity(grouped.len());
    for (index, mut rows) in grouped.into_iter().enumerate() {
        match (rows.pop(), rows.is_empty()) {
            (Some(row), true) => out.push(row),
            (None, _) => return Err(Error::row_count(query, "expected exactly one row, got none").in_batch(index)),
            (Some(_), false) => {
                return Err(Error::row_count(query, "expected exactly one row, got several").in_batch(index))
            }
        }
    }
    Ok(out)
}

/// `:bulkmany` — the rows of each parameter set, in order.
#[doc(hidden)]
pub async fn bulk_many<C, P, T>(
    client: &C,
    query: &'static Query,
    positions: Positions,
    items: impl IntoIterator<Item = P>,
    encoders: &[Encode<P>],
    options: &BulkOptions,
    decode: impl Fn(&Row) -> Result<T, Error>,
) -> Result<Vec<Vec<T>>, Error>
where
    C: GenericClient + ?Sized,
{
    let count = |out: &Vec<Vec<T>>| out.iter().map(|rows| rows.len() as u64).sum();
    crate::__private::traced(query, count, async {
        let mut chunks = Chunks::start(client, query, items.into_iter(), encoders, options).await?;
        let mut out: Vec<Vec<T>> = Vec::new();
        while let Some(chunk) = chunks.next()? {
            out.resize_with(chunk.first + chunk.len, Vec::new);
            let mut rows = pin!(chunks.send(&chunk).await?);
            let mut returned = 0;
            while let Some(row) = rows.try_next().await.map_err(|e| chunk.failed(query, e))? {
                let index = match positions {
                    Positions::Ordinal => position(&row, chunk.len).map_err(|e| e.in_query(query))?,
                    _ => returned,
                };
                returned += 1;
                if index >= chunk.len {
                    return Err(Error::row_count(
                        query,
                        "the statement returned more rows than it was given",
                    ));
                }
                out[chunk.first + index].push(decode(&row).map_err(|e| e.in_query(query))?);
            }
            if positions == Positions::InOrder && returned != chunk.len {
                let message = format!(
                    "the statement returned {returned} rows for {} parameter sets",
                    chunk.len
                );
                return Err(Error::row_count(query, &message));
            }
        }
        Ok(out)
    })
    .await
}

/// The 0-based input position in the last column of `row`.
fn position(row: &Row, len: usize) -> Result<usize, Error> {
    let last = row.len() - 1;
    let ordinal: i32 = crate::__private::get(row, last)?;
    usize::try_from(ordinal - 1)
        .ok()
        .filter(|&i| i < len)
        .ok_or_else(|| Error::io(format!("bulk statement returned input position {ordinal} of {len}")))
}

/// The chunks of one bulk call: the items, encoded a chunk at a time.
struct Chunks<'c, C: ?Sized, P, I: Iterator<Item = P>> {
    client: &'c C,
    query: &'static Query,
    items: std::iter::Peekable<I>,
    encoders: &'c [Encode<P>],
    options: BulkOptions,
    /// Each parameter's element type, as the server has the array parameter.
    elements: Vec<Type>,
    sent: usize,
    number: usize,
}

/// One chunk: its position among the items and its encoded arrays.
struct Chunk {
    number: usize,
    first: usize,
    len: usize,
    arrays: Vec<Array>,
}

impl Chunk {
    /// The database's error for this chunk, saying which items it held.
    fn failed(&self, query: &'static Query, error: tokio_postgres::Error) -> Error {
        Error::from_postgres(Some(query), error).in_chunk(self.number, self.first, self.len)
    }
}

impl<'c, C, P, I> Chunks<'c, C, P, I>
where
    C: GenericClient + ?Sized,
    I: Iterator<Item = P>,
{
    async fn start(
        client: &'c C,
        query: &'static Query,
        items: I,
        encoders: &'c [Encode<P>],
        options: &BulkOptions,
    ) -> Result<Self, Error> {
        let mut items = items.peekable();
        // No items, no statement: not even the describe below.
        let elements = if items.peek().is_none() {
            Vec::new()
        } else {
            let types = crate::copy::param_types(client, query)
                .await
                .map_err(|e| Error::from_postgres(Some(query), e))?;
            types
                .iter()
                .map(|ty| match ty.kind() {
                    Kind::Array(element) => Ok(element.clone()),
                    _ => Err(Error::io(format!(
                        "bulk parameter of type {} is not an array",
                        ty.name()
                    ))),
                })
                .collect::<Result<_, _>>()
                .map_err(|e| e.in_query(query))?
        };
        Ok(Chunks {
            client,
            query,
            items,
            encoders,
            options: BulkOptions {
                max_rows: options.max_rows.max(1),
                ..*options
            },
            elements,
            sent: 0,
            number: 0,
        })
    }

    /// Encodes the next chunk (`None` once every item is sent).
    fn next(&mut self) -> Result<Option<Chunk>, Error> {
        let mut arrays: Vec<Array> = self.elements.iter().map(Array::new).collect();
        let mut len = 0;
        let mut bytes = 0;
        while len < self.options.max_rows && bytes < self.options.max_bytes {
            let Some(item) = self.items.next() else { break };
            for (i, (array, encode)) in arrays.iter_mut().zip(self.encoders).enumerate() {
                bytes += array
                    .push(&item, *encode, &self.elements[i])
                    .map_err(|e| Error::encode(self.query, i, self.sent + len, e))?;
            }
            len += 1;
        }
        if len == 0 {
            return Ok(None);
        }
        let chunk = Chunk {
            number: self.number,
            first: self.sent,
            len,
            arrays,
        };
        self.sent += len;
        self.number += 1;
        Ok(Some(chunk))
    }

    /// Runs the chunk's statement; its rows stream in.
    async fn send(&self, chunk: &Chunk) -> Result<tokio_postgres::RowStream, Error> {
        let params: Vec<&(dyn ToSql + Sync)> = chunk.arrays.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        self.client
            .__query(self.query, &params)
            .await
            .map_err(|e| chunk.failed(self.query, e))
    }
}

/// One parameter's values for a chunk, as a one-dimensional binary array: elements appended as
/// items are encoded, header written when sent.
#[derive(Debug)]
struct Array {
    element: u32,
    len: i32,
    has_null: bool,
    body: BytesMut,
}

impl Array {
    fn new(element: &Type) -> Self {
        Array {
            element: element.oid(),
            len: 0,
            has_null: false,
            body: BytesMut::new(),
        }
    }

    /// Appends `item`'s value; returns the bytes it took.
    fn push<P>(&mut self, item: &P, encode: Encode<P>, element: &Type) -> Result<usize, crate::types::BoxError> {
        let start = self.body.len();
        self.body.put_i32(0);
        match encode(item, element, &mut self.body)? {
            IsNull::Yes => {
                self.body.truncate(start);
                self.body.put_i32(-1);
                self.has_null = true;
            }
            IsNull::No => {
                let written = i32::try_from(self.body.len() - start - 4).map_err(|_| "value over 2 GiB")?;
                self.body[start..start + 4].copy_from_slice(&written.to_be_bytes());
            }
        }
        self.len += 1;
        Ok(self.body.len() - start)
    }
}

impl ToSql for Array {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, crate::types::BoxError> {
        out.reserve(20 + self.body.len());
        out.put_i32(1); // dimensions
        out.put_i32(i32::from(self.has_null));
        out.put_u32(self.element);
        out.put_i32(self.len);
        out.put_i32(1); // lower bound
        out.extend_from_slice(&self.body);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), Kind::Array(_))
    }

    postgres_types::to_sql_checked!();
}
