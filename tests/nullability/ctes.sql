-- name: cte_simple :many
-- expect: id! bonus?
WITH e AS (SELECT id, bonus FROM employees) SELECT id, bonus FROM e;

-- name: cte_left_joined :many
-- expect: name! n?
WITH totals AS (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id)
SELECT c.name, t.n FROM customers c LEFT JOIN totals t ON t.customer_id = c.id;

-- name: cte_insert_returning :many
-- expect: id! actor? at!
WITH ins AS (INSERT INTO audit_log (action) VALUES ('cte') RETURNING id, actor, at)
SELECT id, actor, at FROM ins;

-- name: cte_chain :many
-- expect: id!
WITH a AS (SELECT id FROM employees), b AS (SELECT id FROM a WHERE id > 1) SELECT b.id FROM b;

-- name: cte_column_names :many
-- expect: total?
WITH x (total) AS (SELECT sum(salary) FROM employees) SELECT total FROM x;

-- name: recursive_cte :many
-- expect: id! parent_id? depth!
WITH RECURSIVE tree AS (
    SELECT id, parent_id, 1 AS depth FROM departments WHERE parent_id IS NULL
    UNION ALL
    SELECT d.id, d.parent_id, t.depth + 1 FROM departments d JOIN tree t ON d.parent_id = t.id
)
SELECT id, parent_id, depth FROM tree;

-- name: cte_update_returning :many
-- expect: id! email?
WITH upd AS (UPDATE customers SET vip = vip WHERE id = 3 RETURNING id, email) SELECT id, email FROM upd;

-- name: cte_shadows_table :many
-- expect: id!
WITH employees AS (SELECT 1 AS id) SELECT id FROM employees;

-- name: cte_in_scalar_subquery :many
-- expect: top?
SELECT (WITH m AS (SELECT max(salary) AS top FROM employees) SELECT top FROM m) AS top;
