//! The per-connection prepared-statement cache.
//!
//! Keyed by the SQL text: generated code fixes the parameter types per SQL, so the text alone
//! identifies the statement. The lock is a std `Mutex` held only to read or insert — never
//! across an `.await` — so concurrent calls on one connection do not serialise on it. Two
//! concurrent first calls may both prepare; the second insert wins and costs one extra
//! prepare, once.

use std::collections::HashMap;
use std::sync::Mutex;
use tokio_postgres::Statement;

/// Prepared statements of one connection.
#[derive(Debug, Default)]
pub struct StatementCache {
    statements: Mutex<HashMap<&'static str, Statement>>,
}

impl StatementCache {
    /// The cached statement for `sql`, if any.
    pub fn get(&self, sql: &'static str) -> Option<Statement> {
        self.statements
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(sql)
            .cloned()
    }

    /// Remembers a statement prepared for `sql`.
    pub fn insert(&self, sql: &'static str, statement: Statement) {
        self.statements
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sql, statement);
    }

    /// How many statements are cached.
    pub fn len(&self) -> usize {
        self.statements.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every statement (they are deallocated on the server when dropped).
    pub fn clear(&self) {
        self.statements.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
