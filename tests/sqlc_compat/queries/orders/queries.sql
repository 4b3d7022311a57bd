-- name: OrdersWithCustomers :many
-- Two columns named id: id and id_2, as sqlc names them.
SELECT o.id, c.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id;

-- name: CountOrderRows :many
-- A SELECT without columns: one empty row struct per row.
SELECT FROM orders WHERE customer_id = $1;

-- name: OrdersByIDs :many
SELECT id, status FROM orders WHERE id = ANY(@ids::bigint[]) ORDER BY id;

-- name: OrderPlace :one
-- System columns: the row's place and the transaction that wrote it.
SELECT ctid, xmin, 'orders'::regclass AS rel FROM orders WHERE id = $1;

-- name: OrderSummaries :many
-- Repeated JSON column names (sqlc's json_build case): each object gets a struct of its own,
-- `_2` for the second; an empty object, and a call with an odd argument count, stay JSON.
SELECT json_build_object('id', o.id, 'note', o.note),
       json_build_object('status', o.status),
       json_build_object(),
       jsonb_agg(o.total_cents) OVER () AS totals
FROM orders o ORDER BY o.id;
