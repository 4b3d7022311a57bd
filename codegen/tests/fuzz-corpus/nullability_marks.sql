-- name: q :one
SELECT 1 AS "x!", 2 AS "y?", 3 AS "!";
