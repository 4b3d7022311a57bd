//! PostgreSQL's built-in geometric types, exactly as the server stores them: `point`, `line`,
//! `lseg`, `box`, `path`, `polygon` and `circle`, all of `f64` coordinates in the binary
//! format. They are quarry's defaults; `.geo_types(true)` maps `point`, `box` and `path` to
//! geo-types instead (the others have no exact geo-types counterpart: a `line` is infinite, a
//! `circle` is not a polygon, and a `polygon` is not closed by a repeated point on the wire).

use super::{BoxError, FromSql, IsNull, ToSql, Type};
use bytes::{BufMut, BytesMut};

/// `point`: `(x, y)`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// The x coordinate.
    pub x: f64,
    /// The y coordinate.
    pub y: f64,
}

impl Point {
    /// The point `(x, y)`.
    pub const fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }
}

/// `line`: the infinite line `a·x + b·y + c = 0`, as PostgreSQL stores it (`{A,B,C}`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Line {
    /// `A`.
    pub a: f64,
    /// `B`.
    pub b: f64,
    /// `C`.
    pub c: f64,
}

/// `lseg`: the line segment from `start` to `end`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LineSegment {
    /// The first end point.
    pub start: Point,
    /// The second end point.
    pub end: Point,
}

/// `box`: a rectangle by two opposite corners. PostgreSQL normalises any two corners to the
/// upper-right (`high`) and lower-left (`low`) one, and sends them in that order.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PgBox {
    /// The upper-right corner.
    pub high: Point,
    /// The lower-left corner.
    pub low: Point,
}

/// `path`: points joined in order; `closed` joins the last to the first (`((…))` in text
/// form), an open path (`[…]`) does not.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Path {
    /// Whether the last point connects back to the first.
    pub closed: bool,
    /// The points in order.
    pub points: Vec<Point>,
}

/// `polygon`: a closed shape by its vertices in order (the last is not repeated).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Polygon {
    /// The vertices in order.
    pub points: Vec<Point>,
}

/// `circle`: a centre and a radius.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Circle {
    /// The centre.
    pub center: Point,
    /// The radius.
    pub radius: f64,
}

/// Reads big-endian `f64`s off the front of a buffer.
struct Reader<'a>(&'a [u8], &'static str);

impl Reader<'_> {
    fn f64(&mut self) -> Result<f64, BoxError> {
        let (head, rest) = self
            .0
            .split_first_chunk::<8>()
            .ok_or_else(|| format!("{}: the value is too short", self.1))?;
        self.0 = rest;
        Ok(f64::from_be_bytes(*head))
    }

    fn point(&mut self) -> Result<Point, BoxError> {
        Ok(Point {
            x: self.f64()?,
            y: self.f64()?,
        })
    }

    fn points(&mut self) -> Result<Vec<Point>, BoxError> {
        let (count, rest) = self
            .0
            .split_first_chunk::<4>()
            .ok_or_else(|| format!("{}: no point count", self.1))?;
        self.0 = rest;
        let count = i32::from_be_bytes(*count);
        let count = usize::try_from(count).map_err(|_| format!("{}: negative point count", self.1))?;
        if self.0.len() != count * 16 {
            return Err(format!(
                "{}: {count} points need {} bytes, got {}",
                self.1,
                count * 16,
                self.0.len()
            )
            .into());
        }
        (0..count).map(|_| self.point()).collect()
    }

    fn done<T>(self, value: T) -> Result<T, BoxError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(format!("{}: {} bytes left over", self.1, self.0.len()).into())
        }
    }
}

fn put_point(out: &mut BytesMut, p: &Point) {
    out.put_f64(p.x);
    out.put_f64(p.y);
}

fn put_points(out: &mut BytesMut, points: &[Point]) -> Result<(), BoxError> {
    out.put_i32(i32::try_from(points.len()).map_err(|_| "too many points")?);
    for p in points {
        put_point(out, p);
    }
    Ok(())
}

/// `FromSql` and `ToSql` for one type, from a decoder and an encoder.
macro_rules! geometric {
    ($ty:ty, $oid:ident, $what:literal, |$r:ident| $decode:expr, |$v:ident, $out:ident| $encode:expr) => {
        impl<'a> FromSql<'a> for $ty {
            fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
                let mut $r = Reader(raw, $what);
                let value = $decode;
                $r.done(value)
            }
            fn accepts(ty: &Type) -> bool {
                *ty == Type::$oid
            }
        }

        impl ToSql for $ty {
            fn to_sql(&self, _: &Type, $out: &mut BytesMut) -> Result<IsNull, BoxError> {
                let $v = self;
                $encode;
                Ok(IsNull::No)
            }
            fn accepts(ty: &Type) -> bool {
                *ty == Type::$oid
            }
            postgres_types::to_sql_checked!();
        }
    };
}

geometric!(Point, POINT, "point", |r| r.point()?, |v, out| put_point(out, v));
geometric!(
    Line,
    LINE,
    "line",
    |r| Line {
        a: r.f64()?,
        b: r.f64()?,
        c: r.f64()?
    },
    |v, out| {
        out.put_f64(v.a);
        out.put_f64(v.b);
        out.put_f64(v.c);
    }
);
geometric!(
    LineSegment,
    LSEG,
    "lseg",
    |r| LineSegment {
        start: r.point()?,
        end: r.point()?
    },
    |v, out| {
        put_point(out, &v.start);
        put_point(out, &v.end);
    }
);
geometric!(
    PgBox,
    BOX,
    "box",
    |r| PgBox {
        high: r.point()?,
        low: r.point()?
    },
    |v, out| {
        put_point(out, &v.high);
        put_point(out, &v.low);
    }
);
geometric!(
    Path,
    PATH,
    "path",
    |r| {
        let (flag, rest) = r.0.split_first().ok_or("path: empty value")?;
        r.0 = rest;
        Path {
            closed: *flag != 0,
            points: r.points()?,
        }
    },
    |v, out| {
        out.put_u8(u8::from(v.closed));
        put_points(out, &v.points)?;
    }
);
geometric!(
    Polygon,
    POLYGON,
    "polygon",
    |r| Polygon { points: r.points()? },
    |v, out| put_points(out, &v.points)?
);
geometric!(
    Circle,
    CIRCLE,
    "circle",
    |r| Circle {
        center: r.point()?,
        radius: r.f64()?
    },
    |v, out| {
        put_point(out, &v.center);
        out.put_f64(v.radius);
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: ToSql + for<'a> FromSql<'a> + PartialEq + std::fmt::Debug>(ty: Type, value: T) {
        let mut buf = BytesMut::new();
        value.to_sql(&ty, &mut buf).unwrap();
        assert_eq!(T::from_sql(&ty, &buf).unwrap(), value);
    }

    #[test]
    fn binary_round_trips() {
        let p = Point::new(1.5, -2.0);
        round_trip(Type::POINT, p);
        round_trip(
            Type::LINE,
            Line {
                a: 1.0,
                b: -1.0,
                c: 0.5,
            },
        );
        round_trip(
            Type::LSEG,
            LineSegment {
                start: p,
                end: Point::new(3.0, 4.0),
            },
        );
        round_trip(
            Type::BOX,
            PgBox {
                high: Point::new(2.0, 2.0),
                low: p,
            },
        );
        round_trip(
            Type::PATH,
            Path {
                closed: true,
                points: vec![p, Point::new(0.0, 0.0)],
            },
        );
        round_trip(Type::POLYGON, Polygon { points: vec![p, p, p] });
        round_trip(Type::CIRCLE, Circle { center: p, radius: 3.0 });
        assert!(Polygon::from_sql(&Type::POLYGON, &[0, 0, 0, 2, 0]).is_err(), "short");
        assert!(Point::from_sql(&Type::POINT, &[0; 17]).is_err(), "long");
    }
}
