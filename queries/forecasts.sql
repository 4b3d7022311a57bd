-- An enum that a migration drops and re-creates under a live pool (tests/tests/schema_changes.rs).

-- name: add_forecast :one
INSERT INTO forecasts (sky) VALUES (:sky) RETURNING id;

-- name: get_forecast :one
SELECT sky FROM forecasts WHERE id = :id;
