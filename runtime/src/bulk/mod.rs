//! Bulk statements (`:bulkexec` / `:bulkone` / `:bulkmany`): many parameter sets as one
//! statement over `unnest($1::t1[], $2::t2[], …)`, one array per parameter, in chunks.
//!
//! Each chunk's arrays are encoded straight from the items, one pass, in PostgreSQL's binary
//! array format, with each element encoded exactly as the single-row call would encode that
//! parameter (so enums, composites, domains and ranges need nothing new). A chunk is one
//! statement: outside a transaction it commits on its own (atomic: all its rows or none);
//! inside one, a failure aborts the transaction, so the whole call is all-or-nothing.
//!
//! The next chunk is encoded while the server runs the current one, so the client's encoding
//! and the server's work overlap (on two CPUs, nearly twice the rate of taking turns). A plain
//! `INSERT` (one parameter per column, a table without rules) runs each chunk as a binary COPY,
//! streamed as it is encoded.

mod chunks;

use crate::error::Error;
use crate::generic::GenericClient;
use crate::query::Query;
use crate::rows::Row;
use bytes::BytesMut;
use chunks::{Chunk, Chunks};
use postgres_types::{IsNull, ToSql, Type};

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

/// How a bulk call's parameters are encoded: one encoder per parameter of the single-row
/// statement, and which of them are arrays (sent flattened; see `codegen::bulk`).
#[doc(hidden)]
#[derive(Debug)]
pub struct BulkParams<'e, P> {
    /// Encodes parameter `i` of an item.
    pub encoders: &'e [Encode<P>],
    /// The (0-based) parameters of array types.
    pub flattened: &'e [usize],
}

/// An element encoder's body: the value, type-checked as a single-row call checks it.
#[doc(hidden)]
pub fn encode<T: ToSql>(value: &T, ty: &Type, out: &mut BytesMut) -> Result<IsNull, crate::types::BoxError> {
    value.to_sql_checked(ty, out)
}

/// `:bulkexec` — the rows affected by every chunk's statement.
///
/// With `copy_sql` (a plain `INSERT` of one parameter per column into a table without rules,
/// whose `query` is then the single-row statement), each chunk is a binary `COPY … FROM STDIN`:
/// PostgreSQL inserts COPY's rows in batches, about 1.5× the rate of the rows of an
/// `INSERT … SELECT` (BENCHMARKS.md, "Bulk writes"), with the same effect.
#[doc(hidden)]
pub async fn bulk_exec<C, P>(
    client: &C,
    query: &'static Query,
    copy_sql: Option<&'static str>,
    items: impl IntoIterator<Item = P>,
    params: BulkParams<'_, P>,
    options: &BulkOptions,
) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
{
    crate::__private::traced(query, |n: &u64| *n, async {
        let arrays = copy_sql.is_none();
        let mut chunks = Chunks::start(client, query, items.into_iter(), params, options, arrays).await?;
        let mut affected = 0;
        if let Some(copy_sql) = copy_sql {
            while let Some(loaded) = chunks.copy_next(client, copy_sql).await? {
                affected += loaded;
            }
            return Ok(affected);
        }
        let mut current = chunks.next()?;
        while let Some(chunk) = current {
            let (result, next) = overlapped(run(client, query, &chunk), &mut chunks).await;
            affected += result?.0;
            current = next?;
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
    params: BulkParams<'_, P>,
    options: &BulkOptions,
    decode: impl Fn(&Row) -> Result<T, Error>,
) -> Result<Vec<T>, Error>
where
    C: GenericClient + ?Sized,
{
    let grouped = bulk_many(client, query, positions, items, params, options, decode).await?;
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
    params: BulkParams<'_, P>,
    options: &BulkOptions,
    decode: impl Fn(&Row) -> Result<T, Error>,
) -> Result<Vec<Vec<T>>, Error>
where
    C: GenericClient + ?Sized,
{
    let count = |out: &Vec<Vec<T>>| out.iter().map(|rows| rows.len() as u64).sum();
    crate::__private::traced(query, count, async {
        let mut chunks = Chunks::start(client, query, items.into_iter(), params, options, true).await?;
        let mut out: Vec<Vec<T>> = Vec::new();
        let mut current = chunks.next()?;
        while let Some(chunk) = current {
            let (result, next) = overlapped(run(client, query, &chunk), &mut chunks).await;
            out.resize_with(chunk.first + chunk.len, Vec::new);
            let rows = result?.1;
            if positions == Positions::InOrder && rows.len() != chunk.len {
                let message = format!(
                    "the statement returned {} rows for {} parameter sets",
                    rows.len(),
                    chunk.len
                );
                return Err(Error::row_count(query, &message));
            }
            for (returned, row) in rows.iter().enumerate() {
                let index = match positions {
                    Positions::Ordinal => position(row, chunk.len).map_err(|e| e.in_query(query))?,
                    _ => returned,
                };
                out[chunk.first + index].push(decode(row).map_err(|e| e.in_query(query))?);
            }
            current = next?;
        }
        Ok(out)
    })
    .await
}

/// Runs `current` while the next chunk is encoded: the statement is handed to the connection,
/// the task yields once so the connection can send it, then encodes while the server works.
async fn overlapped<C, P, I, F>(
    current: F,
    chunks: &mut Chunks<'_, C, P, I>,
) -> (F::Output, Result<Option<Chunk>, Error>)
where
    C: GenericClient + ?Sized,
    I: Iterator<Item = P>,
    F: std::future::Future,
{
    let next = async {
        tokio::task::yield_now().await;
        chunks.next()
    };
    futures_util::future::join(current, next).await
}

/// Runs one chunk's statement: the rows affected and the rows returned.
async fn run<C>(client: &C, query: &'static Query, chunk: &Chunk) -> Result<(u64, Vec<Row>), Error>
where
    C: GenericClient + ?Sized,
{
    use futures_util::TryStreamExt;
    let params = chunk.params();
    let rows = client
        .__query(query, &params)
        .await
        .map_err(|e| chunk.failed(query, e))?;
    let mut rows = std::pin::pin!(rows);
    let mut returned = Vec::new();
    while let Some(row) = rows.try_next().await.map_err(|e| chunk.failed(query, e))? {
        returned.push(row);
    }
    Ok((rows.rows_affected().unwrap_or(0), returned))
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
