-- name: view_columns :many
-- expect: id! name! dept_id? bonus?
SELECT id, name, dept_id, bonus FROM active_employees;

-- name: view_with_aggregates :many
-- expect: id! name! orders! last_order?
SELECT id, name, orders, last_order FROM customer_order_counts;

-- name: view_inner_join :many
-- expect: name! dept!
SELECT a.name, d.name AS dept FROM active_employees a JOIN departments d ON d.id = a.dept_id;

-- name: view_left_join :many
-- expect: name! employee?
SELECT d.name, a.name AS employee FROM departments d LEFT JOIN active_employees a ON a.dept_id = d.id;

-- name: view_star :many
-- expect: id! name! orders! last_order?
SELECT * FROM customer_order_counts;
