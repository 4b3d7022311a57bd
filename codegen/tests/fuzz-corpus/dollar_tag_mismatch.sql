-- name: q :one
SELECT $tag$ body $tg$;
