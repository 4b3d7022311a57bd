-- Joins. Each query's `expect:` line is the truth, decided by hand from the schema and SQL
-- semantics: `!` = PostgreSQL can never return NULL there, `?` = it can.

-- name: inner_join :many
-- expect: id! name! dept!
SELECT e.id, e.name, d.name AS dept FROM employees e JOIN departments d ON d.id = e.dept_id;

-- name: inner_join_narrows_fk :many
-- expect: dept_id!
SELECT e.dept_id FROM employees e JOIN departments d ON d.id = e.dept_id;

-- name: left_join :many
-- expect: name! dept? budget?
SELECT e.name, d.name AS dept, d.budget FROM employees e LEFT JOIN departments d ON d.id = e.dept_id;

-- name: left_join_key :many
-- expect: bonus? dept_key?
SELECT e.bonus, d.id AS dept_key FROM employees e LEFT JOIN departments d ON d.id = e.dept_id;

-- name: left_outer_join_keyword :many
-- expect: name! dept?
SELECT e.name, d.name AS dept FROM employees e LEFT OUTER JOIN departments d ON d.id = e.dept_id;

-- name: right_join :many
-- expect: name? dept!
SELECT e.name, d.name AS dept FROM employees e RIGHT JOIN departments d ON d.id = e.dept_id;

-- name: full_join :many
-- expect: name? dept?
SELECT e.name, d.name AS dept FROM employees e FULL JOIN departments d ON d.id = e.dept_id;

-- name: left_join_chain :many
-- expect: name! dept? title?
SELECT e.name, d.name AS dept, p.title
FROM employees e
LEFT JOIN departments d ON d.id = e.dept_id
LEFT JOIN projects p ON p.dept_id = d.id;

-- name: left_then_inner_join :many
-- expect: name! dept! title!
SELECT e.name, d.name AS dept, p.title
FROM employees e
LEFT JOIN departments d ON d.id = e.dept_id
JOIN projects p ON p.dept_id = d.id;

-- name: where_is_not_null_undoes_left_join :many
-- expect: name! dept!
SELECT e.name, d.name AS dept
FROM employees e LEFT JOIN departments d ON d.id = e.dept_id
WHERE d.id IS NOT NULL;

-- name: where_narrows_nullable_column :many
-- expect: bonus!
SELECT bonus FROM employees WHERE bonus > 0;

-- name: where_or_does_not_narrow :many
-- expect: bonus?
SELECT bonus FROM employees WHERE bonus > 0 OR salary > 0;

-- name: using_inner :many
-- expect: dept_id! title! name!
SELECT dept_id, p.title, e.name FROM employees e JOIN projects p USING (dept_id);

-- name: using_left :many
-- expect: dept_id? name! title?
SELECT dept_id, e.name, p.title FROM employees e LEFT JOIN projects p USING (dept_id);

-- name: using_full :many
-- expect: id! name? customer?
SELECT id, e.name, c.name AS customer FROM employees e FULL JOIN customers c USING (id);

-- name: left_join_subquery :many
-- expect: name! total?
SELECT e.name, s.total
FROM employees e
LEFT JOIN (SELECT employee_id, sum(hours) AS total FROM assignments GROUP BY employee_id) s
    ON s.employee_id = e.id;

-- name: inner_join_subquery :many
-- expect: name! total!
SELECT e.name, s.total
FROM employees e
JOIN (SELECT employee_id, sum(hours) AS total FROM assignments GROUP BY employee_id) s
    ON s.employee_id = e.id;

-- name: self_left_join :many
-- expect: name! manager?
SELECT e.name, m.name AS manager FROM employees e LEFT JOIN employees m ON m.id = e.manager_id;

-- name: cross_join :many
-- expect: name! customer!
SELECT d.name, c.name AS customer FROM departments d CROSS JOIN customers c;

-- name: comma_join :many
-- expect: name! title!
SELECT d.name, p.title FROM departments d, projects p WHERE p.dept_id = d.id;

-- name: left_join_to_nested_join :many
-- expect: name! title? hours?
SELECT e.name, p.title, a.hours
FROM employees e
LEFT JOIN (assignments a JOIN projects p ON p.id = a.project_id) ON a.employee_id = e.id;

-- name: left_join_lateral :many
-- expect: name! title?
SELECT d.name, x.title
FROM departments d
LEFT JOIN LATERAL (SELECT title FROM projects p WHERE p.dept_id = d.id ORDER BY id LIMIT 1) x ON true;

-- name: natural_join :many
-- expect: project_id! hours! title!
SELECT project_id, hours, title FROM assignments NATURAL JOIN (SELECT id AS project_id, title FROM projects) p;

-- name: right_join_then_where :many
-- expect: name!
SELECT e.name FROM employees e RIGHT JOIN departments d ON d.id = e.dept_id WHERE e.id IS NOT NULL;

-- name: three_way_left_join :many
-- expect: id! name? qty?
SELECT o.id, c.name, l.qty
FROM orders o
LEFT JOIN customers c ON c.id = o.customer_id
LEFT JOIN order_lines l ON l.order_id = o.id;

-- name: inner_join_before_right_join :many
-- expect: name? dept!
SELECT e.name, d.name AS dept
FROM employees e
JOIN assignments a ON a.employee_id = e.id
RIGHT JOIN departments d ON d.id = e.dept_id;

-- name: left_join_condition_does_not_narrow :many
-- expect: name! employee?
SELECT d.name, e.name AS employee
FROM departments d LEFT JOIN employees e ON e.dept_id = d.id AND e.bonus IS NOT NULL;

-- name: where_boolean_column_undoes_left_join :many
-- expect: id! note? name!
SELECT o.id, o.note, c.name FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.vip;
