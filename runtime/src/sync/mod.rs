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
use postgres::NoTls;
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
    ) -> Result<postgres::RowIter<'_>, postgres::Error>;

    /// Forgets `query`'s cached statement after the server invalidated it; returns whether
    /// the call may be retried (not inside a transaction, which the error aborted).
    #[doc(hidden)]
    fn __evict(&mut self, query: &'static Query) -> bool;

    /// Starts `COPY … FROM STDIN (FORMAT binary)` with `query`'s parameter types as columns.
    #[doc(hidden)]
    fn __copy_in(
        &mut self,
        query: &'static Query,
        copy_sql: &str,
    ) -> Result<postgres::binary_copy::BinaryCopyInWriter<'_>, postgres::Error>;

    /// Prepares `sql` without caching it (for `verify`).
    #[doc(hidden)]
    fn __prepare(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error>;
}

/// The column types of a `:copyfrom` query: fixed ones, or described by the server.
fn copy_types(
    query: &'static Query,
    prepare: impl FnOnce() -> Result<postgres::Statement, postgres::Error>,
) -> Result<Vec<postgres_types::Type>, postgres::Error> {
    if query.types_known() {
        Ok(query.param_types())
    } else {
        Ok(prepare()?.params().to_vec())
    }
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
    ($ty:ty, $retry:literal) => {
        impl sealed::Sealed for $ty {}
        impl GenericClient for $ty {
            fn __query(
                &mut self,
                query: &'static Query,
                params: &[&(dyn ToSql + Sync)],
            ) -> Result<postgres::RowIter<'_>, postgres::Error> {
                let statement = match self.cache.get(query) {
                    Some(statement) => statement,
                    None => {
                        let statement = self.inner.prepare_typed(query.sql, &query.param_types())?;
                        self.cache.insert(query, statement.clone());
                        statement
                    }
                };
                self.inner.query_raw(&statement, params.iter().copied())
            }

            fn __evict(&mut self, query: &'static Query) -> bool {
                self.cache.remove(query);
                $retry
            }

            fn __copy_in(
                &mut self,
                query: &'static Query,
                copy_sql: &str,
            ) -> Result<postgres::binary_copy::BinaryCopyInWriter<'_>, postgres::Error> {
                let types = copy_types(query, || {
                    self.inner.prepare_typed(query.sql, &query.param_types())
                })?;
                let writer = self.inner.copy_in(copy_sql)?;
                Ok(postgres::binary_copy::BinaryCopyInWriter::new(writer, &types))
            }

            fn __prepare(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
                self.inner.prepare(sql)
            }
        }
    };
}

cached_client!(Client, true);
cached_client!(Transaction<'_>, false);

macro_rules! unnamed_client {
    ($ty:ty) => {
        impl sealed::Sealed for $ty {}
        impl GenericClient for $ty {
            fn __query(
                &mut self,
                query: &'static Query,
                params: &[&(dyn ToSql + Sync)],
            ) -> Result<postgres::RowIter<'_>, postgres::Error> {
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

            fn __evict(&mut self, _: &'static Query) -> bool {
                false
            }

            fn __copy_in(
                &mut self,
                query: &'static Query,
                copy_sql: &str,
            ) -> Result<postgres::binary_copy::BinaryCopyInWriter<'_>, postgres::Error> {
                let types = copy_types(query, || self.prepare_typed(query.sql, &query.param_types()))?;
                let writer = self.copy_in(copy_sql)?;
                Ok(postgres::binary_copy::BinaryCopyInWriter::new(writer, &types))
            }

            fn __prepare(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
                self.prepare(sql)
            }
        }
    };
}

unnamed_client!(postgres::Client);
unnamed_client!(postgres::Transaction<'_>);

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// The rows of an `:iter` query, decoded one at a time as they arrive (constant memory). It
/// borrows the client until dropped.
pub struct RowIter<'c, T> {
    rows: postgres::RowIter<'c>,
    decode: fn(&postgres::Row) -> Result<T, Error>,
    query: &'static Query,
}

impl<T> Iterator for RowIter<'_, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        use postgres::fallible_iterator::FallibleIterator;
        match self.rows.next() {
            Ok(Some(row)) => Some((self.decode)(&row).map_err(|e| e.in_query(self.query))),
            Ok(None) => None,
            Err(e) => Some(Err(Error::from_postgres(Some(self.query), e))),
        }
    }
}

impl<T> std::fmt::Debug for RowIter<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowIter")
            .field("query", &self.query.name)
            .finish_non_exhaustive()
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
