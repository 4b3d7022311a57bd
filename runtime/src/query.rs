//! [`Query`]: what generated code knows about one query at compile time.

use postgres_types::Type;

/// One generated query: its name, SQL and parameter types, fixed at build time.
///
/// Generated code holds one `static` of this per query; the runtime uses it to prepare and
/// cache the statement, to run it unprepared with known types, and to name the query in errors.
#[derive(Debug)]
pub struct Query {
    /// The query's name from its `-- name:` header (the generated function's name).
    pub name: &'static str,
    /// The SQL sent to PostgreSQL, with `$n` parameters.
    pub sql: &'static str,
    /// The parameter types PostgreSQL inferred when the code was generated.
    pub param_types: &'static [Type],
    /// `file:line` of the query's header, for error messages.
    pub source: &'static str,
}
