-- An entry with no schema: its queries need no tables.
-- name: LockCustomer :exec
SELECT pg_advisory_xact_lock($1);

-- name: TryLockCustomer :one
SELECT pg_try_advisory_xact_lock($1) AS locked;

-- name: LockVoid :one
SELECT pg_advisory_xact_lock($1);
