-- sqlc reads this one file as schema and as queries: the statements without a header are the
-- schema, the headed ones are queries.
CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status order_status NOT NULL DEFAULT 'open',
    note text,
    total_cents bigint NOT NULL DEFAULT 0
);

/* name: CreateOrder :one */
INSERT INTO orders (customer_id, note) VALUES ($1, $2) RETURNING *;

CREATE INDEX orders_by_customer ON orders (customer_id);

# name: GetOrder :one
SELECT * FROM orders WHERE id = $1;

-- name: SetOrderNote :exec
-- $1 and $3 are written; @note takes the free number, $2, as sqlc numbers it.
UPDATE orders SET note = @note WHERE id = $1 AND customer_id = $3;
;
