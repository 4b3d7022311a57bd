-- A ticket search of real-world shape: seven optional filters (a range, an ANY(array), one
-- that needs a join, a flag, a text match), four sort choices, optional LIMIT and OFFSET.

-- name: search_tickets :many
-- A project's tickets, filtered, sorted and paged.
-- sort newest: t.created_at DESC, t.id DESC
-- sort oldest: t.created_at ASC, t.id ASC
-- sort priority: t.priority DESC, t.id ASC
-- sort title: t.title ASC, t.id ASC
SELECT t.id, t.title, t.status, t.priority, t.created_at, p.email AS assignee
FROM tickets t
LEFT JOIN people p ON p.id = t.assignee_id
JOIN ticket_labels l ON l.ticket_id = t.id     -- optional: label
WHERE t.project = :project
  AND t.status = :status                       -- optional
  AND t.priority = ANY(:priorities)            -- optional
  AND t.created_at >= :created_from            -- optional
  AND t.created_at < :created_to               -- optional
  AND l.label = :label                         -- optional
  AND t.closed_at IS NULL                      -- optional: open_only
  AND t.title ILIKE '%' || :text || '%'        -- optional
ORDER BY t.created_at DESC, t.id DESC          -- sort
LIMIT :limit                                   -- optional
OFFSET :offset                                 -- optional
;

-- name: count_tickets :one
-- How many tickets a search would find (the same filters, no order).
SELECT count(*) AS "count!"
FROM tickets t
WHERE t.project = :project
  AND t.status = :status                       -- optional
  AND t.closed_at IS NULL                      -- optional: open_only
;

-- name: page_tickets :many
-- A project's tickets a page at a time, each page continuing after the last row shown
-- (keyset pagination: no OFFSET to scan past).
-- sort newest: t.created_at DESC, t.id DESC
-- sort title: t.title ASC, t.id ASC
SELECT t.id, t.title, t.created_at
FROM tickets t
WHERE t.project = :project
  AND t.status = :status                       -- optional
  -- after
ORDER BY t.created_at DESC, t.id DESC          -- sort
LIMIT :limit
;
