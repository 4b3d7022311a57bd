-- name: q :one
SELECT a[1:2], a[:n], a[lo:hi], x::int, f(y := 1) FROM t WHERE id = :id?;
