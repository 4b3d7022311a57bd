-- Table rows as values. A table's row type keeps the table's NOT NULL columns non-null in its
-- generated struct (`types::Employees { name: String, bonus: Option<Decimal>, … }`): the
-- execution tests decode every row here, NULL-filled columns included, through those structs.

-- name: whole_row :many
-- expect: e!
SELECT e FROM employees e;

-- name: whole_row_outer_joined :many
-- expect: id! d?
SELECT e.id, d FROM employees e LEFT JOIN departments d ON d.id = e.dept_id;

-- name: whole_row_outer_joined_then_filtered :many
-- expect: id! d!
SELECT e.id, d FROM employees e LEFT JOIN departments d ON d.id = e.dept_id WHERE d.id IS NOT NULL;

-- name: rows_aggregated :many
-- expect: name! staff![!]
SELECT d.name, array_agg(e ORDER BY e.id) AS staff
FROM departments d JOIN employees e ON e.dept_id = d.id GROUP BY d.id, d.name;

-- name: rows_aggregated_across_an_outer_join :many
-- expect: name! staff![?]
SELECT d.name, array_agg(e) AS staff
FROM departments d LEFT JOIN employees e ON e.dept_id = d.id GROUP BY d.id, d.name;

-- name: rows_in_an_array_subquery :many
-- expect: id! lines![!]
SELECT o.id, ARRAY(SELECT l FROM order_lines l WHERE l.order_id = o.id) AS lines FROM orders o;

-- name: rows_aggregated_filtered_across_an_outer_join :many
-- expect: name! staff?[!]
SELECT d.name, array_agg(e ORDER BY e.id) FILTER (WHERE e.id IS NOT NULL) AS staff
FROM departments d LEFT JOIN employees e ON e.dept_id = d.id GROUP BY d.id, d.name;

-- name: rows_aggregated_filtered_or_empty :many
-- expect: name! staff![!]
SELECT d.name, COALESCE(array_agg(e ORDER BY e.id) FILTER (WHERE e.id IS NOT NULL), '{}') AS staff
FROM departments d LEFT JOIN employees e ON e.dept_id = d.id GROUP BY d.id, d.name;
