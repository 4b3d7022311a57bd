//! The remaining built-in types a query can return, mostly met in catalog and monitoring
//! queries: `jsonpath`, `pg_snapshot` / `txid_snapshot`, `refcursor` and `pg_node_tree`.
//! (`int2vector` and `oidvector` are arrays on the wire and map to `Vec<i16>` / `Vec<u32>`.)
//!
//! `aclitem` is the one built-in type left out: PostgreSQL has no binary output for it, so no
//! binary-protocol client can read it; quarry's build-time error says to cast it to `text`.

use super::{read_i32, BoxError, FromSql, IsNull, ToSql, Type};
use bytes::BytesMut;
use std::fmt;

/// `jsonpath`: an SQL/JSON path expression, as PostgreSQL prints it (`$."a"[*] ? (@ > 1)`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct JsonPath(pub String);

/// The version byte that prefixes `jsonpath`'s binary format (PostgreSQL 12 and later).
const JSONPATH_VERSION: u8 = 1;

impl<'a> FromSql<'a> for JsonPath {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        match raw.split_first() {
            Some((&JSONPATH_VERSION, text)) => Ok(JsonPath(std::str::from_utf8(text)?.to_owned())),
            Some((version, _)) => Err(format!("unsupported jsonpath version {version}").into()),
            None => Err("empty jsonpath value".into()),
        }
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONPATH
    }
}

impl ToSql for JsonPath {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&[JSONPATH_VERSION]);
        out.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONPATH
    }
    postgres_types::to_sql_checked!();
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `pg_snapshot` (and the older `txid_snapshot`, same format): which transactions a snapshot
/// sees (`pg_current_snapshot()`). A transaction id below `xmin` is visible unless in progress
/// (listed in `in_progress`); one at or above `xmax` is not.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Snapshot {
    /// The earliest transaction still active.
    pub xmin: u64,
    /// One past the latest completed transaction.
    pub xmax: u64,
    /// Transactions between `xmin` and `xmax` in progress at the snapshot, ascending.
    pub in_progress: Vec<u64>,
}

fn is_snapshot(ty: &Type) -> bool {
    *ty == Type::PG_SNAPSHOT || *ty == Type::TXID_SNAPSHOT
}

fn read_u64(buf: &mut &[u8]) -> Result<u64, BoxError> {
    let (head, rest) = buf.split_first_chunk::<8>().ok_or("unexpected end of snapshot")?;
    *buf = rest;
    Ok(u64::from_be_bytes(*head))
}

impl<'a> FromSql<'a> for Snapshot {
    fn from_sql(_: &Type, mut raw: &'a [u8]) -> Result<Self, BoxError> {
        let count = usize::try_from(read_i32(&mut raw)?).map_err(|_| "negative transaction count")?;
        let (xmin, xmax) = (read_u64(&mut raw)?, read_u64(&mut raw)?);
        let in_progress = (0..count).map(|_| read_u64(&mut raw)).collect::<Result<_, _>>()?;
        if !raw.is_empty() {
            return Err("trailing bytes after the snapshot".into());
        }
        Ok(Snapshot {
            xmin,
            xmax,
            in_progress,
        })
    }
    fn accepts(ty: &Type) -> bool {
        is_snapshot(ty)
    }
}

impl ToSql for Snapshot {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let count = i32::try_from(self.in_progress.len()).map_err(|_| "too many transactions")?;
        out.extend_from_slice(&count.to_be_bytes());
        for xid in [self.xmin, self.xmax].iter().chain(&self.in_progress) {
            out.extend_from_slice(&xid.to_be_bytes());
        }
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        is_snapshot(ty)
    }
    postgres_types::to_sql_checked!();
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $oid:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub String);

        impl<'a> FromSql<'a> for $name {
            fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
                Ok($name(std::str::from_utf8(raw)?.to_owned()))
            }
            fn accepts(ty: &Type) -> bool {
                *ty == Type::$oid
            }
        }

        impl ToSql for $name {
            fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
                out.extend_from_slice(self.0.as_bytes());
                Ok(IsNull::No)
            }
            fn accepts(ty: &Type) -> bool {
                *ty == Type::$oid
            }
            postgres_types::to_sql_checked!();
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(
    /// `refcursor`: the name of an open cursor, as a function returns it (`FETCH ALL FROM "<name>"`).
    RefCursor, REFCURSOR
);
text_newtype!(
    /// `pg_node_tree`: a stored expression tree (`pg_class.relpartbound`, `pg_attrdef.adbin`) in
    /// PostgreSQL's text form; `pg_get_expr()` turns it into SQL. The server accepts none as input.
    NodeTree, PG_NODE_TREE
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_round_trips() {
        let snapshot = Snapshot {
            xmin: 10,
            xmax: 20,
            in_progress: vec![12, 15],
        };
        let mut buf = BytesMut::new();
        snapshot.to_sql(&Type::PG_SNAPSHOT, &mut buf).unwrap();
        assert_eq!(buf.len(), 4 + 8 * 4);
        assert_eq!(Snapshot::from_sql(&Type::PG_SNAPSHOT, &buf).unwrap(), snapshot);
        assert!(Snapshot::from_sql(&Type::PG_SNAPSHOT, &buf[..10]).is_err());
    }

    #[test]
    fn jsonpath_carries_its_version() {
        let mut buf = BytesMut::new();
        JsonPath("$.a".into()).to_sql(&Type::JSONPATH, &mut buf).unwrap();
        assert_eq!(&buf[..], b"\x01$.a");
        assert!(JsonPath::from_sql(&Type::JSONPATH, b"\x02$.a").is_err());
    }
}
