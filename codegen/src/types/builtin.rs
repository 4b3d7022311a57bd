//! Built-in PostgreSQL types (by OID) and common extension types (by name).

use super::{RustType, TypeSettings, Unsupported};
use postgres_types::Type;

/// Which crate provides date and time types in generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeCrate {
    /// `chrono` (re-exported as `quarry::chrono`). The default.
    #[default]
    Chrono,
    /// `time` 0.3 (re-exported as `quarry::time`; enable quarry-runtime's `time` feature).
    Time,
}

const TYPES: &str = "::quarry::types";

/// The mapping of a built-in or well-known extension type; `None` when `ty` is neither
/// (arrays, ranges, domains and user-defined types are resolved by kind instead).
pub(super) fn map(ty: &Type, settings: &TypeSettings) -> Option<Result<RustType, Unsupported>> {
    let time = |chrono: &str, time: &str| match settings.time_crate {
        TimeCrate::Chrono => format!("::quarry::chrono::{chrono}"),
        TimeCrate::Time => format!("::quarry::time::{time}"),
    };
    // quarry's exact geometric types by default; geo-types for the three it can hold exactly.
    let geo = |geo_types: &str, own: &str, copy: bool| match (settings.geo_types, copy) {
        (true, _) => RustType::by_ref(ty, format!("::quarry::geo_types::{geo_types}<f64>")),
        (false, true) => RustType::copy(ty, format!("{TYPES}::{own}")),
        (false, false) => RustType::by_ref(ty, format!("{TYPES}::{own}")),
    };
    let text = || RustType::new(ty, "::std::string::String", "&str", "&'r str");
    let mapped = match *ty {
        Type::BOOL => RustType::copy(ty, "bool"),
        Type::CHAR => RustType::copy(ty, "i8"),
        Type::INT2 => RustType::copy(ty, "i16"),
        Type::INT4 => RustType::copy(ty, "i32"),
        Type::INT8 => RustType::copy(ty, "i64"),
        Type::OID => RustType::copy(ty, "u32"),
        Type::FLOAT4 => RustType::copy(ty, "f32"),
        Type::FLOAT8 => RustType::copy(ty, "f64"),
        Type::NUMERIC => RustType::copy(ty, "::quarry::rust_decimal::Decimal"),
        Type::MONEY => RustType::copy(ty, format!("{TYPES}::Money")),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => text(),
        Type::BYTEA => RustType::new(ty, "::std::vec::Vec<u8>", "&[u8]", "&'r [u8]"),
        Type::UUID => RustType::copy(ty, "::quarry::uuid::Uuid"),
        Type::JSON | Type::JSONB => RustType::by_ref(ty, "::quarry::serde_json::Value"),
        Type::XML => RustType::by_ref(ty, format!("{TYPES}::Xml")),
        Type::TS_VECTOR => RustType::by_ref(ty, format!("{TYPES}::TsVector")),
        Type::TSQUERY => RustType::by_ref(ty, format!("{TYPES}::TsQuery")),
        Type::TIMESTAMP => RustType::copy(ty, time("NaiveDateTime", "PrimitiveDateTime")),
        Type::TIMESTAMPTZ => RustType::copy(ty, time("DateTime<::quarry::chrono::Utc>", "OffsetDateTime")),
        Type::DATE => RustType::copy(ty, time("NaiveDate", "Date")),
        Type::TIME => RustType::copy(ty, time("NaiveTime", "Time")),
        Type::TIMETZ => RustType::copy(ty, format!("{TYPES}::TimeTz<{}>", time("NaiveTime", "Time"))),
        Type::INTERVAL => RustType::copy(ty, format!("{TYPES}::Interval")),
        Type::INET => RustType::copy(ty, "::quarry::cidr::IpInet"),
        Type::CIDR => RustType::copy(ty, "::quarry::cidr::IpCidr"),
        Type::MACADDR => RustType::copy(ty, format!("{TYPES}::MacAddr")),
        Type::MACADDR8 => RustType::copy(ty, format!("{TYPES}::MacAddr8")),
        Type::BIT | Type::VARBIT => RustType::by_ref(ty, "::quarry::bit_vec::BitVec"),
        Type::PG_LSN => RustType::copy(ty, format!("{TYPES}::PgLsn")),
        Type::XID => RustType::copy(ty, format!("{TYPES}::Xid")),
        Type::XID8 => RustType::copy(ty, format!("{TYPES}::Xid8")),
        Type::CID => RustType::copy(ty, format!("{TYPES}::Cid")),
        Type::TID => RustType::copy(ty, format!("{TYPES}::Tid")),
        Type::VOID => RustType::copy(ty, format!("{TYPES}::Void")),
        Type::REGCLASS
        | Type::REGTYPE
        | Type::REGPROC
        | Type::REGPROCEDURE
        | Type::REGOPER
        | Type::REGOPERATOR
        | Type::REGCONFIG
        | Type::REGDICTIONARY
        | Type::REGNAMESPACE
        | Type::REGROLE
        | Type::REGCOLLATION => RustType::copy(ty, format!("{TYPES}::RegOid")),
        Type::POINT => geo("Point", "Point", true),
        Type::BOX => geo("Rect", "PgBox", true),
        Type::PATH => geo("LineString", "Path", false),
        Type::LINE => RustType::copy(ty, format!("{TYPES}::Line")),
        Type::LSEG => RustType::copy(ty, format!("{TYPES}::LineSegment")),
        Type::POLYGON => RustType::by_ref(ty, format!("{TYPES}::Polygon")),
        Type::CIRCLE => RustType::copy(ty, format!("{TYPES}::Circle")),
        Type::JSONPATH => RustType::by_ref(ty, format!("{TYPES}::JsonPath")),
        Type::PG_SNAPSHOT | Type::TXID_SNAPSHOT => RustType::by_ref(ty, format!("{TYPES}::Snapshot")),
        Type::REFCURSOR => RustType::by_ref(ty, format!("{TYPES}::RefCursor")),
        Type::PG_NODE_TREE => RustType::by_ref(ty, format!("{TYPES}::NodeTree")),
        Type::ACLITEM => {
            return Some(Err(Unsupported {
                pg_type: "aclitem".into(),
                hint: "PostgreSQL has no binary output for `aclitem`, so no client reading the binary protocol \
                       can receive it; cast it in the SQL (`acl::text`, or `relacl::text[]` for an array)"
                    .into(),
            }))
        }
        Type::RECORD => {
            return Some(Err(Unsupported {
                pg_type: "record".into(),
                hint: "an anonymous record has no field types to generate from; select the fields as columns, \
                       or cast the row to a named composite type (`ROW(…)::my_type`)"
                    .into(),
            }))
        }
        _ => match ty.name() {
            // Extension types: their OIDs differ per database, so they are matched by name
            // (as postgres-types does).
            "citext" | "ltree" | "lquery" | "ltxtquery" => text(),
            // PostGIS: geo-types plus the SRID (quarry-runtime's `postgis` feature).
            "geometry" | "geography" => RustType::by_ref(ty, format!("{TYPES}::Geometry")),
            "hstore" => RustType::by_ref(
                ty,
                "::std::collections::HashMap<::std::string::String, ::core::option::Option<::std::string::String>>",
            ),
            _ => return None,
        },
    };
    Some(Ok(mapped))
}
