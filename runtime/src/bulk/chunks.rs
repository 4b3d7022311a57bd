//! The items of one bulk call, encoded a chunk at a time: as one binary array per parameter
//! (the `unnest` statement), or as a binary COPY stream (a plain `INSERT`).

use super::{BulkOptions, Encode};
use crate::error::Error;
use crate::generic::GenericClient;
use crate::query::Query;
use crate::types::BoxError;
use bytes::{BufMut, BytesMut};
use postgres_types::{IsNull, Kind, ToSql, Type};

/// How much COPY data is encoded before it is handed to the connection: the server loads one
/// piece while the next is encoded.
const COPY_PIECE: usize = 64 * 1024;

/// The chunks of one bulk call.
pub(super) struct Chunks<'c, C: ?Sized, P, I: Iterator<Item = P>> {
    query: &'static Query,
    items: std::iter::Peekable<I>,
    encoders: &'c [Encode<P>],
    options: BulkOptions,
    /// Each parameter's type as the server has it (arrays, but for a COPY).
    types: Vec<Type>,
    /// Each parameter's element type, as the server has the array parameter.
    elements: Vec<Type>,
    /// The array parameters, sent flattened (see `codegen::bulk`): each one's elements go in
    /// its own array, their rows and its NULL flags in two more after the encoded parameters.
    flattened: &'c [usize],
    sent: usize,
    number: usize,
    client: std::marker::PhantomData<&'c C>,
}

/// One chunk: its position among the items and its encoded arrays.
pub(super) struct Chunk {
    number: usize,
    pub(super) first: usize,
    pub(super) len: usize,
    arrays: Vec<Array>,
}

impl Chunk {
    /// The database's error for this chunk, saying which items it held.
    pub(super) fn failed(&self, query: &'static Query, error: Error) -> Error {
        let row = copy_line(&error).map(|line| self.first + line - 1);
        error.in_query(query).in_chunk(self.number, self.first, self.len, row)
    }

    /// The statement's parameters: the arrays.
    pub(super) fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.arrays.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
    }
}

impl<'c, C, P, I> Chunks<'c, C, P, I>
where
    C: GenericClient + ?Sized,
    I: Iterator<Item = P>,
{
    /// Learns the element types (fixed, or described once per connection), unless there is
    /// nothing to send: the element types of `query`'s array parameters when `arrays`, else
    /// (a COPY's columns) its parameter types themselves.
    pub(super) async fn start(
        client: &'c C,
        query: &'static Query,
        items: I,
        params: super::BulkParams<'c, P>,
        options: &BulkOptions,
        arrays: bool,
    ) -> Result<Self, Error> {
        let super::BulkParams { encoders, flattened } = params;
        let mut items = items.peekable();
        let types = if items.peek().is_none() {
            Vec::new()
        } else {
            crate::copy::param_types(client, query)
                .await
                .map_err(|e| e.in_query(query))?
        };
        let elements = {
            types
                .iter()
                .map(|ty| match ty.kind() {
                    _ if !arrays => Ok(ty.clone()),
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
            query,
            items,
            encoders,
            options: BulkOptions {
                max_rows: options.max_rows.max(1),
                ..*options
            },
            types,
            elements,
            flattened,
            sent: 0,
            number: 0,
            client: std::marker::PhantomData,
        })
    }

    /// The next item of a chunk holding `len` items of `bytes`, while it has room.
    fn take(&mut self, len: usize, bytes: usize) -> Option<P> {
        if len >= self.options.max_rows || bytes >= self.options.max_bytes {
            return None;
        }
        self.items.next()
    }

    /// Closes a chunk of `len` items (`None` when it is empty).
    fn close(&mut self, len: usize, arrays: Vec<Array>) -> Option<Chunk> {
        if len == 0 {
            return None;
        }
        let chunk = Chunk {
            number: self.number,
            first: self.sent,
            len,
            arrays,
        };
        self.sent += len;
        self.number += 1;
        Some(chunk)
    }

    fn encode_error(&self, len: usize) -> impl Fn((usize, BoxError)) -> Error + '_ {
        move |(param, e)| Error::encode(self.query, param, self.sent + len, e)
    }

    /// Encodes the next chunk as one array per parameter (`None` once every item is sent).
    pub(super) fn next(&mut self) -> Result<Option<Chunk>, Error> {
        let mut arrays: Vec<Array> = self.elements.iter().map(Array::new).collect();
        let (mut len, mut bytes) = (0, 0);
        let mut scratch = BytesMut::new();
        while let Some(item) = self.take(len, bytes) {
            let row = i32::try_from(len + 1).map_err(|_| Error::io("chunk over 2^31 rows".into()))?;
            for (i, encode) in self.encoders.iter().enumerate() {
                let pushed = match self.flattened.iter().position(|&k| k == i) {
                    None => arrays[i].push(&item, *encode, &self.elements[i]),
                    Some(j) => {
                        let extras = self.encoders.len() + 2 * j;
                        scratch.clear();
                        let value = encode(&item, &self.types[i], &mut scratch);
                        value.and_then(|null| flatten(&mut arrays, [i, extras, extras + 1], row, null, &scratch))
                    }
                };
                bytes += pushed.map_err(|e| self.encode_error(len)((i, e)))?;
            }
            len += 1;
        }
        Ok(self.close(len, arrays))
    }

    /// Sends the next chunk as one binary COPY, streamed as it is encoded; the rows loaded
    /// (`None` once every item is sent). In the unnamed mode outside a transaction, the COPY
    /// runs in one of its own (as `:copyfrom` does).
    pub(super) async fn copy_next(&mut self, client: &C, copy_sql: &str) -> Result<Option<u64>, Error> {
        use futures_util::SinkExt;
        if self.items.peek().is_none() {
            return Ok(None);
        }
        let query = self.query;
        let chunk = Chunk {
            number: self.number,
            first: self.sent,
            len: 0,
            arrays: Vec::new(),
        };
        let db = |e: Error| e.in_query(query).in_chunk(chunk.number, chunk.first, 0, None);
        let mut transaction = crate::copy::own_transaction(client).await.map_err(db)?;
        let sink = client.__raw()?.copy_in::<_, bytes::Bytes>(copy_sql).await;
        let sink = transaction
            .or_rollback(sink)
            .await
            .map_err(|e| db(Error::from_postgres(Some(query), e)))?;
        let mut sink = std::pin::pin!(sink);
        let mut data = BytesMut::with_capacity(2 * COPY_PIECE);
        data.put_slice(b"PGCOPY\n\xff\r\n\0");
        data.put_i32(0); // flags
        data.put_i32(0); // header extension length
        let fields = i16::try_from(self.elements.len()).map_err(|_| Error::io("too many columns for COPY".into()))?;
        let (mut len, mut bytes) = (0, 0);
        let mut failed = None;
        while let Some(item) = self.take(len, bytes) {
            let start = data.len();
            data.put_i16(fields);
            for (i, encode) in self.encoders.iter().enumerate() {
                write_field(&mut data, |out| encode(&item, &self.elements[i], out))
                    .map_err(|e| self.encode_error(len)((i, e)))?;
            }
            bytes += data.len() - start;
            len += 1;
            if data.len() >= COPY_PIECE {
                if let Err(e) = sink.send(data.split().freeze()).await {
                    failed = Some(e);
                    break;
                }
            }
        }
        data.put_i16(-1); // trailer
        let chunk = self.close(len, Vec::new()).expect("a COPY chunk holds an item");
        let result = match failed {
            Some(e) => Err(e),
            None => match sink.send(data.freeze()).await {
                Ok(()) => sink.as_mut().finish().await,
                Err(e) => Err(e),
            },
        };
        let failed = |e: tokio_postgres::Error| chunk.failed(query, Error::from_postgres(Some(query), e));
        let loaded = transaction.or_rollback(result).await.map_err(failed)?;
        transaction.commit().await.map_err(failed)?;
        Ok(Some(loaded))
    }
}

/// Appends one row's array (`raw`, binary, unless `null`) to a flattened parameter: its
/// elements to `arrays[elements]`, one `row` per element to `arrays[rows]`, the NULL flag to
/// `arrays[nulls]`. Returns the bytes added.
fn flatten(
    arrays: &mut [Array],
    [elements, rows, nulls]: [usize; 3],
    row: i32,
    null: IsNull,
    raw: &[u8],
) -> Result<usize, BoxError> {
    let before: usize = [elements, rows, nulls].iter().map(|&i| arrays[i].body.len()).sum();
    let is_null = matches!(null, IsNull::Yes);
    arrays[nulls].push_raw(Some(&[u8::from(is_null)]));
    if !is_null {
        for value in array_values(raw)? {
            arrays[elements].push_raw(value);
            arrays[rows].push_raw(Some(&row.to_be_bytes()));
        }
    }
    let after: usize = [elements, rows, nulls].iter().map(|&i| arrays[i].body.len()).sum();
    Ok(after - before)
}

/// The elements of a binary one-dimensional (or empty) array.
fn array_values(raw: &[u8]) -> Result<Vec<Option<&[u8]>>, BoxError> {
    use fallible_iterator::FallibleIterator;
    let array = postgres_protocol::types::array_from_sql(raw)?;
    if array.dimensions().count()? > 1 {
        return Err(
            "a multi-dimensional array cannot go in a bulk statement (one array per row); use :batchexec".into(),
        );
    }
    array.values().collect()
}

/// The 1-based row of a COPY that PostgreSQL names in an error's context
/// (`COPY products, line 5001, column sku: …`).
fn copy_line(error: &Error) -> Option<usize> {
    let context = match error.server_error() {
        Some(server) => server.where_.as_deref()?,
        None => error.as_db_error()?.where_()?,
    };
    let rest = context.strip_prefix("COPY ")?;
    let line = rest.split(", line ").nth(1)?;
    line.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
        .filter(|&n| n > 0)
}

/// Appends one length-prefixed value (`-1` for NULL), as array elements and COPY fields are;
/// whether it was NULL.
fn write_field(
    out: &mut BytesMut,
    encode: impl FnOnce(&mut BytesMut) -> Result<IsNull, BoxError>,
) -> Result<bool, BoxError> {
    let start = out.len();
    out.put_i32(0);
    match encode(out)? {
        IsNull::Yes => {
            out.truncate(start);
            out.put_i32(-1);
            Ok(true)
        }
        IsNull::No => {
            let written = i32::try_from(out.len() - start - 4).map_err(|_| "value over 2 GiB")?;
            out[start..start + 4].copy_from_slice(&written.to_be_bytes());
            Ok(false)
        }
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

    /// Appends an encoded element (`None` for NULL).
    fn push_raw(&mut self, value: Option<&[u8]>) {
        match value {
            Some(bytes) => {
                self.body.put_i32(bytes.len() as i32);
                self.body.put_slice(bytes);
            }
            None => {
                self.body.put_i32(-1);
                self.has_null = true;
            }
        }
        self.len += 1;
    }

    /// Appends `item`'s value; returns the bytes it took.
    fn push<P>(&mut self, item: &P, encode: Encode<P>, element: &Type) -> Result<usize, BoxError> {
        let start = self.body.len();
        self.has_null |= write_field(&mut self.body, |out| encode(item, element, out))?;
        self.len += 1;
        Ok(self.body.len() - start)
    }
}

impl ToSql for Array {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
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
