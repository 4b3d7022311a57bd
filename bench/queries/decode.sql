-- name: read_rows :many
SELECT id, name, email, payload, tags FROM bench_rows ORDER BY id;
