-- Figure 9: a search with optional filters and a chosen order, as quarry writes it (one
-- statement per variant); bench/src/dynamic.rs runs the `IS NULL OR` / `CASE` form beside it.

-- name: search_tickets :many
-- sort newest: created_at DESC, id DESC
-- sort priority: priority DESC, id DESC
SELECT id, title
FROM tickets
WHERE true
  AND status = :status            -- optional
  AND assignee = :assignee        -- optional
  AND created_at >= :since        -- optional
ORDER BY created_at DESC, id DESC -- sort
LIMIT 20
;
