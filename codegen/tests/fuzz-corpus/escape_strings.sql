-- name: q :one
SELECT E'it\'s', E'\\';
