//! Inline queries in the offline snapshot (`"inline"` in `quarry.snapshot.json`), keyed by
//! the template exactly as written: what `cargo quarry regenerate` learned from the server,
//! and what the `query!` macro expands from without connecting anywhere.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every inline query of a crate, by template.
pub type InlineQueries = BTreeMap<String, Entry>;

/// One inline query: typed, or why it does not prepare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// The query prepared; its types.
    Query(Query),
    /// PostgreSQL (or quarry) refused it; the macro reports this at the call.
    Error(Problem),
}

/// A prepared inline query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// The statement sent to the server (`$n` parameters).
    pub sql: String,
    /// Parameters, in `$n` order (the template's interpolations).
    pub params: Vec<Param>,
    /// Result columns.
    pub columns: Vec<Column>,
    /// Whether a read replica may run it.
    pub read_only: bool,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// PostgreSQL's type name, for messages.
    pub pg_name: String,
    /// The OID it is prepared with (0: the server infers it).
    pub oid: u32,
    /// The Rust parameter type, as a generated function takes it: `i32`, `&str`, `&[u8]`,
    /// `&[&str]`. The macro checks `&expr` against `&i32` / `&str` (the type without its
    /// leading `&`), or `&Option<&str>` for a nullable `{expr?}`.
    pub rust: String,
    /// Written `{expr?}`: `Option<…>`.
    pub nullable: bool,
}

/// One result column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Rust field name.
    pub field: String,
    /// The name PostgreSQL reports.
    pub name: String,
    /// The type's name as the server reports it (for `verify`).
    pub wire_name: String,
    /// The owned Rust type.
    pub rust: String,
    /// `Option<…>`.
    pub nullable: bool,
    /// Why it is or is not nullable.
    pub reason: String,
}

/// A query that does not prepare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// What is wrong (PostgreSQL's message, SQLSTATE included).
    pub message: String,
    /// Where in the template, when known.
    pub offset: Option<usize>,
    /// What to do.
    pub help: String,
}
