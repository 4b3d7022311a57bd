//! [`Range`] and [`Multirange`]: PostgreSQL's range types over any element type.
//!
//! Discrete ranges (`int4range`, `int8range`, `daterange`) come back from the server in
//! canonical form, `[lower, upper)`: `[1,5]` is read back as `[1,6)`.

use super::{base_type, read_i32, read_value, write_value, BoxError, FromSql, IsNull, Kind, ToSql, Type};
use bytes::BytesMut;
use postgres_protocol::types::{self as wire, RangeBound};

/// One end of a [`Range`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bound<T> {
    /// The value belongs to the range (`[` or `]`).
    Inclusive(T),
    /// The value does not belong to the range (`(` or `)`).
    Exclusive(T),
    /// No limit on this side (`(,` or `,)`).
    Unbounded,
}

/// A PostgreSQL range value (`int4range`, `tstzrange`, … and user-defined ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Range<T> {
    /// The empty range, `'empty'`.
    Empty,
    /// A range with two ends.
    Bounded {
        /// The lower end.
        lower: Bound<T>,
        /// The upper end.
        upper: Bound<T>,
    },
}

impl<T> Range<T> {
    /// A range from `lower` to `upper`.
    pub fn new(lower: Bound<T>, upper: Bound<T>) -> Self {
        Range::Bounded { lower, upper }
    }

    /// `[lower, upper)`, the canonical form of discrete ranges.
    pub fn half_open(lower: T, upper: T) -> Self {
        Range::new(Bound::Inclusive(lower), Bound::Exclusive(upper))
    }

    /// Whether this is the empty range.
    pub fn is_empty(&self) -> bool {
        matches!(self, Range::Empty)
    }

    /// The lower end, or `None` for the empty range.
    pub fn lower(&self) -> Option<&Bound<T>> {
        match self {
            Range::Empty => None,
            Range::Bounded { lower, .. } => Some(lower),
        }
    }

    /// The upper end, or `None` for the empty range.
    pub fn upper(&self) -> Option<&Bound<T>> {
        match self {
            Range::Empty => None,
            Range::Bounded { upper, .. } => Some(upper),
        }
    }
}

/// The element type of a range or multirange type, domains unwrapped.
fn element_type(ty: &Type) -> Option<Type> {
    match base_type(ty).kind() {
        Kind::Range(element) | Kind::Multirange(element) => Some(base_type(element).into_owned()),
        _ => None,
    }
}

fn accepts_range(ty: &Type, element_accepts: fn(&Type) -> bool, multi: bool) -> bool {
    match base_type(ty).kind() {
        Kind::Range(element) if !multi => element_accepts(&base_type(element)),
        Kind::Multirange(element) if multi => element_accepts(&base_type(element)),
        _ => false,
    }
}

fn decode_range<'a, T: FromSql<'a>>(element: &Type, raw: &'a [u8]) -> Result<Range<T>, BoxError> {
    let bound = |b: RangeBound<Option<&'a [u8]>>| -> Result<Bound<T>, BoxError> {
        Ok(match b {
            RangeBound::Inclusive(v) => Bound::Inclusive(T::from_sql(element, v.ok_or("NULL range bound")?)?),
            RangeBound::Exclusive(v) => Bound::Exclusive(T::from_sql(element, v.ok_or("NULL range bound")?)?),
            RangeBound::Unbounded => Bound::Unbounded,
        })
    };
    Ok(match wire::range_from_sql(raw)? {
        wire::Range::Empty => Range::Empty,
        wire::Range::Nonempty(lower, upper) => Range::new(bound(lower)?, bound(upper)?),
    })
}

fn encode_range<T: ToSql>(range: &Range<T>, element: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    let Range::Bounded { lower, upper } = range else {
        wire::empty_range_to_sql(out);
        return Ok(());
    };
    let bound = |b: &Bound<T>, out: &mut BytesMut| -> Result<RangeBound<postgres_protocol::IsNull>, BoxError> {
        let null = |n: IsNull| match n {
            IsNull::Yes => postgres_protocol::IsNull::Yes,
            IsNull::No => postgres_protocol::IsNull::No,
        };
        Ok(match b {
            Bound::Inclusive(v) => RangeBound::Inclusive(null(v.to_sql(element, out)?)),
            Bound::Exclusive(v) => RangeBound::Exclusive(null(v.to_sql(element, out)?)),
            Bound::Unbounded => RangeBound::Unbounded,
        })
    };
    wire::range_to_sql(|out| bound(lower, out), |out| bound(upper, out), out)
}

impl<'a, T: FromSql<'a>> FromSql<'a> for Range<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let element = element_type(ty).ok_or("not a range type")?;
        decode_range(&element, raw)
    }

    fn accepts(ty: &Type) -> bool {
        accepts_range(ty, T::accepts, false)
    }
}

impl<T: ToSql> ToSql for Range<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let element = element_type(ty).ok_or("not a range type")?;
        encode_range(self, &element, out)?;
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        accepts_range(ty, <T as ToSql>::accepts, false)
    }

    postgres_types::to_sql_checked!();
}

/// A PostgreSQL multirange value (`int4multirange`, …; PostgreSQL 14 and later): an ordered
/// list of non-overlapping, non-adjacent ranges, as the server normalises it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Multirange<T>(pub Vec<Range<T>>);

impl<'a, T: FromSql<'a>> FromSql<'a> for Multirange<T> {
    fn from_sql(ty: &Type, mut raw: &'a [u8]) -> Result<Self, BoxError> {
        let element = element_type(ty).ok_or("not a multirange type")?;
        let count = read_i32(&mut raw)?;
        let mut ranges = Vec::with_capacity(count.clamp(0, 1024) as usize);
        for _ in 0..count {
            let range = read_value(&mut raw)?.ok_or("NULL range in a multirange")?;
            ranges.push(decode_range(&element, range)?);
        }
        Ok(Multirange(ranges))
    }

    fn accepts(ty: &Type) -> bool {
        accepts_range(ty, T::accepts, true)
    }
}

impl<T: ToSql> ToSql for Multirange<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let element = element_type(ty).ok_or("not a multirange type")?;
        let count = i32::try_from(self.0.len()).map_err(|_| "too many ranges")?;
        out.extend_from_slice(&count.to_be_bytes());
        for range in &self.0 {
            write_value(out, |out| encode_range(range, &element, out).map(|()| IsNull::No))?;
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        accepts_range(ty, <T as ToSql>::accepts, true)
    }

    postgres_types::to_sql_checked!();
}
