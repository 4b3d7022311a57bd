//! COPY: binary `COPY … FROM STDIN` for `:copyfrom` queries, binary `COPY (…) TO STDOUT` for
//! `:iter` queries without parameters, and raw helpers for any format (CSV, text).

use crate::error::Error;
use crate::execute::cached_or_prepared;
use crate::generic::GenericClient;
use crate::query::Query;
use crate::unnamed::OwnTransaction;
use postgres_types::{ToSql, Type};
use std::pin::Pin;
use tokio_postgres::binary_copy::BinaryCopyInWriter;

/// An open `COPY … FROM STDIN (FORMAT binary)`: write rows, then [`finish`](CopyIn::finish).
/// Dropping it unfinished aborts the COPY (nothing is loaded).
///
/// In [`crate::StatementMode::Unnamed`] outside a transaction, the COPY runs inside one that
/// quarry opens and commits at `finish`: tokio-postgres prepares every COPY by name, and the
/// transaction keeps that statement on one server connection behind PgBouncer.
pub struct CopyIn<'c> {
    // Declared first, so dropped first: an unfinished COPY is aborted before the rollback.
    writer: Pin<Box<BinaryCopyInWriter>>,
    transaction: OwnTransaction<'c>,
    query: &'static Query,
    rows: u64,
    /// With `ON CONFLICT`: the connection, and the simple query that moves the staged rows
    /// into the table and drops the staging table.
    upsert: Option<(&'c tokio_postgres::Client, &'static str)>,
}

impl<'c> CopyIn<'c> {
    /// Starts the COPY. The column types are the `INSERT`'s parameter types, from the
    /// connection's statement cache (or one describe), so user-defined types work too.
    pub(crate) async fn start<C>(client: &'c C, query: &'static Query, copy_sql: &str) -> Result<CopyIn<'c>, Error>
    where
        C: GenericClient + ?Sized,
    {
        Self::open(client, query, copy_sql, None).await
    }

    /// Starts a COPY with upsert: in a transaction (the caller's, or one of its own that
    /// `finish` commits), `create` makes the temporary staging table the COPY loads, and
    /// `finish` runs `finish_sql` (the `INSERT … ON CONFLICT` from it, then its `DROP`).
    pub(crate) async fn start_upsert<C>(
        client: &'c C,
        query: &'static Query,
        copy_sql: &str,
        [create, finish_sql]: [&'static str; 2],
    ) -> Result<CopyIn<'c>, Error>
    where
        C: GenericClient + ?Sized,
    {
        Self::open(client, query, copy_sql, Some((create, finish_sql))).await
    }

    /// The COPY, after `upsert`'s staging table is created. The types are learned first: in
    /// the unnamed mode a describe runs in a short transaction of its own. Then the transaction
    /// the COPY needs: an upsert always has one; a plain COPY only in the unnamed mode.
    async fn open<C>(
        client: &'c C,
        query: &'static Query,
        copy_sql: &str,
        upsert: Option<(&'static str, &'static str)>,
    ) -> Result<CopyIn<'c>, Error>
    where
        C: GenericClient + ?Sized,
    {
        let db = |e| Error::from_postgres(Some(query), e);
        let types = param_types(client, query).await.map_err(|e| e.in_query(query))?;
        let mut transaction = match upsert {
            Some(_) => OwnTransaction::begin(client.__raw()?, !client.__in_transaction())
                .await
                .map_err(db)?,
            None => own_transaction(client).await.map_err(|e| e.in_query(query))?,
        };
        let raw = client.__raw()?;
        let started = async {
            if let Some((create, _)) = upsert {
                raw.batch_execute(create).await?;
            }
            raw.copy_in(copy_sql).await
        };
        let sink = transaction.or_rollback(started.await).await.map_err(db)?;
        Ok(CopyIn {
            writer: Box::pin(BinaryCopyInWriter::new(sink, &types)),
            transaction,
            query,
            rows: 0,
            upsert: upsert.map(|(_, finish_sql)| (raw, finish_sql)),
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

    /// Ends the COPY; returns the number of rows loaded (with upsert: the rows the `INSERT`
    /// inserted or updated).
    pub async fn finish(mut self) -> Result<u64, Error> {
        let db = |e| Error::from_postgres(Some(self.query), e);
        let mut transaction = std::mem::replace(&mut self.transaction, OwnTransaction::none());
        let mut loaded = self.writer.as_mut().finish().await;
        if let (Ok(_), Some((raw, statements))) = (&loaded, self.upsert) {
            loaded = raw.simple_query(statements).await.map(|m| first_count(&m));
        }
        let loaded = transaction.or_rollback(loaded).await.map_err(db)?;
        transaction.commit().await.map_err(db)?;
        Ok(loaded)
    }
}

/// The row count of the first statement of a simple query.
fn first_count(messages: &[tokio_postgres::SimpleQueryMessage]) -> u64 {
    messages
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .unwrap_or(0)
}

/// The transaction COPY needs in unnamed mode outside a transaction (see [`CopyIn`]).
pub(crate) async fn own_transaction<C>(client: &C) -> Result<OwnTransaction<'_>, Error>
where
    C: GenericClient + ?Sized,
{
    let needed = client.__unnamed().is_some_and(|(_, in_transaction)| !in_transaction);
    Ok(OwnTransaction::begin(client.__raw()?, needed).await?)
}

/// `query`'s parameter types as the server has them: fixed, else described once per connection.
pub(crate) async fn param_types<C>(client: &C, query: &'static Query) -> Result<Vec<Type>, Error>
where
    C: GenericClient + ?Sized,
{
    if query.types_known() {
        return Ok(query.param_types());
    }
    if let Some((cache, in_transaction)) = client.__unnamed() {
        let described = cache.unnamed.describe(client.__raw()?, in_transaction, query).await?;
        return Ok(described.params.clone());
    }
    let statement = cached_or_prepared(client.__raw()?, client.__cache(), query).await?;
    Ok(statement.params().to_vec())
}

impl std::fmt::Debug for CopyIn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyIn")
            .field("query", &self.query.name)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

/// One row of a binary COPY OUT (or, in unnamed mode, of the query itself), with its column
/// types (for generated decoders).
pub struct CopyRow<'a> {
    row: RowRef<'a>,
    columns: &'a [(String, Type)],
}

impl std::fmt::Debug for CopyRow<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyRow")
            .field("columns", &self.columns)
            .finish_non_exhaustive()
    }
}

enum RowRef<'a> {
    Copy(&'a tokio_postgres::binary_copy::BinaryCopyOutRow),
    Query(&'a tokio_postgres::Row),
}

impl crate::__private::DecodeRow for CopyRow<'_> {
    fn try_get_as<'a, T: postgres_types::FromSql<'a>>(&'a self, index: usize) -> Result<T, crate::types::BoxError> {
        match self.row {
            RowRef::Copy(row) => Ok(row.try_get(index)?),
            RowRef::Query(row) => Ok(row.try_get(index)?),
        }
    }

    fn column_type(&self, index: usize) -> &Type {
        &self.columns[index].1
    }

    fn column_name(&self, index: usize) -> &str {
        &self.columns[index].0
    }
}

/// The rows of an `:iter` query read with binary `COPY (…) TO STDOUT` (its `_copy_out`
/// function), decoded one at a time as they arrive.
///
/// In [`crate::StatementMode::Unnamed`] the rows come from the query itself, unnamed, instead:
/// tokio-postgres prepares every COPY by name, which a transaction-mode pooler cannot keep,
/// and a stream the caller reads at leisure cannot hold a transaction open around it. The
/// rows and their decoding are the same; only the wire format differs.
#[must_use = "streams do nothing unless polled"]
pub struct CopyOutStream<T> {
    rows: Rows,
    columns: Vec<(String, Type)>,
    decode: fn(&CopyRow<'_>) -> Result<T, Error>,
    query: &'static Query,
}

enum Rows {
    Copy(Pin<Box<tokio_postgres::binary_copy::BinaryCopyOutStream>>),
    Query(Pin<Box<tokio_postgres::RowStream>>),
}

impl<T> CopyOutStream<T> {
    pub(crate) async fn start<C>(
        client: &C,
        query: &'static Query,
        decode: fn(&CopyRow<'_>) -> Result<T, Error>,
    ) -> Result<Self, Error>
    where
        C: GenericClient + ?Sized,
    {
        let db = |e| Error::from_postgres(Some(query), e);
        let raw = client.__raw()?;
        if let Some((cache, in_transaction)) = client.__unnamed() {
            let described = cache.unnamed.describe(raw, in_transaction, query).await.map_err(db)?;
            let rows = crate::execute::unnamed(raw, Some((cache, in_transaction)), query, &[])
                .await
                .map_err(db)?;
            return Ok(CopyOutStream {
                rows: Rows::Query(Box::pin(rows)),
                columns: described.columns.clone(),
                decode,
                query,
            });
        }
        let columns = select_columns(client, query).await.map_err(|e| e.in_query(query))?;
        let types: Vec<Type> = columns.iter().map(|(_, t)| t.clone()).collect();
        let copy = format!("COPY ({}) TO STDOUT (FORMAT binary)", query.sql);
        let stream = raw.copy_out(copy.as_str()).await.map_err(db)?;
        Ok(CopyOutStream {
            rows: Rows::Copy(Box::pin(tokio_postgres::binary_copy::BinaryCopyOutStream::new(
                stream, &types,
            ))),
            columns,
            decode,
            query,
        })
    }
}

/// The SELECT's result columns, from its description. It stays in the cache, so repeated
/// exports (and the query's own `:iter` calls) describe it once per connection.
async fn select_columns<C>(client: &C, query: &'static Query) -> Result<Vec<(String, Type)>, Error>
where
    C: GenericClient + ?Sized,
{
    let statement = cached_or_prepared(client.__raw()?, client.__cache(), query).await?;
    Ok(statement
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.type_().clone()))
        .collect())
}

impl<T> futures_util::Stream for CopyOutStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
        let query = self.query;
        let this = &mut *self;
        let (decode, columns) = (this.decode, &this.columns);
        let decoded = |row: RowRef<'_>| decode(&CopyRow { row, columns }).map_err(|e| e.in_query(query));
        let failed = |e| Err(Error::from_postgres(Some(query), e));
        match &mut this.rows {
            Rows::Copy(rows) => rows.as_mut().poll_next(cx).map(|next| {
                next.map(|row| match row {
                    Ok(row) => decoded(RowRef::Copy(&row)),
                    Err(e) => failed(e),
                })
            }),
            Rows::Query(rows) => rows.as_mut().poll_next(cx).map(|next| {
                next.map(|row| match row {
                    Ok(row) => decoded(RowRef::Query(&row)),
                    Err(e) => failed(e),
                })
            }),
        }
    }
}

impl<T> std::fmt::Debug for CopyOutStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyOutStream")
            .field("query", &self.query.name)
            .finish_non_exhaustive()
    }
}

/// Raw `COPY … FROM STDIN` in any format (text, CSV, binary): streams `reader` to the server;
/// returns the rows loaded. `sql` is the whole COPY statement, e.g.
/// `COPY tasks (title) FROM STDIN (FORMAT csv, HEADER)`.
pub async fn copy_in_raw<C, R>(client: &C, sql: &str, mut reader: R) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
    R: tokio::io::AsyncRead + Unpin,
{
    use futures_util::SinkExt;
    use tokio::io::AsyncReadExt;
    let transaction = own_transaction(client).await?;
    let sink = client.__raw()?.copy_in::<_, bytes::Bytes>(sql).await?;
    futures_util::pin_mut!(sink);
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = reader
            .read(&mut buffer)
            .await
            .map_err(|e| Error::io(format!("reading the COPY input failed: {e}")))?;
        if n == 0 {
            break;
        }
        sink.send(bytes::Bytes::copy_from_slice(&buffer[..n])).await?;
    }
    let loaded = sink.finish().await?;
    transaction.commit().await?;
    Ok(loaded)
}

/// Raw `COPY … TO STDOUT` in any format: streams the server's output into `writer`; returns
/// the bytes written. `sql` is the whole COPY statement, e.g.
/// `COPY (SELECT * FROM tasks) TO STDOUT (FORMAT csv, HEADER)`.
pub async fn copy_out_raw<C, W>(client: &C, sql: &str, mut writer: W) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
    W: tokio::io::AsyncWrite + Unpin,
{
    use futures_util::TryStreamExt;
    use tokio::io::AsyncWriteExt;
    let transaction = own_transaction(client).await?;
    let stream = client.__raw()?.copy_out(sql).await?;
    futures_util::pin_mut!(stream);
    let mut written = 0u64;
    while let Some(chunk) = stream.try_next().await? {
        writer
            .write_all(&chunk)
            .await
            .map_err(|e| Error::io(format!("writing the COPY output failed: {e}")))?;
        written += chunk.len() as u64;
    }
    writer
        .flush()
        .await
        .map_err(|e| Error::io(format!("writing the COPY output failed: {e}")))?;
    transaction.commit().await?;
    Ok(written)
}
