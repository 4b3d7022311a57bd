-- An enum and a composite type that a migration drops and re-creates under a live pool
-- (tests/tests/schema_changes.rs).

-- name: add_forecast :one
INSERT INTO forecasts (sky) VALUES (:sky) RETURNING id;

-- name: get_forecast :one
SELECT sky FROM forecasts WHERE id = :id;

-- name: add_reading :one
INSERT INTO readings (reading) VALUES (:reading) RETURNING id;

-- name: get_reading :one
SELECT reading FROM readings WHERE id = :id;
