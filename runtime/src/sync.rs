//! The blocking flavour, over the `postgres` crate (feature `sync`).
//!
//! Code generated with `Config::sync(true)` takes `&mut impl quarry::sync::GenericClient`
//! (the `postgres` crate needs `&mut` to run a query). Everything else mirrors the async API:
//! [`Client`] caches prepared statements; plain `postgres::Client` / `postgres::Transaction`
//! use the one-round-trip unnamed typed protocol.

use crate::cache::StatementCache;
use crate::error::Error;
use crate::generic::sealed;
use crate::query::{param_type, Query};
use postgres::{NoTls, RowIter};
use postgres_types::ToSql;
use std::ops::{Deref, DerefMut};

/// Anything a generated blocking function can run on. Sealed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot run blocking quarry queries",
    note = "pass a `quarry::sync::Client`, a `quarry::sync::Transaction`, or a `postgres::Client` / `Transaction`"
)]
pub trait GenericClient: sealed::Sealed {
    #[doc(hidden)]
    fn __query(
        &mut self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<RowIter<'_>, postgres::Error>;
}

/// A blocking connection with a prepared-statement cache. Derefs to `postgres::Client`.
pub struct Client {
    inner: postgres::Client,
    cache: StatementCache,
}

impl Client {
    /// Connects without TLS. `config` is a libpq-style string or a `postgres://` URL.
    pub fn connect(config: &str) -> Result<Self, Error> {
        Ok(Client::new(postgres::Client::connect(config, NoTls)?))
    }

    /// Wraps a connected `postgres::Client`.
    pub fn new(inner: postgres::Client) -> Self {
        Client {
            inner,
            cache: StatementCache::default(),
        }
    }

    /// The statements prepared on this connection so far.
    pub fn statement_cache(&self) -> &StatementCache {
        &self.cache
    }

    /// Starts a transaction sharing this connection's statement cache; it rolls back when
    /// dropped without [`Transaction::commit`].
    pub fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        Ok(Transaction {
            inner: self.inner.transaction()?,
            cache: &self.cache,
        })
    }
}

impl Deref for Client {
    type Target = postgres::Client;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl DerefMut for Client {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

/// A blocking transaction on a [`Client`].
pub struct Transaction<'a> {
    inner: postgres::Transaction<'a>,
    cache: &'a StatementCache,
}

impl Transaction<'_> {
    /// Commits.
    pub fn commit(self) -> Result<(), Error> {
        Ok(self.inner.commit()?)
    }

    /// Rolls back (dropping does the same).
    pub fn rollback(self) -> Result<(), Error> {
        Ok(self.inner.rollback()?)
    }
}

impl<'a> Deref for Transaction<'a> {
    type Target = postgres::Transaction<'a>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

macro_rules! cached_client {
    ($ty:ty) => {
        impl sealed::Sealed for $ty {}
        impl GenericClient for $ty {
            fn __query(
                &mut self,
                query: &'static Query,
                params: &[&(dyn ToSql + Sync)],
            ) -> Result<RowIter<'_>, postgres::Error> {
                let statement = match self.cache.get(query.sql) {
                    Some(statement) => statement,
                    None => {
                        let statement = self.inner.prepare_typed(query.sql, &query.param_types())?;
                        self.cache.insert(query.sql, statement.clone());
                        statement
                    }
                };
                self.inner.query_raw(&statement, params.iter().copied())
            }
        }
    };
}

cached_client!(Client);
cached_client!(Transaction<'_>);

macro_rules! unnamed_client {
    ($ty:ty) => {
        impl sealed::Sealed for $ty {}
        impl GenericClient for $ty {
            fn __query(
                &mut self,
                query: &'static Query,
                params: &[&(dyn ToSql + Sync)],
            ) -> Result<RowIter<'_>, postgres::Error> {
                if !query.types_known() {
                    let statement = self.prepare_typed(query.sql, &query.param_types())?;
                    return self.query_raw(&statement, params.iter().copied());
                }
                self.query_typed_raw(
                    query.sql,
                    params
                        .iter()
                        .zip(query.param_oids)
                        .map(|(p, &oid)| (*p, param_type(oid))),
                )
            }
        }
    };
}

unnamed_client!(postgres::Client);
unnamed_client!(postgres::Transaction<'_>);

/// What generated blocking code calls. Not a public API.
#[doc(hidden)]
pub mod __private {
    use super::GenericClient;
    use crate::error::Error;
    use crate::query::Query;
    use postgres::fallible_iterator::FallibleIterator;
    use postgres::Row;
    use postgres_types::ToSql;

    type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

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
        let db = |e| Error::from_postgres(Some(query), e);
        let mut rows = client.__query(query, params).map_err(db)?;
        let first = rows.next().map_err(db)?;
        if first.is_some() && rows.next().map_err(db)?.is_some() {
            return Err(Error::row_count(query, "expected at most one row, got several"));
        }
        Ok(first)
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
        let db = |e| Error::from_postgres(Some(query), e);
        let mut rows = client.__query(query, params).map_err(db)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db)? {
            out.push(decode(&row).map_err(|e| e.in_query(query))?);
        }
        Ok(out)
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
        let db = |e| Error::from_postgres(Some(query), e);
        let mut rows = client.__query(query, params).map_err(db)?;
        let mut count = 0;
        while let Some(row) = rows.next().map_err(db)? {
            visit(&row).map_err(|e| e.in_query(query))?;
            count += 1;
        }
        Ok(count)
    }

    /// `:exec` — the number of rows affected.
    pub fn exec<C>(client: &mut C, query: &'static Query, params: Params<'_>) -> Result<u64, Error>
    where
        C: GenericClient + ?Sized,
    {
        let db = |e| Error::from_postgres(Some(query), e);
        let mut rows = client.__query(query, params).map_err(db)?;
        while rows.next().map_err(db)?.is_some() {}
        Ok(rows.rows_affected().unwrap_or(0))
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("cached_statements", &self.cache.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("cached_statements", &self.cache.len())
            .finish_non_exhaustive()
    }
}
