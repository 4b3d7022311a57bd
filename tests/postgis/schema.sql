-- PostGIS (tests/tests/postgis.rs): typed and untyped geometry columns, a geography column
-- and a spatial index, as a real schema holds them.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE places (
    id       serial PRIMARY KEY,
    name     text NOT NULL,
    location geometry(Point, 4326) NOT NULL,
    area     geometry(Polygon, 4326),
    route    geometry(LineString, 4326),
    shape    geometry,
    position geography(Point, 4326)
);

CREATE INDEX places_position ON places USING gist (position);
