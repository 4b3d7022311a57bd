//! Binary `COPY … FROM STDIN` for `:copyfrom` queries.

use crate::error::Error;
use crate::generic::GenericClient;
use crate::query::Query;
use postgres_types::{ToSql, Type};
use std::pin::Pin;
use tokio_postgres::binary_copy::BinaryCopyInWriter;

/// An open `COPY … FROM STDIN (FORMAT binary)`: write rows, then [`finish`](CopyIn::finish).
/// Dropping it unfinished aborts the COPY (nothing is loaded).
pub struct CopyIn {
    writer: Pin<Box<BinaryCopyInWriter>>,
    query: &'static Query,
    rows: u64,
}

impl CopyIn {
    /// Starts the COPY. The column types are the `INSERT`'s parameter types, from the
    /// connection's statement cache (or one describe), so user-defined types work too.
    pub(crate) async fn start<C>(client: &C, query: &'static Query, copy_sql: &str) -> Result<CopyIn, Error>
    where
        C: GenericClient + ?Sized,
    {
        let db = |e| Error::from_postgres(Some(query), e);
        let types = column_types(client, query).await.map_err(db)?;
        let sink = client.__raw().copy_in(copy_sql).await.map_err(db)?;
        Ok(CopyIn {
            writer: Box::pin(BinaryCopyInWriter::new(sink, &types)),
            query,
            rows: 0,
        })
    }

    /// Sends one row (buffered; flushed in large chunks).
    pub async fn write(&mut self, values: &[&(dyn ToSql + Sync)]) -> Result<(), Error> {
        self.rows += 1;
        let row = self.rows;
        self.writer
            .as_mut()
            .write(values)
            .await
            .map_err(|e| Error::from_postgres(Some(self.query), e).in_batch(row as usize - 1))
    }

    /// Ends the COPY; returns the number of rows loaded.
    pub async fn finish(mut self) -> Result<u64, Error> {
        self.writer
            .as_mut()
            .finish()
            .await
            .map_err(|e| Error::from_postgres(Some(self.query), e))
    }
}

async fn column_types<C>(client: &C, query: &'static Query) -> Result<Vec<Type>, tokio_postgres::Error>
where
    C: GenericClient + ?Sized,
{
    if query.types_known() {
        return Ok(query.param_types());
    }
    let cache = client.__cache();
    if let Some(statement) = cache.and_then(|c| c.get(query)) {
        return Ok(statement.params().to_vec());
    }
    let statement = client.__raw().prepare_typed(query.sql, &query.param_types()).await?;
    if let Some(cache) = cache {
        cache.insert(query, statement.clone());
    }
    Ok(statement.params().to_vec())
}

impl std::fmt::Debug for CopyIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyIn")
            .field("query", &self.query.name)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}
