-- Operations: a slow query for the timeout and cancellation tests (tests/tests/timeouts.rs).

-- name: sleep :exec
SELECT pg_sleep(:seconds);

-- Which kind of server answered: routing and failover tests (tests/tests/replica.rs).
-- name: in_recovery :one
-- `true` on a standby. A plain SELECT: `quarry::Routed` sends it to the replica.
SELECT pg_is_in_recovery() AS "standby!", inet_server_port() AS "port!";

-- name: in_recovery_on_primary :one
-- The same, marked for the primary.
-- route: primary
SELECT pg_is_in_recovery() AS "standby!", inet_server_port() AS "port!";

-- name: unusual_names :one
-- Column names PostgreSQL allows that are not ASCII identifiers: `naïve` and `_1st` in Rust.
SELECT 1 AS "naïve", 2 AS "1st", 3 AS "created at";

-- name: prepared_statements :one
-- Statements prepared by name on this connection (none in the unnamed mode; in the prepared
-- mode this one among them): tests/tests/flavours.rs.
SELECT count(*) AS "count!" FROM pg_prepared_statements;
