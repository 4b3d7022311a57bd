//! PostGIS `geometry` and `geography` (feature `postgis`), through geozero's EWKB codec into
//! geo-types, with the SRID kept beside the shape.
//!
//! geo-types holds two-dimensional coordinates only, so a value with Z or M coordinates is a
//! decode error rather than silently flattened; read such columns as [`Ewkb`] (the value's
//! bytes as PostGIS sent them, every dimension kept), which geozero (re-exported as
//! `quarry::geozero`) can process into WKT, GeoJSON or its other formats.

use super::{BoxError, FromSql, IsNull, ToSql, Type};
use bytes::BytesMut;
use geozero::wkb::{FromWkb, WkbDialect};
use geozero::{CoordDimensions, ToWkb};

/// EWKB type flags (PostGIS `liblwgeom`): Z and M coordinates, an SRID after the type.
const FLAG_Z: u32 = 0x8000_0000;
const FLAG_M: u32 = 0x4000_0000;
const FLAG_SRID: u32 = 0x2000_0000;

fn is_postgis(ty: &Type) -> bool {
    matches!(ty.name(), "geometry" | "geography")
}

/// A PostGIS `geometry` or `geography` value: a two-dimensional geo-types shape (point, line
/// string, polygon, their multi forms, a collection) and its spatial reference id.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// The spatial reference id (`4326` for WGS 84), or `None` when the value has none
    /// (`geometry` without SRID is SRID 0 in PostGIS).
    pub srid: Option<i32>,
    /// The shape.
    pub geometry: geo_types::Geometry<f64>,
}

impl Geometry {
    /// `geometry` in spatial reference `srid`.
    pub fn new(srid: Option<i32>, geometry: impl Into<geo_types::Geometry<f64>>) -> Self {
        Geometry {
            srid,
            geometry: geometry.into(),
        }
    }
}

/// The EWKB header of a value: its type word (with flags) and SRID.
fn header(raw: &[u8]) -> Result<(u32, Option<i32>), BoxError> {
    let (&order, rest) = raw.split_first().ok_or("empty geometry value")?;
    let word = |bytes: &[u8]| -> Result<[u8; 4], BoxError> {
        bytes
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| "truncated EWKB header".into())
    };
    let read = |bytes: [u8; 4]| match order {
        0 => u32::from_be_bytes(bytes),
        _ => u32::from_le_bytes(bytes),
    };
    let kind = read(word(rest)?);
    let srid = match kind & FLAG_SRID {
        0 => None,
        _ => Some(read(word(&rest[4..])?) as i32),
    };
    Ok((kind, srid))
}

impl<'a> FromSql<'a> for Geometry {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let (kind, srid) = header(raw)?;
        if kind & (FLAG_Z | FLAG_M) != 0 {
            return Err("the geometry has Z or M coordinates, which geo-types cannot hold: \
                        read the column as `quarry::types::Ewkb` (type override), or drop them in \
                        the SQL with `ST_Force2D(…)`"
                .into());
        }
        let geometry = geo_types::Geometry::<f64>::from_wkb(&mut std::io::Cursor::new(raw), WkbDialect::Ewkb)?;
        Ok(Geometry {
            srid: srid.filter(|&s| s != 0),
            geometry,
        })
    }
    fn accepts(ty: &Type) -> bool {
        is_postgis(ty)
    }
}

impl ToSql for Geometry {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.geometry.to_ewkb(CoordDimensions::xy(), self.srid)?);
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        is_postgis(ty)
    }
    postgres_types::to_sql_checked!();
}

/// A PostGIS `geometry` or `geography` value as the EWKB bytes PostGIS sends and accepts:
/// every dimension (Z, M) and the SRID kept. Process it with `quarry::geozero`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Ewkb(pub Vec<u8>);

impl Ewkb {
    /// The value's SRID, if its header carries one.
    pub fn srid(&self) -> Option<i32> {
        header(&self.0).ok().and_then(|(_, srid)| srid).filter(|&s| s != 0)
    }

    /// Whether the value has Z (height) and M (measure) coordinates.
    pub fn dimensions(&self) -> (bool, bool) {
        header(&self.0).map_or((false, false), |(kind, _)| (kind & FLAG_Z != 0, kind & FLAG_M != 0))
    }
}

impl<'a> FromSql<'a> for Ewkb {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Ewkb(raw.to_vec()))
    }
    fn accepts(ty: &Type) -> bool {
        is_postgis(ty)
    }
}

impl ToSql for Ewkb {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        is_postgis(ty)
    }
    postgres_types::to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srid_round_trips_through_ewkb() {
        let point = Geometry::new(Some(4326), geo_types::Point::new(2.35, 48.85));
        let mut buf = BytesMut::new();
        point.to_sql(&Type::BYTEA, &mut buf).unwrap();
        assert_eq!(header(&buf).unwrap(), (1 | FLAG_SRID, Some(4326)));
        assert_eq!(Geometry::from_sql(&Type::BYTEA, &buf).unwrap(), point);
        assert_eq!(Ewkb(buf.to_vec()).srid(), Some(4326));
    }
}
