//! What generated async code calls. Not a public API: names and signatures may change in any
//! release, in step with the generator.

pub use crate::bulk::{bulk_exec, bulk_many, bulk_one, encode, BulkParams, Encode, Positions};
pub use crate::dynamic::{Dynamic, Piece, Segment, Sort};
use crate::error::Error;
use crate::generic::GenericClient;
use crate::query::Query;
pub use crate::rows::Row;
pub use crate::wire::{in_slot, Piped, PipelineScope};
use futures_util::TryStreamExt;
use postgres_types::FromSql;
pub use postgres_types::ToSql;
use std::pin::pin;
use tracing::Instrument;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Runs one generated call inside a `quarry.query` span (DEBUG level) carrying the query's
/// name and `file:line`, then the rows it returned or affected, the statement-cache outcome
/// (recorded by the client) and the elapsed time; failures log the error at DEBUG. With the
/// `metrics` feature, the elapsed time also goes to `quarry_query_duration_seconds`.
pub(crate) async fn traced<T>(
    query: &'static Query,
    rows: impl FnOnce(&T) -> u64,
    work: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let span = tracing::debug_span!(
        "quarry.query",
        query = query.name,
        source = query.source,
        rows = tracing::field::Empty,
        cache_hit = tracing::field::Empty,
        elapsed_us = tracing::field::Empty,
    );
    // The clock is read only when someone takes the time: a span subscriber or the metrics.
    let timed = cfg!(feature = "metrics") || !span.is_disabled();
    let started = timed.then(std::time::Instant::now);
    let result = work.instrument(span.clone()).await;
    if let Some(started) = started {
        let elapsed = started.elapsed();
        span.record("elapsed_us", elapsed.as_micros() as u64);
        crate::metrics::query_finished(query, elapsed, result.is_ok());
    }
    match &result {
        Ok(value) => {
            span.record("rows", rows(value));
        }
        Err(error) => span.in_scope(|| tracing::debug!(%error, kind = ?error.kind(), "query failed")),
    }
    result
}

/// A row generated decoders read: a query's `Row`, or a binary COPY OUT row.
pub trait DecodeRow {
    /// Decodes column `index` as `T`, checking that `T` accepts the column's type.
    fn try_get_as<'a, T: FromSql<'a>>(&'a self, index: usize) -> Result<T, crate::types::BoxError>;
    /// The column's type.
    fn column_type(&self, index: usize) -> &postgres_types::Type;
    /// The column's name, for errors.
    fn column_name(&self, index: usize) -> &str;
}

impl DecodeRow for tokio_postgres::Row {
    fn try_get_as<'a, T: FromSql<'a>>(&'a self, index: usize) -> Result<T, crate::types::BoxError> {
        Ok(self.try_get(index)?)
    }

    fn column_type(&self, index: usize) -> &postgres_types::Type {
        self.columns()[index].type_()
    }

    fn column_name(&self, index: usize) -> &str {
        self.columns()[index].name()
    }
}

/// Reads column `index`, naming the column if it cannot be decoded.
///
/// When `T` does not accept the column's type as reported (an array of a domain, say), the
/// value is decoded against the type with domains unwrapped, which has the same wire format.
pub fn get<'a, R: DecodeRow, T: FromSql<'a>>(row: &'a R, index: usize) -> Result<T, Error> {
    let ty = row.column_type(index);
    let error = |e: crate::types::BoxError| {
        // A non-null array that fails on a NULL: one of its elements is NULL.
        let null_element = matches!(ty.kind(), postgres_types::Kind::Array(_))
            && (e.is::<postgres_types::WasNull>()
                || std::error::Error::source(&*e).is_some_and(|s| s.is::<postgres_types::WasNull>()))
            && row.try_get_as::<RawValue<'_>>(index).is_ok_and(|raw| raw.0.is_some());
        match null_element {
            true => Error::null_element(row.column_name(index), ty, index),
            false => Error::decode(row.column_name(index), ty, index, e),
        }
    };
    if T::accepts(ty) {
        return row.try_get_as(index).map_err(error);
    }
    let raw: RawValue<'a> = row.try_get_as(index).map_err(error)?;
    crate::types::decode_value::<T>(ty, raw.0)
        .map_err(|e| Error::decode_message(row.column_name(index), ty, index, e.to_string()))
}

/// Reads column `index`, a `json` or `jsonb` value whose shape the generator knows, as `T`
/// (docs/nested.md); SQL `NULL` is `T`'s null.
pub fn get_json<R: DecodeRow, T: crate::types::FromJson>(row: &R, index: usize) -> Result<T, Error> {
    let ty = row.column_type(index);
    let fail = |message: String| Error::decode_message(row.column_name(index), ty, index, message);
    let raw: RawValue<'_> = row
        .try_get_as(index)
        .map_err(|e| Error::decode(row.column_name(index), ty, index, e))?;
    let Some(bytes) = raw.0 else {
        return T::from_null().map_err(|e| fail(e.to_string()));
    };
    // jsonb's binary form is a version byte (1) and the text.
    let text = match (ty.name(), bytes.split_first()) {
        ("jsonb", Some((1, text))) => text,
        ("jsonb", _) => return Err(fail("unknown jsonb format version".into())),
        _ => bytes,
    };
    let text = std::str::from_utf8(text).map_err(|e| fail(e.to_string()))?;
    let json: &serde_json::value::RawValue = serde_json::from_str(text).map_err(|e| fail(e.to_string()))?;
    crate::types::json_shape_decode(json).map_err(|e| fail(e.to_string()))
}

/// Whether every column in `columns` is NULL: the row of an outer-joined `sqlc.embed` table
/// that had no match, decoded as `None`.
pub fn all_null<R: DecodeRow>(row: &R, columns: std::ops::Range<usize>) -> Result<bool, Error> {
    for index in columns {
        let raw: RawValue<'_> = row
            .try_get_as(index)
            .map_err(|e| Error::decode(row.column_name(index), row.column_type(index), index, e))?;
        if raw.0.is_some() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The type check of a `query!` interpolation: the expression's reference must coerce to `&T`.
pub fn inline_param<T: ?Sized>(value: &T) -> &T {
    value
}

/// A parameter whose type the server reports as a domain over a type without a fixed OID
/// (e.g. a domain over `citext`): encoded as the domain's base type.
#[derive(Debug)]
pub struct AsBase<'a, T>(pub &'a T);

impl<T: ToSql> ToSql for AsBase<'_, T> {
    fn to_sql(
        &self,
        ty: &postgres_types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres_types::IsNull, crate::types::BoxError> {
        self.0.to_sql(&crate::types::base_type(ty), out)
    }

    fn accepts(ty: &postgres_types::Type) -> bool {
        T::accepts(&crate::types::base_type(ty))
    }

    postgres_types::to_sql_checked!();
}

/// A column's bytes, undecoded (`None` for NULL).
struct RawValue<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for RawValue<'a> {
    fn from_sql(_: &postgres_types::Type, raw: &'a [u8]) -> Result<Self, crate::types::BoxError> {
        Ok(RawValue(Some(raw)))
    }

    fn from_sql_null(_: &postgres_types::Type) -> Result<Self, crate::types::BoxError> {
        Ok(RawValue(None))
    }

    fn accepts(_: &postgres_types::Type) -> bool {
        true
    }
}

/// `:one` — exactly one row.
pub async fn one<C, T>(
    client: &C,
    query: &'static Query,
    params: Params<'_>,
    decode: impl FnOnce(&Row) -> Result<T, Error>,
) -> Result<T, Error>
where
    C: GenericClient + ?Sized,
{
    traced(query, |_| 1, async {
        match opt_row(client, query, params).await? {
            Some(row) => decode(&row).map_err(|e| e.in_query(query)),
            None => Err(Error::row_count(query, "expected exactly one row, got none")),
        }
    })
    .await
}

/// `:opt` — zero or one row.
pub async fn opt<C, T>(
    client: &C,
    query: &'static Query,
    params: Params<'_>,
    decode: impl FnOnce(&Row) -> Result<T, Error>,
) -> Result<Option<T>, Error>
where
    C: GenericClient + ?Sized,
{
    traced(query, |r: &Option<T>| u64::from(r.is_some()), async {
        match opt_row(client, query, params).await? {
            Some(row) => decode(&row).map(Some).map_err(|e| e.in_query(query)),
            None => Ok(None),
        }
    })
    .await
}

async fn opt_row<C>(client: &C, query: &'static Query, params: Params<'_>) -> Result<Option<Row>, Error>
where
    C: GenericClient + ?Sized,
{
    let mut rows = pin!(client.__query(query, params).await?);
    let first = rows.try_next().await?;
    if first.is_some() && rows.try_next().await?.is_some() {
        return Err(Error::row_count(query, "expected at most one row, got several"));
    }
    Ok(first)
}

/// `:many` — every row, decoded as it streams in (no intermediate `Vec<Row>`).
pub async fn many<C, T>(
    client: &C,
    query: &'static Query,
    params: Params<'_>,
    decode: impl Fn(&Row) -> Result<T, Error>,
) -> Result<Vec<T>, Error>
where
    C: GenericClient + ?Sized,
{
    traced(query, |r: &Vec<T>| r.len() as u64, async {
        let mut rows = pin!(client.__query(query, params).await?);
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push(decode(&row).map_err(|e| e.in_query(query))?);
        }
        Ok(out)
    })
    .await
}

/// Zero-copy `:many` — runs `visit` on each row as it streams in; returns the row count.
pub async fn each<C>(
    client: &C,
    query: &'static Query,
    params: Params<'_>,
    mut visit: impl FnMut(&Row) -> Result<(), Error>,
) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
{
    traced(query, |n: &u64| *n, async {
        let mut rows = pin!(client.__query(query, params).await?);
        let mut count = 0;
        while let Some(row) = rows.try_next().await? {
            visit(&row).map_err(|e| e.in_query(query))?;
            count += 1;
        }
        Ok(count)
    })
    .await
}

/// `:iter` — the rows as a stream.
pub async fn stream<C, T>(
    client: &C,
    query: &'static Query,
    params: Params<'_>,
    decode: fn(&Row) -> Result<T, Error>,
) -> Result<crate::RowStream<T>, Error>
where
    C: GenericClient + ?Sized,
{
    let rows = client.__query(query, params).await?;
    Ok(crate::RowStream::new(rows, decode, query))
}

/// `:iter`'s `_cursor` — binds a portal inside `transaction`.
pub async fn cursor<'t, T>(
    transaction: &'t crate::Transaction<'_>,
    query: &'static Query,
    params: Params<'_>,
    batch_size: u32,
    decode: fn(&Row) -> Result<T, Error>,
) -> Result<crate::Cursor<'t, T>, Error> {
    let portal = transaction
        .portal(query, params)
        .await
        .map_err(|e| Error::from_postgres(Some(query), e))?;
    Ok(crate::Cursor::new(transaction, portal, batch_size, decode, query))
}

/// `:copyfrom` — starts the binary COPY.
pub async fn copy_in<'c, C>(
    client: &'c C,
    query: &'static Query,
    copy_sql: &'static str,
) -> Result<crate::CopyIn<'c>, Error>
where
    C: GenericClient + ?Sized,
{
    crate::CopyIn::start(client, query, copy_sql).await
}

/// `:copyfrom` with `ON CONFLICT` — starts the binary COPY into the staging table;
/// `statements` create it, then move its rows into the table and drop it.
pub async fn copy_upsert<'c, C>(
    client: &'c C,
    query: &'static Query,
    copy_sql: &'static str,
    statements: [&'static str; 2],
) -> Result<crate::CopyIn<'c>, Error>
where
    C: GenericClient + ?Sized,
{
    crate::CopyIn::start_upsert(client, query, copy_sql, statements).await
}

/// `:iter`'s `_copy_out` — the query's rows through binary `COPY (…) TO STDOUT`.
pub async fn copy_out<C, T>(
    client: &C,
    query: &'static Query,
    decode: fn(&crate::copy::CopyRow<'_>) -> Result<T, Error>,
) -> Result<crate::CopyOutStream<T>, Error>
where
    C: GenericClient + ?Sized,
{
    crate::CopyOutStream::start(client, query, decode).await
}

/// `:exec` — the number of rows affected.
pub async fn exec<C>(client: &C, query: &'static Query, params: Params<'_>) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
{
    traced(query, |n: &u64| *n, async {
        let mut rows = pin!(client.__query(query, params).await?);
        while rows.try_next().await?.is_some() {}
        Ok(rows.rows_affected().unwrap_or(0))
    })
    .await
}

/// How many calls of a batch are pipelined at once: enough to fill the connection's buffers,
/// few enough that memory stays flat for any number of parameter sets.
pub const BATCH_CHUNK: usize = 1024;

/// `:batchexec` / `:batchone` / `:batchmany` — runs `call` for each item through `pipeline`
/// (the function's client, seen as a pipeline): the first alone (so its statement is prepared
/// once, not once per pipelined call), then the rest [`BATCH_CHUNK`] at a time. Stops at the
/// first error, which names the item's index.
///
/// On a [`crate::wire::Connection`] each chunk is one true pipeline (one Sync): outside a
/// transaction a chunk is atomic — an error rolls back the chunk's other calls, the chunks
/// before it stay committed. On the tokio-postgres clients each call has its own Sync: the
/// calls before the failing one in its chunk have run (docs/pipelines.md).
pub async fn batch<C, P, T, F, Fut>(
    pipeline: &Piped<'_, C>,
    items: impl IntoIterator<Item = P>,
    call: F,
) -> Result<Vec<T>, Error>
where
    C: GenericClient + ?Sized,
    F: FnMut(P) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let span = tracing::debug_span!("quarry.batch", items = tracing::field::Empty, chunk = BATCH_CHUNK);
    let result = batch_inner(pipeline, items, call).instrument(span.clone()).await;
    if let Ok(out) = &result {
        span.record("items", out.len());
    }
    result
}

async fn batch_inner<C, P, T, F, Fut>(
    pipeline: &Piped<'_, C>,
    items: impl IntoIterator<Item = P>,
    mut call: F,
) -> Result<Vec<T>, Error>
where
    C: GenericClient + ?Sized,
    F: FnMut(P) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let mut items = items.into_iter();
    let mut out = Vec::with_capacity(items.size_hint().0);
    let Some(first) = items.next() else {
        return Ok(out);
    };
    out.push(call(first).await.map_err(|e| e.in_batch(0))?);
    loop {
        let chunk: Vec<P> = items.by_ref().take(BATCH_CHUNK).collect();
        if chunk.is_empty() {
            return Ok(out);
        }
        if pipeline.pipelines() {
            // Before the calls' first poll, which claims their slots in order.
            pipeline.scope().begin(chunk.len());
        }
        let base = out.len();
        let results = join_in_order(chunk, &mut call).await;
        // The call that failed, rather than the calls its failure aborted or rolled back.
        let failed = results
            .iter()
            .position(|r| r.as_ref().is_err_and(|e| e.kind() != crate::ErrorKind::PipelineAborted))
            .or_else(|| results.iter().position(Result::is_err));
        if let Some(index) = failed {
            let error = results.into_iter().nth(index).and_then(Result::err);
            return Err(error.map_or_else(|| Error::io("batch failed".into()), |e| e.in_batch(base + index)));
        }
        out.extend(results.into_iter().map_while(Result::ok));
    }
}

/// Calls joined in groups small enough for `join_all`'s polling of a whole group on each
/// wake-up (in order), the groups joined together: one allocation per group rather than a task
/// per call, and calls first polled in the order they were created.
async fn join_in_order<P, T, F, Fut>(params: Vec<P>, call: &mut F) -> Vec<Result<T, Error>>
where
    F: FnMut(P) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    const GROUP: usize = 30;
    let mut params = params.into_iter();
    let mut groups = Vec::new();
    while params.len() > 0 {
        groups.push(futures_util::future::join_all(
            params.by_ref().take(GROUP).map(&mut *call),
        ));
    }
    futures_util::future::join_all(groups)
        .await
        .into_iter()
        .flatten()
        .collect()
}

pub use futures_util::join;
