-- name: q :one
SELECT :é AS x;
