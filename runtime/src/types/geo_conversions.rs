//! Conversions between quarry's geometric types and geo-types (feature `geo-types`), only
//! where no information is lost: `From` when every value converts exactly both ways, `TryFrom`
//! when some values of one side have no counterpart (a closed `path`, a polygon with holes).
//! `line` (infinite) and `circle` have no geo-types counterpart and no conversion.

use super::geometric::{LineSegment, Path, PgBox, Point, Polygon};
use geo_types::{Coord, LineString};

impl From<Point> for geo_types::Point<f64> {
    fn from(p: Point) -> Self {
        geo_types::Point::new(p.x, p.y)
    }
}

impl From<geo_types::Point<f64>> for Point {
    fn from(p: geo_types::Point<f64>) -> Self {
        Point::new(p.x(), p.y())
    }
}

impl From<Point> for Coord<f64> {
    fn from(p: Point) -> Self {
        Coord { x: p.x, y: p.y }
    }
}

impl From<Coord<f64>> for Point {
    fn from(c: Coord<f64>) -> Self {
        Point::new(c.x, c.y)
    }
}

impl From<LineSegment> for geo_types::Line<f64> {
    fn from(s: LineSegment) -> Self {
        geo_types::Line::new(Coord::from(s.start), Coord::from(s.end))
    }
}

impl From<geo_types::Line<f64>> for LineSegment {
    fn from(l: geo_types::Line<f64>) -> Self {
        LineSegment {
            start: l.start.into(),
            end: l.end.into(),
        }
    }
}

/// Both sides keep a rectangle by its two extreme corners (PostgreSQL's `high` is geo-types'
/// `max`).
impl From<PgBox> for geo_types::Rect<f64> {
    fn from(b: PgBox) -> Self {
        geo_types::Rect::new(Coord::from(b.low), Coord::from(b.high))
    }
}

impl From<geo_types::Rect<f64>> for PgBox {
    fn from(r: geo_types::Rect<f64>) -> Self {
        PgBox {
            high: r.max().into(),
            low: r.min().into(),
        }
    }
}

/// A geometry that has no exact counterpart on the other side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotExact(&'static str);

impl std::fmt::Display for NotExact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for NotExact {}

/// An open path is a line string; a closed one is refused (a geo-types line string that ends
/// where it starts cannot tell a closed path from an open one that returns to its start).
impl TryFrom<Path> for LineString<f64> {
    type Error = NotExact;
    fn try_from(path: Path) -> Result<Self, NotExact> {
        if path.closed {
            return Err(NotExact("a closed path has no exact geo-types LineString; use Polygon"));
        }
        Ok(path.points.into_iter().map(Coord::from).collect())
    }
}

/// A line string is an open path.
impl From<LineString<f64>> for Path {
    fn from(line: LineString<f64>) -> Self {
        Path {
            closed: false,
            points: line.0.into_iter().map(Point::from).collect(),
        }
    }
}

/// A polygon is a geo-types polygon without holes (geo-types repeats the first vertex at the
/// end of the ring; PostgreSQL does not).
impl From<Polygon> for geo_types::Polygon<f64> {
    fn from(polygon: Polygon) -> Self {
        let ring = polygon.points.into_iter().map(Coord::from).collect();
        geo_types::Polygon::new(ring, Vec::new())
    }
}

/// Refused for a polygon with holes, which PostgreSQL's `polygon` cannot hold.
impl TryFrom<geo_types::Polygon<f64>> for Polygon {
    type Error = NotExact;
    fn try_from(polygon: geo_types::Polygon<f64>) -> Result<Self, NotExact> {
        if !polygon.interiors().is_empty() {
            return Err(NotExact("PostgreSQL's polygon has no holes"));
        }
        let (exterior, _) = polygon.into_inner();
        let mut points: Vec<Point> = exterior.0.into_iter().map(Point::from).collect();
        if points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        Ok(Polygon { points })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_are_exact_both_ways() {
        let (p, q) = (Point::new(1.5, -2.0), Point::new(-3.0, 4.0));
        assert_eq!(Point::from(geo_types::Point::from(p)), p);
        let segment = LineSegment { start: p, end: q };
        assert_eq!(LineSegment::from(geo_types::Line::from(segment)), segment);
        let pg_box = PgBox {
            high: Point::new(1.5, 4.0),
            low: Point::new(-3.0, -2.0),
        };
        assert_eq!(PgBox::from(geo_types::Rect::from(pg_box)), pg_box);
        let open = Path {
            closed: false,
            points: vec![p, q],
        };
        assert_eq!(Path::from(LineString::try_from(open.clone()).unwrap()), open);
        assert!(LineString::try_from(Path { closed: true, ..open }).is_err());
        let triangle = Polygon {
            points: vec![p, q, Point::new(0.0, 0.0)],
        };
        let geo = geo_types::Polygon::from(triangle.clone());
        assert_eq!(geo.exterior().0.len(), 4, "geo-types closes the ring");
        assert_eq!(Polygon::try_from(geo).unwrap(), triangle);
    }
}
