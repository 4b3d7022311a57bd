//! What generated blocking code calls. Not a public API.

use super::GenericClient;
use crate::error::Error;
use crate::query::Query;
use postgres::fallible_iterator::FallibleIterator;
use postgres::Row;
use postgres_types::ToSql;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Runs `query` and hands its rows to `consume`. A cached statement the server invalidated is
/// re-prepared and the call retried once, when the client allows it (see `__evict`). The
/// retry lives here, not in `__query`, because the rows borrow the client.
fn with_rows<C, T>(
    client: &mut C,
    query: &'static Query,
    params: Params<'_>,
    consume: impl FnOnce(postgres::RowIter<'_>) -> Result<T, Error>,
) -> Result<T, Error>
where
    C: GenericClient + ?Sized,
{
    let db = |e| Error::from_postgres(Some(query), e);
    // The `let … = match` drops the first result (and its borrow of `client`) at the `;`.
    let stale = match client.__query(query, params) {
        Ok(rows) => return consume(rows),
        Err(e) if crate::cache::is_stale(&e) => e,
        Err(e) => return Err(db(e)),
    };
    if !client.__evict(query) {
        return Err(db(stale));
    }
    consume(client.__query(query, params).map_err(db)?)
}

/// `:one` — exactly one row.
pub fn one<C, T>(
    client: &mut C,
    query: &'static Query,
    params: Params<'_>,
    decode: impl FnOnce(&Row) -> Result<T, Error>,
) -> Result<T, Error>
where
    C: GenericClient + ?Sized,
{
    match opt_row(client, query, params)? {
        Some(row) => decode(&row).map_err(|e| e.in_query(query)),
        None => Err(Error::row_count(query, "expected exactly one row, got none")),
    }
}

/// `:opt` — zero or one row.
pub fn opt<C, T>(
    client: &mut C,
    query: &'static Query,
    params: Params<'_>,
    decode: impl FnOnce(&Row) -> Result<T, Error>,
) -> Result<Option<T>, Error>
where
    C: GenericClient + ?Sized,
{
    match opt_row(client, query, params)? {
        Some(row) => decode(&row).map(Some).map_err(|e| e.in_query(query)),
        None => Ok(None),
    }
}

fn opt_row<C>(client: &mut C, query: &'static Query, params: Params<'_>) -> Result<Option<Row>, Error>
where
    C: GenericClient + ?Sized,
{
    with_rows(client, query, params, |mut rows| {
        let db = |e| Error::from_postgres(Some(query), e);
        let first = rows.next().map_err(db)?;
        if first.is_some() && rows.next().map_err(db)?.is_some() {
            return Err(Error::row_count(query, "expected at most one row, got several"));
        }
        Ok(first)
    })
}

/// `:many` — every row, decoded as it arrives.
pub fn many<C, T>(
    client: &mut C,
    query: &'static Query,
    params: Params<'_>,
    decode: impl Fn(&Row) -> Result<T, Error>,
) -> Result<Vec<T>, Error>
where
    C: GenericClient + ?Sized,
{
    with_rows(client, query, params, |mut rows| {
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| Error::from_postgres(Some(query), e))? {
            out.push(decode(&row).map_err(|e| e.in_query(query))?);
        }
        Ok(out)
    })
}

/// Zero-copy `:many` — runs `visit` on each row as it arrives; returns the row count.
pub fn each<C>(
    client: &mut C,
    query: &'static Query,
    params: Params<'_>,
    mut visit: impl FnMut(&Row) -> Result<(), Error>,
) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
{
    with_rows(client, query, params, |mut rows| {
        let mut count = 0;
        while let Some(row) = rows.next().map_err(|e| Error::from_postgres(Some(query), e))? {
            visit(&row).map_err(|e| e.in_query(query))?;
            count += 1;
        }
        Ok(count)
    })
}

/// `:exec` — the number of rows affected.
pub fn exec<C>(client: &mut C, query: &'static Query, params: Params<'_>) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
{
    with_rows(client, query, params, |mut rows| {
        while rows.next().map_err(|e| Error::from_postgres(Some(query), e))?.is_some() {}
        Ok(rows.rows_affected().unwrap_or(0))
    })
}

/// `:batchexec` / `:batchone` / `:batchmany` — runs `call` for each item in turn (the blocking
/// client cannot pipeline). Stops at the first error, which names the item's index.
pub fn batch<P, T>(
    items: impl IntoIterator<Item = P>,
    mut call: impl FnMut(P) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| call(item).map_err(|e| e.in_batch(i)))
        .collect()
}

/// `:iter` — the rows as an iterator borrowing the client. A cached statement the server
/// invalidated is not retried here (the first error surfaces); the next call re-prepares.
pub fn stream<'c, C, T>(
    client: &'c mut C,
    query: &'static Query,
    params: Params<'_>,
    decode: fn(&Row) -> Result<T, Error>,
) -> Result<super::RowIter<'c, T>, Error>
where
    C: GenericClient + ?Sized,
{
    match client.__query(query, params) {
        Ok(rows) => Ok(super::RowIter { rows, decode, query }),
        Err(e) => Err(Error::from_postgres(Some(query), e)),
    }
}

/// `:copyfrom` — an open binary COPY; write rows, then `finish`.
pub struct CopyIn<'c> {
    writer: postgres::binary_copy::BinaryCopyInWriter<'c>,
    query: &'static Query,
    rows: usize,
}

impl std::fmt::Debug for CopyIn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyIn")
            .field("query", &self.query.name)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

/// `:copyfrom` — starts the binary COPY.
pub fn copy_in<'c, C>(client: &'c mut C, query: &'static Query, copy_sql: &'static str) -> Result<CopyIn<'c>, Error>
where
    C: GenericClient + ?Sized,
{
    let writer = client
        .__copy_in(query, copy_sql)
        .map_err(|e| Error::from_postgres(Some(query), e))?;
    Ok(CopyIn { writer, query, rows: 0 })
}

impl CopyIn<'_> {
    /// Sends one row.
    pub fn write(&mut self, values: Params<'_>) -> Result<(), Error> {
        self.rows += 1;
        let row = self.rows - 1;
        self.writer
            .write(values)
            .map_err(|e| Error::from_postgres(Some(self.query), e).in_batch(row))
    }

    /// Ends the COPY; returns the number of rows loaded.
    pub fn finish(self) -> Result<u64, Error> {
        let query = self.query;
        self.writer.finish().map_err(|e| Error::from_postgres(Some(query), e))
    }
}
