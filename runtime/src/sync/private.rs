//! What generated blocking code calls. Not a public API. Generated blocking functions run the
//! async flavour's calls (`quarry::__private`) on the client's runtime, through [`split`];
//! only the calls whose results differ in shape (iterators, not streams) live here.

use super::{CopyOutIter, Cursor, GenericClient, RowIter, Transaction};
use crate::error::Error;
use crate::query::Query;
use crate::rows::Row;
use postgres_types::ToSql;

pub use super::runtime::Blocker;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// The async client a blocking one wraps, and the runtime to block on.
pub fn split<C: GenericClient + ?Sized>(client: &C) -> (&C::Async, &Blocker) {
    client.__split()
}

/// `quarry::sync::pipeline!`: every call must run on the first call's runtime, which is the
/// only one driven while the pipeline blocks.
pub fn same_runtime<C: GenericClient + ?Sized>(first: &Blocker, client: &C) {
    assert!(
        first.same_as(client.__split().1),
        "quarry::sync::pipeline!: every call must run on the same client (or transaction of it)"
    );
}

/// `:iter` — the rows as an iterator borrowing the client.
pub fn stream<'c, C, T>(
    client: &'c C,
    query: &'static Query,
    params: Params<'_>,
    decode: fn(&Row) -> Result<T, Error>,
) -> Result<RowIter<'c, T>, Error>
where
    C: GenericClient + ?Sized,
{
    let (inner, runtime) = client.__split();
    let rows = runtime.block_on(crate::__private::stream(inner, query, params, decode))?;
    Ok(RowIter::new(rows, runtime))
}

/// `:iter`'s `_cursor` — binds a portal inside `transaction`.
pub fn cursor<'t, T>(
    transaction: &'t Transaction<'_>,
    query: &'static Query,
    params: Params<'_>,
    batch_size: u32,
    decode: fn(&Row) -> Result<T, Error>,
) -> Result<Cursor<'t, T>, Error> {
    let (inner, runtime) = transaction.__split();
    let cursor = runtime.block_on(crate::__private::cursor(inner, query, params, batch_size, decode))?;
    Ok(Cursor::new(cursor, runtime))
}

/// `:iter`'s `_copy_out` — the query's rows through binary `COPY (…) TO STDOUT`.
pub fn copy_out<'c, C, T>(
    client: &'c C,
    query: &'static Query,
    decode: fn(&crate::copy::CopyRow<'_>) -> Result<T, Error>,
) -> Result<CopyOutIter<'c, T>, Error>
where
    C: GenericClient + ?Sized,
{
    let (inner, runtime) = client.__split();
    let rows = runtime.block_on(crate::__private::copy_out(inner, query, decode))?;
    Ok(CopyOutIter::new(rows, runtime))
}
