//! Array forms beyond `Vec<T>`: [`Array`] keeps every dimension, [`ArrayIter`] decodes
//! elements lazily from the row's buffer (the zero-copy row variant uses it).
//!
//! Generated code maps a PostgreSQL array to `Vec<T>`: PostgreSQL does not record the number
//! of dimensions in the type, and one dimension is what schemas use. A multi-dimensional value
//! read into a `Vec<T>` is a decode error; override the column to `quarry::types::Array<T>`.

use super::{base_type, decode_value, read_value, BoxError, FromSql, IsNull, Kind, ToSql, Type};
use bytes::BytesMut;
use postgres_protocol::types::{self as wire, ArrayDimension};
use std::marker::PhantomData;

/// One dimension of an [`Array`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dimension {
    /// Number of elements along this dimension.
    pub len: i32,
    /// Index of the first element (PostgreSQL's default is 1).
    pub lower_bound: i32,
}

/// A PostgreSQL array of any number of dimensions: elements in row-major order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Array<T> {
    /// The dimensions, outermost first; empty for an empty array.
    pub dimensions: Vec<Dimension>,
    /// Every element, row-major (`{{1,2},{3,4}}` is `[1, 2, 3, 4]`).
    pub elements: Vec<T>,
}

impl<T> Array<T> {
    /// A one-dimensional array with lower bound 1.
    pub fn from_vec(elements: Vec<T>) -> Self {
        let len = i32::try_from(elements.len()).expect("arrays hold fewer than 2^31 elements");
        let dimensions = if elements.is_empty() {
            Vec::new()
        } else {
            vec![Dimension { len, lower_bound: 1 }]
        };
        Array { dimensions, elements }
    }

    /// A row-major array with these dimensions (lower bounds 1); `None` if the element count
    /// does not match.
    pub fn with_dimensions(lens: &[i32], elements: Vec<T>) -> Option<Self> {
        let count: i64 = lens.iter().map(|&l| i64::from(l)).product();
        (count == elements.len() as i64 && lens.iter().all(|&l| l > 0)).then(|| Array {
            dimensions: lens.iter().map(|&len| Dimension { len, lower_bound: 1 }).collect(),
            elements,
        })
    }
}

fn member(ty: &Type) -> Option<Type> {
    match base_type(ty).kind() {
        Kind::Array(member) => Some(member.clone()),
        _ => None,
    }
}

fn accepts_array(ty: &Type, element_accepts: fn(&Type) -> bool) -> bool {
    match base_type(ty).kind() {
        Kind::Array(member) => element_accepts(member) || element_accepts(&base_type(member)),
        _ => false,
    }
}

impl<'a, T: FromSql<'a>> FromSql<'a> for Array<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        use fallible_iterator::FallibleIterator;
        let member = member(ty).ok_or("not an array type")?;
        let array = wire::array_from_sql(raw)?;
        let dimensions = array
            .dimensions()
            .map(|d| {
                Ok(Dimension {
                    len: d.len,
                    lower_bound: d.lower_bound,
                })
            })
            .collect()?;
        // Not `collect()`: it reserves the element count the header claims, which a broken or
        // hostile server can set to 2^31 with four bytes. Every element takes at least its
        // 4-byte length on the wire, so the bytes bound the capacity.
        let mut elements = Vec::with_capacity(raw.len() / 4);
        let mut values = array.values();
        while let Some(value) = values.next()? {
            elements.push(decode_value::<T>(&member, value)?);
        }
        Ok(Array { dimensions, elements })
    }

    fn accepts(ty: &Type) -> bool {
        accepts_array(ty, T::accepts)
    }
}

impl<T: ToSql> ToSql for Array<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let member = member(ty).ok_or("not an array type")?;
        let element = base_type(&member).into_owned();
        let dimensions = self.dimensions.iter().map(|d| ArrayDimension {
            len: d.len,
            lower_bound: d.lower_bound,
        });
        wire::array_to_sql(
            dimensions,
            member.oid(),
            &self.elements,
            |e, out| match e.to_sql(&element, out)? {
                IsNull::Yes => Ok(postgres_protocol::IsNull::Yes),
                IsNull::No => Ok(postgres_protocol::IsNull::No),
            },
            out,
        )?;
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        accepts_array(ty, <T as ToSql>::accepts)
    }

    postgres_types::to_sql_checked!();
}

/// An array column decoded lazily: each element is decoded from the row's buffer when the
/// iterator reaches it, so `&str` and `&[u8]` elements borrow instead of allocating.
/// Elements of every dimension are yielded in row-major order.
#[derive(Debug, Clone)]
pub struct ArrayIter<'a, T> {
    member: Type,
    values: &'a [u8],
    remaining: usize,
    marker: PhantomData<fn() -> T>,
}

impl<'a, T> ArrayIter<'a, T> {
    /// How many elements are left.
    pub fn len(&self) -> usize {
        self.remaining
    }

    /// Whether no elements are left.
    pub fn is_empty(&self) -> bool {
        self.remaining == 0
    }
}

impl<'a, T: FromSql<'a>> Iterator for ArrayIter<'a, T> {
    type Item = Result<T, BoxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        Some(read_value(&mut self.values).and_then(|v| decode_value::<T>(&self.member, v)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<'a, T: FromSql<'a>> FromSql<'a> for ArrayIter<'a, T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let member = member(ty).ok_or("not an array type")?;
        let mut buf = raw;
        let ndim = super::read_i32(&mut buf)?;
        let _has_nulls = super::read_i32(&mut buf)?;
        let _element_oid = super::read_i32(&mut buf)?;
        let mut remaining: usize = usize::from(ndim > 0);
        for _ in 0..ndim {
            let len = super::read_i32(&mut buf)?;
            let _lower_bound = super::read_i32(&mut buf)?;
            remaining = remaining.saturating_mul(usize::try_from(len).map_err(|_| "negative array length")?);
        }
        Ok(ArrayIter {
            member,
            values: buf,
            remaining,
            marker: PhantomData,
        })
    }

    fn accepts(ty: &Type) -> bool {
        accepts_array(ty, T::accepts)
    }
}
