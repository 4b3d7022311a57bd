//! What generated async code calls. Not a public API: names and signatures may change in any
//! release, in step with the generator.

use crate::error::Error;
use crate::generic::GenericClient;
use crate::query::Query;
use futures_util::TryStreamExt;
use postgres_types::{FromSql, ToSql};
use std::pin::pin;
use tokio_postgres::Row;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Reads column `index`, naming the column if it cannot be decoded.
pub fn get<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> Result<T, Error> {
    row.try_get(index)
        .map_err(|e| Error::decode(row.columns()[index].name(), index, e))
}

/// `:one` — exactly one row.
pub async fn one<C, T>(
    client: &C,
    query: &'static Query,
    params: Params<'_>,
    decode: impl Fn(&Row) -> Result<T, Error>,
) -> Result<T, Error>
where
    C: GenericClient + ?Sized,
{
    match opt_row(client, query, params).await? {
        Some(row) => decode(&row).map_err(|e| e.in_query(query)),
        None => Err(Error::row_count(query, "expected exactly one row, got none")),
    }
}

/// `:opt` — zero or one row.
pub async fn opt<C, T>(
    client: &C,
    query: &'static Query,
    params: Params<'_>,
    decode: impl Fn(&Row) -> Result<T, Error>,
) -> Result<Option<T>, Error>
where
    C: GenericClient + ?Sized,
{
    match opt_row(client, query, params).await? {
        Some(row) => decode(&row).map(Some).map_err(|e| e.in_query(query)),
        None => Ok(None),
    }
}

async fn opt_row<C>(client: &C, query: &'static Query, params: Params<'_>) -> Result<Option<Row>, Error>
where
    C: GenericClient + ?Sized,
{
    let db = |e| Error::from_postgres(Some(query), e);
    let mut rows = pin!(client.__query(query, params).await.map_err(db)?);
    let first = rows.try_next().await.map_err(db)?;
    if first.is_some() && rows.try_next().await.map_err(db)?.is_some() {
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
    let db = |e| Error::from_postgres(Some(query), e);
    let mut rows = pin!(client.__query(query, params).await.map_err(db)?);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await.map_err(db)? {
        out.push(decode(&row).map_err(|e| e.in_query(query))?);
    }
    Ok(out)
}

/// `:exec` — the number of rows affected.
pub async fn exec<C>(client: &C, query: &'static Query, params: Params<'_>) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
{
    let db = |e| Error::from_postgres(Some(query), e);
    let mut rows = pin!(client.__query(query, params).await.map_err(db)?);
    while rows.try_next().await.map_err(db)?.is_some() {}
    Ok(rows.rows_affected().unwrap_or(0))
}
