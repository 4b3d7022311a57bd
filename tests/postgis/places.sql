-- name: add_place :one
INSERT INTO places (name, location, area, route, shape, position)
VALUES (:name, :location, :area?, :route?, :shape?, :position?)
RETURNING id;

-- name: get_place :one
SELECT * FROM places WHERE id = :id;

-- Places within `meters` of a point on the globe, nearest first (uses the GiST index).
-- name: places_near :many
SELECT id, name, ST_Distance(position, :center::geography) AS meters
FROM places
WHERE ST_DWithin(position, :center::geography, :meters::float8)
ORDER BY meters;

-- Any geometry through a parameter and back: multi-geometries and collections included.
-- name: echo_shape :one
SELECT :shape::geometry AS shape, ST_SRID(:shape::geometry) AS srid, ST_GeometryType(:shape::geometry) AS kind;

-- Z coordinates do not fit geo-types: this column is overridden to `quarry::types::Ewkb` in
-- tests/build.rs, and `flattened` drops Z in SQL.
-- name: point_z :one
SELECT ST_SetSRID(ST_MakePoint(1, 2, 3), 4326) AS p, ST_Force2D(ST_SetSRID(ST_MakePoint(1, 2, 3), 4326)) AS flattened;
