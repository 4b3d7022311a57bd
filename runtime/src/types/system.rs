//! PostgreSQL's system types that real schemas and queries meet: transaction and command
//! ids (`xid`, `xid8`, `cid`), tuple ids (`tid`, as in `ctid`), the object-id aliases
//! (`regclass`, `regtype`, `regproc`, …) and `void` (what `pg_advisory_xact_lock()` and other
//! procedures-as-functions return). `postgres-types` maps none of them: `u32` accepts only
//! `oid`. Each is a plain value in PostgreSQL's binary format.

use super::{BoxError, FromSql, IsNull, ToSql, Type};
use bytes::BytesMut;

fn exact<const N: usize>(raw: &[u8], what: &str) -> Result<[u8; N], BoxError> {
    raw.try_into()
        .map_err(|_| format!("{what} must be {N} bytes, got {}", raw.len()).into())
}

macro_rules! u32_like {
    ($(#[$doc:meta])* $name:ident, $what:literal, $($oid:ident)|+) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub u32);

        impl<'a> FromSql<'a> for $name {
            fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
                Ok($name(u32::from_be_bytes(exact(raw, $what)?)))
            }
            fn accepts(ty: &Type) -> bool {
                matches!(*ty, $(Type::$oid)|+)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
                out.extend_from_slice(&self.0.to_be_bytes());
                Ok(IsNull::No)
            }
            fn accepts(ty: &Type) -> bool {
                matches!(*ty, $(Type::$oid)|+)
            }
            postgres_types::to_sql_checked!();
        }
    };
}

u32_like!(
    /// `xid`: a 32-bit transaction id (`xmin`, `xmax`), which wraps around.
    Xid, "xid", XID
);
u32_like!(
    /// `cid`: a command id within a transaction (`cmin`, `cmax`).
    Cid, "cid", CID
);
u32_like!(
    /// An object-id alias — `regclass`, `regtype`, `regproc`, `regprocedure`, `regoper`,
    /// `regoperator`, `regconfig`, `regdictionary`, `regnamespace`, `regrole`,
    /// `regcollation` — as the object's oid (`'users'::regclass` is the table's oid).
    RegOid, "reg* oid",
    REGCLASS | REGTYPE | REGPROC | REGPROCEDURE | REGOPER | REGOPERATOR | REGCONFIG | REGDICTIONARY | REGNAMESPACE | REGROLE | REGCOLLATION
);

/// `xid8`: a 64-bit transaction id that does not wrap (`pg_current_xact_id()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Xid8(pub u64);

impl<'a> FromSql<'a> for Xid8 {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Xid8(u64::from_be_bytes(exact(raw, "xid8")?)))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::XID8
    }
}

impl ToSql for Xid8 {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.0.to_be_bytes());
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::XID8
    }
    postgres_types::to_sql_checked!();
}

/// `tid`: a row version's physical place (`ctid`), block number and line pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Tid {
    /// The heap block.
    pub block: u32,
    /// The line pointer within the block, from 1.
    pub offset: u16,
}

impl<'a> FromSql<'a> for Tid {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let [a, b, c, d, e, f]: [u8; 6] = exact(raw, "tid")?;
        Ok(Tid {
            block: u32::from_be_bytes([a, b, c, d]),
            offset: u16::from_be_bytes([e, f]),
        })
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::TID
    }
}

impl ToSql for Tid {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.block.to_be_bytes());
        out.extend_from_slice(&self.offset.to_be_bytes());
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::TID
    }
    postgres_types::to_sql_checked!();
}

/// `void`: the result of a function that returns nothing (`SELECT pg_advisory_xact_lock(1)`).
/// It carries no value; a row of it says only that the call ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Void;

impl<'a> FromSql<'a> for Void {
    fn from_sql(_: &Type, _: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Void)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::VOID
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_formats() {
        let mut buf = BytesMut::new();
        Tid { block: 7, offset: 3 }.to_sql(&Type::TID, &mut buf).unwrap();
        assert_eq!(&buf[..], [0, 0, 0, 7, 0, 3]);
        assert_eq!(Tid::from_sql(&Type::TID, &buf).unwrap(), Tid { block: 7, offset: 3 });
        assert_eq!(Xid::from_sql(&Type::XID, &[0, 0, 1, 0]).unwrap(), Xid(256));
        assert!(Xid::from_sql(&Type::XID, &[0, 1]).is_err());
        assert!(<RegOid as FromSql>::accepts(&Type::REGCLASS));
        assert!(!<RegOid as FromSql>::accepts(&Type::OID));
    }
}
