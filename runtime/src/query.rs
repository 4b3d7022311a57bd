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
    /// The OID of each parameter's type as the generator resolved it. Built-in types have
    /// fixed OIDs; `0` stands for a user-defined type (enum, composite…), whose OID differs
    /// from database to database, so the server infers it again from the SQL. A domain over
    /// a built-in type is sent as its base type and converted (and checked) by the server.
    pub param_oids: &'static [u32],
    /// Whether the query may run on a read replica: a plain `SELECT` (no writes, row locks or
    /// side-effecting built-ins), or marked `-- route: replica`. [`crate::ReplicatedPool`] routes
    /// by it; see the generator's `route` module for the exact rule.
    pub read_only: bool,
    /// Each result column's name and type name as the server reported them at generation
    /// (what [`crate::verify::verify`] compares against).
    pub columns: &'static [(&'static str, &'static str)],
    /// `file:line` of the query's header, for error messages.
    pub source: &'static str,
}

impl Query {
    /// The parameter types to prepare with (`unknown` where the server must infer).
    pub fn param_types(&self) -> Vec<Type> {
        self.param_oids.iter().map(|&oid| param_type(oid)).collect()
    }

    /// Whether every parameter type is known without asking the server, so the query can
    /// run unprepared in one round trip.
    pub fn types_known(&self) -> bool {
        !self.param_oids.contains(&0)
    }
}

/// The type for one parameter OID: a built-in type, or `unknown` (inferred by the server).
pub(crate) fn param_type(oid: u32) -> Type {
    Type::from_oid(oid).unwrap_or(Type::UNKNOWN)
}
