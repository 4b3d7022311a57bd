-- name: union_of_non_null :many
-- expect: name!
SELECT name FROM employees UNION SELECT name FROM customers;

-- name: union_all_with_nullable :many
-- expect: name! email?
SELECT name, email FROM customers UNION ALL SELECT name, email FROM employees;

-- name: union_with_null_literal :many
-- expect: id! note?
SELECT id, NULL::text AS note FROM orders UNION SELECT id, note FROM orders;

-- name: intersect_keeps_non_null_side :many
-- expect: email!
SELECT email FROM customers INTERSECT SELECT email FROM employees;

-- name: except_keeps_left :many
-- expect: email?
SELECT email FROM customers EXCEPT SELECT email FROM employees;

-- name: except_non_null :many
-- expect: name!
SELECT name FROM customers EXCEPT SELECT name FROM employees;

-- name: union_three_branches :many
-- expect: n?
SELECT 1 AS n UNION SELECT 2 UNION SELECT NULL::int;

-- name: values_query :many
-- expect: column1! column2?
VALUES (1, 'a'), (2, NULL);

-- name: values_in_from :many
-- expect: a! b!
SELECT v.a, v.b FROM (VALUES (1, 'x'), (2, 'y')) AS v (a, b);
