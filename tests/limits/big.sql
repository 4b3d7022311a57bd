-- Queries for tests/tests/limits.rs and tests/tests/stream_memory.rs.

-- name: series :iter
-- `count` rows made by the server, streamed.
SELECT g AS n, 'row ' || g AS label FROM generate_series(1, :count::bigint) AS g;

-- name: count_in :one
SELECT count(*) FROM numbers WHERE n = ANY(:ids);

-- name: add_numbers :batchexec
INSERT INTO numbers (n) VALUES (:n);

-- name: copy_numbers :copyfrom
INSERT INTO numbers (n) VALUES (:n);

-- name: count_numbers :one
SELECT count(*) AS count, coalesce(sum(n), 0)::bigint AS sum FROM numbers;

-- name: store_blob :one
INSERT INTO blobs (body) VALUES (:body) RETURNING id, length(body) AS len;

-- name: blob :one
SELECT body FROM blobs WHERE id = :id;
