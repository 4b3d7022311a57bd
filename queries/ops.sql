-- Operations: a slow query for the timeout and cancellation tests (tests/tests/timeouts.rs).

-- name: sleep :exec
SELECT pg_sleep(:seconds);
