//! Scalar types `postgres-types` has no mapping for: `money`, `interval`, `timetz`,
//! `macaddr`, `macaddr8` and `xml`. Each is a plain value type with public fields, encoded in
//! PostgreSQL's binary format.

use super::{BoxError, FromSql, IsNull, ToSql, Type};
use bytes::BytesMut;
use std::fmt;

fn exact<const N: usize>(raw: &[u8], what: &str) -> Result<[u8; N], BoxError> {
    raw.try_into()
        .map_err(|_| format!("{what} must be {N} bytes, got {}", raw.len()).into())
}

macro_rules! accepts_oid {
    ($($ty:ident),+) => {
        fn accepts(ty: &Type) -> bool {
            matches!(*ty, $(Type::$ty)|+)
        }
    };
}

/// `money`: an amount in the currency's smallest unit (cents when `lc_monetary` has two
/// decimals), exactly as PostgreSQL stores it — no floating point, no locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

impl<'a> FromSql<'a> for Money {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Money(i64::from_be_bytes(exact(raw, "money")?)))
    }
    accepts_oid!(MONEY);
}

impl ToSql for Money {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.0.to_be_bytes());
        Ok(IsNull::No)
    }
    accepts_oid!(MONEY);
    postgres_types::to_sql_checked!();
}

/// `interval`, kept in PostgreSQL's three fields: months and days are not a fixed number of
/// microseconds (a month may have 28–31 days, a day 23–25 hours across DST), so they are not
/// folded into one duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Interval {
    /// Whole months (years × 12 + months).
    pub months: i32,
    /// Whole days.
    pub days: i32,
    /// The time part, in microseconds.
    pub microseconds: i64,
}

impl Interval {
    /// An interval of `months`, `days` and `microseconds`.
    pub const fn new(months: i32, days: i32, microseconds: i64) -> Self {
        Interval {
            months,
            days,
            microseconds,
        }
    }
}

impl<'a> FromSql<'a> for Interval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let raw: [u8; 16] = exact(raw, "interval")?;
        let [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = raw;
        Ok(Interval {
            microseconds: i64::from_be_bytes([a, b, c, d, e, f, g, h]),
            days: i32::from_be_bytes([i, j, k, l]),
            months: i32::from_be_bytes([m, n, o, p]),
        })
    }
    accepts_oid!(INTERVAL);
}

impl ToSql for Interval {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.microseconds.to_be_bytes());
        out.extend_from_slice(&self.days.to_be_bytes());
        out.extend_from_slice(&self.months.to_be_bytes());
        Ok(IsNull::No)
    }
    accepts_oid!(INTERVAL);
    postgres_types::to_sql_checked!();
}

/// `timetz`: a time of day with a UTC offset. `T` is the time type of the configured time
/// crate (`chrono::NaiveTime` or `time::Time`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeTz<T> {
    /// The local time of day.
    pub time: T,
    /// Seconds east of UTC (`+02:00` is `7200`), the ISO sign convention.
    pub utc_offset_seconds: i32,
}

impl<'a, T: FromSql<'a>> FromSql<'a> for TimeTz<T> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        if raw.len() != 12 {
            return Err(format!("timetz must be 12 bytes, got {}", raw.len()).into());
        }
        let (time, zone) = raw.split_at(8);
        Ok(TimeTz {
            time: T::from_sql(&Type::TIME, time)?,
            // PostgreSQL stores seconds *west* of UTC.
            utc_offset_seconds: -i32::from_be_bytes(exact(zone, "timetz zone")?),
        })
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMETZ && T::accepts(&Type::TIME)
    }
}

impl<T: ToSql> ToSql for TimeTz<T> {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        self.time.to_sql(&Type::TIME, out)?;
        let west = self.utc_offset_seconds.checked_neg().ok_or("UTC offset out of range")?;
        out.extend_from_slice(&west.to_be_bytes());
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMETZ && T::accepts(&Type::TIME)
    }
    postgres_types::to_sql_checked!();
}

/// `macaddr`: a 6-byte (EUI-48) MAC address; displays as `08:00:2b:01:02:03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

/// `macaddr8`: an 8-byte (EUI-64) MAC address; displays as `08:00:2b:01:02:03:04:05`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MacAddr8(pub [u8; 8]);

macro_rules! mac {
    ($name:ident, $len:literal, $oid:ident) => {
        impl<'a> FromSql<'a> for $name {
            fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
                Ok($name(exact(raw, stringify!($oid))?))
            }
            accepts_oid!($oid);
        }

        impl ToSql for $name {
            fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
                out.extend_from_slice(&self.0);
                Ok(IsNull::No)
            }
            accepts_oid!($oid);
            postgres_types::to_sql_checked!();
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for (i, byte) in self.0.iter().enumerate() {
                    if i > 0 {
                        f.write_str(":")?;
                    }
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
        }
    };
}
mac!(MacAddr, 6, MACADDR);
mac!(MacAddr8, 8, MACADDR8);

/// `xml`: the document as text. PostgreSQL checks well-formedness when it receives it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Xml(pub String);

impl<'a> FromSql<'a> for Xml {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Xml(std::str::from_utf8(raw)?.to_owned()))
    }
    accepts_oid!(XML);
}

impl ToSql for Xml {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
    accepts_oid!(XML);
    postgres_types::to_sql_checked!();
}

impl fmt::Display for Xml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
