-- name: add_product :one
INSERT INTO products (name, price, photo) VALUES (:name, :price, :photo?) RETURNING id;

-- name: add_order :one
INSERT INTO orders (placed_at, note) VALUES (:placed_at, :note?) RETURNING id;

-- name: add_line :exec
INSERT INTO order_lines (order_id, line, product_id, qty, discount)
VALUES (:order_id, :line, :product_id, :qty, :discount?);

-- name: orders_with_lines :many
-- Orders → lines → product, in JSON: numeric stays exact, timestamps keep their instant.
SELECT o.id, o.placed_at,
       COALESCE(json_agg(json_build_object(
           'line', l.line, 'qty', l.qty, 'discount', l.discount,
           'product', json_build_object('id', p.id, 'name', p.name, 'price', p.price),
           'total', l.qty * p.price * (1 - COALESCE(l.discount, 0)))
         ORDER BY l.line) FILTER (WHERE l.line IS NOT NULL), '[]') AS lines
FROM orders o
LEFT JOIN order_lines l ON l.order_id = o.id
LEFT JOIN products p ON p.id = l.product_id
GROUP BY o.id ORDER BY o.id;

-- name: order_lines_binary :many
-- The same one level deep in binary: each line as the table's own struct.
SELECT o.id, ARRAY(SELECT l FROM order_lines l WHERE l.order_id = o.id ORDER BY l.line) AS lines
FROM orders o ORDER BY o.id;

-- name: products_with_photos_json :one
-- bytea has no exact JSON form: this column stays serde_json::Value, with a warning.
SELECT json_agg(p ORDER BY p.id) AS products FROM products p;

-- name: order_ids_for_product :many
SELECT DISTINCT order_id FROM order_lines WHERE product_id = :product_id ORDER BY order_id;

-- name: lines_of_order :many
-- The N+1 pattern's inner query, for the benchmark.
SELECT * FROM order_lines WHERE order_id = :order_id ORDER BY line;
