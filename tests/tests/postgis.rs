//! PostGIS through generated functions (quarry-runtime's `postgis` feature): points, line
//! strings, polygons, multi-geometries and collections round-trip with their SRID; a spatial
//! query (`ST_DWithin` on `geography`) runs on the GiST index; Z coordinates are refused by
//! `Geometry` and kept by `Ewkb`.

use quarry::geo_types::{
    line_string, point, polygon, Geometry as Shape, GeometryCollection, LineString, MultiPoint, MultiPolygon,
};
use quarry::types::Geometry;
use quarry_tests::db::fresh_database_with;
use quarry_tests::postgis::{places, SCHEMA};

async fn client() -> quarry::Client {
    quarry::Client::connect(&fresh_database_with(&[SCHEMA]))
        .await
        .expect("connect")
}

fn wgs84(shape: impl Into<Shape<f64>>) -> Geometry {
    Geometry::new(Some(4326), shape)
}

#[tokio::test]
async fn geometries_round_trip_with_their_srid() {
    let client = client().await;
    let paris = wgs84(point!(x: 2.3522, y: 48.8566));
    let area = wgs84(polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 0.0)]);
    let route = wgs84(line_string![(x: 2.35, y: 48.85), (x: 4.83, y: 45.76), (x: 5.37, y: 43.30)]);
    let shape = Geometry::new(None, MultiPoint::from(vec![(1.0, 2.0), (3.0, 4.0)]));
    let id = places::add_place(
        &client,
        "Paris",
        &paris,
        Some(&area),
        Some(&route),
        Some(&shape),
        Some(&paris),
    )
    .await
    .unwrap();
    let row = places::get_place(&client, id).await.unwrap();
    assert_eq!(row.name, "Paris");
    assert_eq!(row.location, paris);
    assert_eq!((row.area, row.route), (Some(area), Some(route)));
    assert_eq!(row.shape, Some(shape), "no SRID stays none");
    assert_eq!(row.position, Some(paris));
    // NULLs in every nullable geometry column.
    let id = places::add_place(
        &client,
        "Nowhere",
        &wgs84(point!(x: 0.0, y: 0.0)),
        None,
        None,
        None,
        None,
    )
    .await
    .unwrap();
    let row = places::get_place(&client, id).await.unwrap();
    assert_eq!((row.area, row.route, row.shape, row.position), (None, None, None, None));
}

#[tokio::test]
async fn multi_geometries_and_collections_round_trip() {
    let client = client().await;
    let square = |x: f64| polygon![(x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x + 1.0, y: 1.0), (x: x, y: 0.0)];
    let with_hole = quarry::geo_types::Polygon::new(
        LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]),
        vec![LineString::from(vec![(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 2.0)])],
    );
    let shapes: Vec<(Shape<f64>, &str)> = vec![
        (
            MultiPolygon::new(vec![square(0.0), square(5.0)]).into(),
            "ST_MultiPolygon",
        ),
        (with_hole.into(), "ST_Polygon"),
        (
            quarry::geo_types::MultiLineString::new(vec![line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)]]).into(),
            "ST_MultiLineString",
        ),
        (
            Shape::GeometryCollection(GeometryCollection::from(vec![
                Shape::from(point!(x: 1.0, y: 1.0)),
                Shape::from(square(2.0)),
            ])),
            "ST_GeometryCollection",
        ),
        (point!(x: f64::MAX, y: -f64::MAX).into(), "ST_Point"),
    ];
    for (shape, kind) in shapes {
        for srid in [None, Some(3857)] {
            let value = Geometry::new(srid, shape.clone());
            let row = places::echo_shape(&client, &value).await.unwrap();
            assert_eq!(row.shape, value, "{kind}");
            assert_eq!(row.srid, Some(srid.unwrap_or(0)));
            assert_eq!(row.kind.as_deref(), Some(kind));
        }
    }
}

#[tokio::test]
async fn places_within_a_distance_on_the_globe() {
    let client = client().await;
    let cities = [
        ("Paris", 2.3522, 48.8566),
        ("Versailles", 2.1301, 48.8049),
        ("Lyon", 4.8357, 45.7640),
        ("Marseille", 5.3698, 43.2965),
    ];
    for (name, x, y) in cities {
        let at = wgs84(point!(x: x, y: y));
        places::add_place(&client, name, &at, None, None, None, Some(&at))
            .await
            .unwrap();
    }
    let paris = wgs84(point!(x: 2.3522, y: 48.8566));
    let near = places::places_near(&client, &paris, 50_000.0).await.unwrap();
    let names: Vec<&str> = near.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Paris", "Versailles"]);
    let versailles = near[1].meters.unwrap();
    assert!((15_000.0..20_000.0).contains(&versailles), "{versailles} m");
    let far = places::places_near(&client, &paris, 500_000.0).await.unwrap();
    assert_eq!(far.len(), 3, "Lyon is about 390 km away, Marseille 660 km");
}

#[tokio::test]
async fn z_coordinates_are_refused_by_geometry_and_kept_by_ewkb() {
    let client = client().await;
    let row = places::point_z(&client).await.unwrap();
    let ewkb = row.p.expect("a point");
    assert_eq!(ewkb.srid(), Some(4326));
    assert_eq!(ewkb.dimensions(), (true, false));
    assert_eq!(row.flattened, Some(wgs84(point!(x: 1.0, y: 2.0))));
    let error = client
        .query_one("SELECT ST_MakePoint(1, 2, 3)", &[])
        .await
        .unwrap()
        .try_get::<_, Geometry>(0)
        .unwrap_err();
    assert!(format!("{:?}", error).contains("Z or M coordinates"), "{error:?}");
}
