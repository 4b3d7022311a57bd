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
