-- name: q :one
SELECT 1;
