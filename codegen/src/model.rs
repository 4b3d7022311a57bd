//! The resolved, database-free description of every query: what `emit` turns into Rust.
//!
//! Built by `introspect` from the parsed files and the database's answers; it holds no
//! spans or connections, so it can be snapshotted and compared.

use crate::parse::QueryKind;
use crate::types::RustType;

/// Everything generated from one run.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Model {
    /// One module per `.sql` file, sorted by name.
    pub modules: Vec<Module>,
    /// Problems that do not stop generation (e.g. an override contradicting the catalog).
    #[serde(skip)]
    pub warnings: Vec<crate::diagnostic::Diagnostic>,
    /// User-defined enums and composites the queries use, for the shared `types` module.
    pub user_types: Vec<crate::types::UserType>,
    /// Shared row structs, one per table, for the `models` module: the rows of `SELECT *` /
    /// `RETURNING *` queries and `sqlc.embed` fields.
    #[serde(default)]
    pub tables: Vec<TableModel>,
    /// The schemas unqualified names resolved in at generation (`current_schemas(false)`),
    /// which `verify` compares with the connection's. Empty in snapshots written before it.
    #[serde(default)]
    pub search_path: Vec<String>,
    /// The migrations of the schema folder(s) the code was generated against, `(version,
    /// file name)`: `verify` checks the database applied them (docs/migrations.md). Read from
    /// the files at each run, so not part of the snapshot.
    #[serde(skip)]
    pub migrations: Vec<(i64, String)>,
}

/// The shared row struct of one table (sqlc's `models`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableModel {
    /// Struct name: the table name singular, in UpperCamelCase (`authors` → `Author`).
    pub name: String,
    /// `schema.table`.
    pub table: String,
    /// Every column of the table in order, nullable unless declared `NOT NULL`.
    pub columns: Vec<Column>,
    /// Also a value of the table's row type (`array_agg(b)`, `SELECT b FROM books b`): the
    /// struct gets `FromSql`/`ToSql`.
    #[serde(default)]
    pub row_type: bool,
    /// Also read from JSON (`json_agg(b)`): the struct gets `FromJson`.
    #[serde(default)]
    pub json: bool,
}

/// A `sqlc.embed(table)` field: consecutive result columns read into a table's model.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Embed {
    /// Rust field name.
    pub field: String,
    /// The [`TableModel`] name.
    pub model: String,
    /// Index of its first result column.
    pub first: usize,
    /// How many result columns it covers.
    pub len: usize,
    /// `Option<Model>`: the table is outer-joined (all columns NULL reads as `None`).
    pub nullable: bool,
}

/// One `.sql` file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Module {
    /// Rust module name.
    pub name: String,
    /// The file as the user named it.
    pub file: String,
    /// Queries in file order.
    pub queries: Vec<Query>,
}

/// One query, fully typed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Query {
    /// Rust function name (snake_case).
    pub fn_name: String,
    /// Rust row struct name (UpperCamelCase + `Row`).
    pub row_name: String,
    /// What it returns.
    pub kind: QueryKind,
    /// Optional lines and sort choices (docs/dynamic.md), if it has any.
    #[serde(default)]
    pub dynamic: Option<crate::dynamic::Dynamic>,
    /// Whether a replica may run it (`quarry::RoutedClient`): a statement that cannot write, unless
    /// the query says `-- route: primary` (`route::read_only`).
    pub read_only: bool,
    /// Rustdoc lines.
    pub docs: Vec<String>,
    /// The SQL as written in the file, for docs.
    pub sql_written: String,
    /// The SQL sent to the server.
    pub sql: String,
    /// 1-based line of the header.
    pub line: usize,
    /// Parameters in `$n` order.
    pub params: Vec<Param>,
    /// Result columns in order.
    pub columns: Vec<Column>,
    /// Functions generated next to the main one: the zero-copy variant (`<fn>_each` /
    /// `<fn>_with`) of a reading query with a column that can borrow from the row; for an
    /// `:iter` query its server-side cursor (`<fn>_cursor`) and, without parameters (COPY takes
    /// none), its binary COPY OUT stream (`<fn>_copy_out`); for a bulk query, the one that takes
    /// `quarry::BulkOptions` (`<fn>_with`).
    pub companion_fns: Vec<String>,
    /// For `:copyfrom`: the `COPY … FROM STDIN (FORMAT binary)` statement.
    pub copy_sql: Option<String>,
    /// For `:copyfrom` with `ON CONFLICT`: the staging table around the COPY.
    #[serde(default)]
    pub copy_upsert: Option<crate::copy::Upsert>,
    /// For `:bulk*`: the statement over `unnest` that runs every parameter set at once.
    #[serde(default)]
    pub bulk: Option<crate::bulk::BulkStatement>,
    /// The shared [`TableModel`] the row is, when the columns are exactly one table's
    /// (`SELECT *`, `RETURNING *`); the row type is then an alias of it.
    #[serde(default)]
    pub row_model: Option<String>,
    /// `sqlc.embed` fields, in column order.
    #[serde(default)]
    pub embeds: Vec<Embed>,
    /// The structs of the JSON objects its columns build, outermost first.
    #[serde(default)]
    pub json_structs: Vec<JsonStruct>,
}

/// One parameter.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Param {
    /// Rust argument name (snake_case).
    pub name: String,
    /// Its type.
    pub ty: RustType,
    /// Whether `NULL` may be passed (`Option`).
    pub nullable: bool,
}

/// One result column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    /// Rust field name (snake_case).
    pub field: String,
    /// The column name PostgreSQL reports.
    pub pg_name: String,
    /// Its type.
    pub ty: RustType,
    /// Whether it can be `NULL` (`Option`).
    pub nullable: bool,
    /// Why it is or is not nullable, for docs and `cargo quarry explain`.
    pub nullability_reason: String,
    /// JSON whose shape the SQL spells out (`json_agg(b)`, `json_build_object(…)`), read into
    /// `ty` with `FromJson` instead of `FromSql` (docs/nested.md).
    #[serde(default)]
    pub json: bool,
}

/// The struct of a JSON object a query builds with `json_build_object(…)`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JsonStruct {
    /// Rust name, unique in the query's module (`OrdersWithLinesLine`).
    pub name: String,
    /// The result column it is found in.
    pub column: String,
    /// The SQL that builds it, for the docs.
    pub sql: String,
    /// Its keys, in order.
    pub fields: Vec<JsonField>,
}

/// One key of a [`JsonStruct`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JsonField {
    /// Rust field name.
    pub field: String,
    /// The JSON key.
    pub key: String,
    /// The Rust type (without the `Option`), with the usual path placeholders.
    pub ty: String,
    /// Whether the value can be `null`.
    pub nullable: bool,
    /// Why, as for a column.
    pub reason: String,
}
