-- name: q :one
SELECT $1, $99999999999, $0;
