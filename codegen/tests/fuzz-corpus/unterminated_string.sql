-- name: q :one
SELECT 'abc AS x;
