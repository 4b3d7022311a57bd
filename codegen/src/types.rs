//! PostgreSQL type → Rust type.
//!
//! The mapping is by type OID, so a domain or an extension type never silently matches by
//! name. Anything not listed is an "unsupported type" error naming the query and column;
//! the full type catalogue (enums, composites, arrays, ranges, overrides) comes later and
//! extends this table rather than replacing it.

use tokio_postgres::types::Type;

/// How one PostgreSQL type appears in generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustType {
    /// PostgreSQL's name for the type, for docs and messages.
    pub pg_name: String,
    /// The `postgres_types::Type` constant, e.g. `INT4`.
    pub type_const: &'static str,
    /// The owned Rust type read from a row, e.g. `String`.
    pub owned: &'static str,
    /// The type a generated function takes as a parameter, e.g. `&str`.
    pub borrowed: &'static str,
}

/// Maps a PostgreSQL type, or returns `None` when quarry does not support it yet.
pub fn rust_type(ty: &Type) -> Option<RustType> {
    let (type_const, owned, borrowed) = match *ty {
        Type::BOOL => ("BOOL", "bool", "bool"),
        Type::INT2 => ("INT2", "i16", "i16"),
        Type::INT4 => ("INT4", "i32", "i32"),
        Type::INT8 => ("INT8", "i64", "i64"),
        Type::FLOAT4 => ("FLOAT4", "f32", "f32"),
        Type::FLOAT8 => ("FLOAT8", "f64", "f64"),
        Type::NUMERIC => (
            "NUMERIC",
            "::quarry::rust_decimal::Decimal",
            "::quarry::rust_decimal::Decimal",
        ),
        Type::TEXT => ("TEXT", "String", "&str"),
        Type::VARCHAR => ("VARCHAR", "String", "&str"),
        Type::BPCHAR => ("BPCHAR", "String", "&str"),
        Type::NAME => ("NAME", "String", "&str"),
        Type::BYTEA => ("BYTEA", "Vec<u8>", "&[u8]"),
        Type::UUID => ("UUID", "::quarry::uuid::Uuid", "::quarry::uuid::Uuid"),
        Type::JSON => ("JSON", "::quarry::serde_json::Value", "&::quarry::serde_json::Value"),
        Type::JSONB => ("JSONB", "::quarry::serde_json::Value", "&::quarry::serde_json::Value"),
        Type::TIMESTAMP => (
            "TIMESTAMP",
            "::quarry::chrono::NaiveDateTime",
            "::quarry::chrono::NaiveDateTime",
        ),
        Type::TIMESTAMPTZ => (
            "TIMESTAMPTZ",
            "::quarry::chrono::DateTime<::quarry::chrono::Utc>",
            "::quarry::chrono::DateTime<::quarry::chrono::Utc>",
        ),
        Type::DATE => ("DATE", "::quarry::chrono::NaiveDate", "::quarry::chrono::NaiveDate"),
        Type::TIME => ("TIME", "::quarry::chrono::NaiveTime", "::quarry::chrono::NaiveTime"),
        _ => return None,
    };
    Some(RustType {
        pg_name: ty.name().to_string(),
        type_const,
        owned,
        borrowed,
    })
}

/// The list shown in "unsupported type" hints.
pub const SUPPORTED: &str = "bool, int2, int4, int8, float4, float8, numeric, text, varchar, bpchar, name, bytea, uuid, json, jsonb, timestamp, timestamptz, date, time";
