-- name: q :one
SELECT 'ÿþ';
