-- name: star_table :many
-- expect: id! name! budget? parent_id?
SELECT * FROM departments;

-- name: qualified_star_left_join :many
-- expect: id! name! email? country? vip! placed_at?
SELECT c.*, o.placed_at FROM customers c LEFT JOIN orders o ON o.customer_id = c.id;

-- name: qualified_star_right_join :many
-- expect: id! customer_id? placed_at! shipped_at? note?
SELECT o.* FROM customers c RIGHT JOIN orders o ON o.customer_id = c.id;

-- name: star_join_using :many
-- expect: manager_id! id! dept_id? name! email! salary! bonus? hired_on! left_on? manager!
SELECT * FROM employees JOIN (SELECT id AS manager_id, name AS manager FROM employees) m USING (manager_id);

-- name: star_derived_table :many
-- expect: id! bonus?
SELECT * FROM (SELECT id, bonus FROM employees) s;

-- name: star_cte :many
-- expect: label!
WITH t AS (SELECT label FROM tags) SELECT * FROM t;

-- name: qualified_star_full_join :many
-- expect: id? name? budget? parent_id? title?
SELECT d.*, p.title FROM departments d FULL JOIN projects p ON p.dept_id = d.id;

-- name: star_two_tables :many
-- expect: employee_id! project_id! role? hours! id! label!
SELECT * FROM assignments, tags;
