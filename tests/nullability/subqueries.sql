-- name: scalar_subquery_max :many
-- expect: name! last_order?
SELECT c.name, (SELECT max(placed_at) FROM orders o WHERE o.customer_id = c.id) AS last_order FROM customers c;

-- name: scalar_subquery_count :many
-- expect: name! n!
SELECT c.name, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id) AS n FROM customers c;

-- name: scalar_subquery_row :many
-- expect: first_name?
SELECT (SELECT name FROM employees ORDER BY id LIMIT 1) AS first_name;

-- name: derived_table :many
-- expect: name!
SELECT s.name FROM (SELECT name FROM employees) s;

-- name: derived_table_nullable :many
-- expect: bonus?
SELECT s.bonus FROM (SELECT bonus FROM employees) s;

-- name: derived_table_expression :many
-- expect: total!
SELECT s.total FROM (SELECT salary + 1 AS total FROM employees) s;

-- name: where_in_subquery :many
-- expect: name!
SELECT name FROM employees WHERE id IN (SELECT employee_id FROM assignments);

-- name: in_subquery_of_non_null :many
-- expect: busy!
SELECT id IN (SELECT employee_id FROM assignments) AS busy FROM employees;

-- name: in_subquery_of_nullable :many
-- expect: is_manager?
SELECT id IN (SELECT manager_id FROM employees) AS is_manager FROM employees;

-- name: where_exists :many
-- expect: name!
SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id);

-- name: nested_derived_tables :many
-- expect: n!
SELECT t.n FROM (SELECT x.n FROM (SELECT count(*) AS n FROM orders) x) t;

-- name: coalesce_correlated_sum :many
-- expect: items!
SELECT coalesce((SELECT sum(qty) FROM order_lines l WHERE l.order_id = o.id), 0) AS items FROM orders o;

-- name: scalar_subquery_sum :many
-- expect: all_items?
SELECT (SELECT sum(qty) FROM order_lines) AS all_items;

-- name: correlated_column_in_subquery :many
-- expect: name! same_dept!
SELECT e.name, (SELECT count(*) FROM employees x WHERE x.dept_id = e.dept_id) > 1 AS same_dept FROM employees e;

-- name: scalar_aggregate_fetch_zero :many
-- expect: n?
SELECT (SELECT count(*) FROM orders FETCH FIRST 0 ROWS ONLY) AS n;
