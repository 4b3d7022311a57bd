-- name: q :one
SELECT 1 /* /* nested */ still open
