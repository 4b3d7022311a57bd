-- name: orders :many
SELECT id, placed_at FROM nest_orders ORDER BY id;

-- name: lines_of_order :many
SELECT * FROM nest_lines WHERE order_id = :order_id ORDER BY line;

-- name: orders_with_lines :many
-- One query, binary: each order's lines as the table's own struct.
SELECT o.id, o.placed_at,
       ARRAY(SELECT l FROM nest_lines l WHERE l.order_id = o.id ORDER BY l.line) AS lines
FROM nest_orders o ORDER BY o.id;

-- name: orders_with_lines_json :many
-- One query, JSON: typed structs read from json_agg(json_build_object(…)).
SELECT o.id, o.placed_at,
       (SELECT COALESCE(json_agg(json_build_object('line', l.line, 'qty', l.qty, 'price', l.price) ORDER BY l.line), '[]')
        FROM nest_lines l WHERE l.order_id = o.id) AS lines
FROM nest_orders o ORDER BY o.id;
