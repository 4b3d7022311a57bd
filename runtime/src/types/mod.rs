//! The Rust side of PostgreSQL types: re-exports from `postgres-types` plus quarry's own
//! types for what it does not cover (ranges, multiranges, `interval`, `timetz`, `money`,
//! `macaddr`/`macaddr8`, `xml`, `tsvector`, `tsquery`, multi-dimensional arrays, and the system
//! types `xid`, `xid8`, `cid`, `tid`, `reg*` and `void`, the geometric types, and `jsonpath`,
//! `pg_snapshot`, `refcursor` and `pg_node_tree`).
//!
//! `docs/types.md` has the full PostgreSQL → Rust table. Every type here implements
//! [`ToSql`] and [`FromSql`], so it can also be named in a type override.

mod array;
mod catalog;
#[cfg(feature = "geo-types")]
mod geo_conversions;
mod geometric;
mod json_shape;
#[cfg(feature = "postgis")]
mod postgis;
mod range;
mod scalar;
mod system;
mod text_search;
#[doc(hidden)]
pub mod user;

pub use array::{Array, ArrayIter, Dimension};
pub use catalog::{JsonPath, NodeTree, RefCursor, Snapshot};
#[cfg(feature = "geo-types")]
pub use geo_conversions::NotExact;
pub use geometric::{Circle, Line, LineSegment, Path, PgBox, Point, Polygon};
#[doc(hidden)]
pub use json_shape::decode as json_shape_decode;
pub use json_shape::{FromJson, JsonError, JsonObject};
#[cfg(feature = "postgis")]
pub use postgis::{Ewkb, Geometry};
pub use range::{Bound, Multirange, Range};
pub use scalar::{Interval, MacAddr, MacAddr8, Money, TimeTz, Xml};
pub use system::{Cid, RegOid, Tid, Void, Xid, Xid8};
pub use text_search::{TsQuery, TsQueryItem, TsVector, TsVectorLexeme};

pub use postgres_types::{Date, FromSql, IsNull, Json, Kind, PgLsn, Timestamp, ToSql, Type, WrongType};

/// The error type of [`ToSql`] and [`FromSql`].
pub type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// Text a generated function accepts in an array parameter (`&[impl Str]`): `String`, `&str`,
/// `Box<str>` and `Cow<str>`, so a `Vec<String>` and a `&[&str]` both pass as they are.
///
/// Sealed: it only exists to keep text-array parameters both typed and borrow-friendly.
pub trait Str: ToSql + Sync + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

macro_rules! text {
    ($($ty:ty),*) => {$(
        impl sealed::Sealed for $ty {}
        impl Str for $ty {}
    )*};
}
text!(String, &str, Box<str>, std::borrow::Cow<'_, str>);

/// Unwraps domains, also inside arrays and ranges: the type whose wire format a value has.
///
/// PostgreSQL sends a domain value in its base type's format, but `postgres-types` only
/// accepts the exact type, so quarry decodes and encodes against this base type.
pub fn base_type(ty: &Type) -> std::borrow::Cow<'_, Type> {
    use std::borrow::Cow;
    let rebuild = |inner: Cow<'_, Type>, kind: fn(Type) -> Kind| match inner {
        Cow::Borrowed(_) => Cow::Borrowed(ty),
        Cow::Owned(inner) => Cow::Owned(Type::new(
            ty.name().to_string(),
            ty.oid(),
            kind(inner),
            ty.schema().to_string(),
        )),
    };
    match ty.kind() {
        Kind::Domain(base) => Cow::Owned(base_type(base).into_owned()),
        Kind::Array(element) => rebuild(base_type(element), Kind::Array),
        Kind::Range(element) => rebuild(base_type(element), Kind::Range),
        Kind::Multirange(element) => rebuild(base_type(element), Kind::Multirange),
        _ => Cow::Borrowed(ty),
    }
}

/// Decodes `raw` as `T`, looking through domains when `T` does not accept `ty` itself.
pub(crate) fn decode_value<'a, T: FromSql<'a>>(ty: &Type, raw: Option<&'a [u8]>) -> Result<T, BoxError> {
    if T::accepts(ty) {
        return T::from_sql_nullable(ty, raw);
    }
    let base = base_type(ty);
    if T::accepts(&base) {
        return T::from_sql_nullable(&base, raw);
    }
    Err(Box::new(WrongType::new::<T>(ty.clone())))
}

/// Reads one length-prefixed value (`-1` is NULL) from a composite, range or multirange body.
pub(crate) fn read_value<'a>(buf: &mut &'a [u8]) -> Result<Option<&'a [u8]>, BoxError> {
    let len = read_i32(buf)?;
    if len < 0 {
        return Ok(None);
    }
    let len = len as usize;
    if buf.len() < len {
        return Err("value is shorter than its length prefix".into());
    }
    let (value, rest) = buf.split_at(len);
    *buf = rest;
    Ok(Some(value))
}

/// Writes a 4-byte length placeholder, runs `write`, then patches in the length (or `-1`).
pub(crate) fn write_value(
    out: &mut bytes::BytesMut,
    write: impl FnOnce(&mut bytes::BytesMut) -> Result<IsNull, BoxError>,
) -> Result<(), BoxError> {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    let len = match write(out)? {
        IsNull::Yes => -1,
        IsNull::No => i32::try_from(out.len() - at - 4).map_err(|_| "value larger than 2 GiB")?,
    };
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

pub(crate) fn read_i32(buf: &mut &[u8]) -> Result<i32, BoxError> {
    let (head, rest) = buf.split_first_chunk::<4>().ok_or("unexpected end of value")?;
    *buf = rest;
    Ok(i32::from_be_bytes(*head))
}

/// The error of a generated enum's `FromStr`: the text is not one of its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseEnumError {
    type_name: &'static str,
    text: String,
}

impl ParseEnumError {
    #[doc(hidden)]
    pub fn new(type_name: &'static str, text: &str) -> Self {
        ParseEnumError {
            type_name,
            text: text.to_owned(),
        }
    }
}

impl std::fmt::Display for ParseEnumError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a label of enum `{}`", self.text, self.type_name)
    }
}

impl std::error::Error for ParseEnumError {}
