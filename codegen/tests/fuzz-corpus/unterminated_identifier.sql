-- name: q :one
SELECT "unterminated;
