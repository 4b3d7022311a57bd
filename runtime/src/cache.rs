//! The per-connection prepared-statement cache: bounded, least recently used first out.
//!
//! Keyed by the generated `Query` static, which fixes the SQL text and the parameter type
//! OIDs: its address identifies both without hashing the text on every call. The lock is a std
//! `Mutex` held only to read or insert — never across an `.await` — so concurrent calls on
//! one connection do not serialise on it. Two concurrent first calls may both prepare; the
//! second insert wins and costs one extra prepare, once. An evicted statement is closed on
//! the server when its last clone is dropped (tokio-postgres sends `Close`).

use crate::query::Query;
use crate::unnamed::UnnamedTypes;
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use tokio_postgres::Statement;

/// The address of a `static` [`Query`]: one per (SQL, parameter types) the generator emitted.
pub(crate) type Key = usize;

/// Default number of statements kept per connection (psycopg keeps 100; generated code of a
/// real application often has a few hundred queries, each cheap to keep on the server).
pub(crate) const DEFAULT_CAPACITY: usize = 256;

/// Prepared statements of one connection.
#[derive(Debug)]
pub struct StatementCache {
    statements: Mutex<LruCache<Key, Statement>>,
    /// What the unnamed mode learned about user-defined types on this connection.
    pub(crate) unnamed: UnnamedTypes,
    /// Where the connection's server is, when quarry opened it: a cancel request then waits
    /// until the server has acted on it (`cancel::cancel`). Per-connection state, like the
    /// rest of this struct, which the connection's transactions share.
    pub(crate) server: std::sync::OnceLock<std::sync::Arc<tokio_postgres::Config>>,
}

impl Default for StatementCache {
    fn default() -> Self {
        StatementCache::with_capacity(DEFAULT_CAPACITY)
    }
}

pub(crate) fn key(query: &'static Query) -> Key {
    std::ptr::from_ref(query) as usize
}

impl StatementCache {
    /// A cache holding at most `capacity` statements (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        StatementCache {
            statements: Mutex::new(LruCache::new(capacity)),
            unnamed: UnnamedTypes::default(),
            server: std::sync::OnceLock::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Key, Statement>> {
        self.statements.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached statement for `query`, if any (marking it most recently used).
    pub fn get(&self, query: &'static Query) -> Option<Statement> {
        self.lock().get(&key(query)).cloned()
    }

    /// Remembers a statement prepared for `query`, evicting the least recently used one when full.
    pub fn insert(&self, query: &'static Query, statement: Statement) {
        self.lock().put(key(query), statement);
    }

    /// Forgets the statement for `query` (the server invalidated it).
    pub fn remove(&self, query: &'static Query) {
        self.lock().pop(&key(query));
    }

    /// How many statements are cached.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// The most statements this cache keeps.
    pub fn capacity(&self) -> usize {
        self.lock().cap().get()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every statement (they are deallocated on the server when dropped).
    pub fn clear(&self) {
        self.lock().clear();
    }
}

/// Whether the server no longer accepts a cached statement: its result type changed
/// (`ALTER TABLE …`: SQLSTATE 0A000 "cached plan must not change result type"), it was
/// deallocated (`DISCARD ALL`, `DEALLOCATE`: 26000), or a type it was prepared with was
/// dropped and re-created under a new OID (a migration re-creating an enum: XX000 "cache
/// lookup failed for type"). Re-preparing fixes all three.
pub(crate) fn is_stale(error: &tokio_postgres::Error) -> bool {
    error
        .as_db_error()
        .is_some_and(|db| statement_invalidated(db.code(), db.message()))
        || type_recreated(error)
}

/// The first two of [`is_stale`]'s causes, from an error's SQLSTATE and message: shared with
/// quarry's own driver (`wire::ServerError::is_stale_statement`).
pub(crate) fn statement_invalidated(code: &tokio_postgres::error::SqlState, message: &str) -> bool {
    use tokio_postgres::error::SqlState;
    *code == SqlState::INVALID_SQL_STATEMENT_NAME
        || (*code == SqlState::FEATURE_NOT_SUPPORTED && message.contains("cached plan"))
}

/// A prepared statement is missing (SQLSTATE 26000): `DISCARD ALL` / `DEALLOCATE ALL` ran
/// behind the client's back.
pub(crate) fn lookup_statement_lost(error: &tokio_postgres::Error) -> bool {
    error
        .as_db_error()
        .is_some_and(|db| *db.code() == tokio_postgres::error::SqlState::INVALID_SQL_STATEMENT_NAME)
}

/// A type the statement names by OID no longer exists: it was dropped (and perhaps re-created
/// with a new OID) after the connection learned it.
pub(crate) fn type_recreated(error: &tokio_postgres::Error) -> bool {
    error.as_db_error().is_some_and(|db| {
        *db.code() == tokio_postgres::error::SqlState::INTERNAL_ERROR
            && db.message().starts_with("cache lookup failed for type")
    })
}
