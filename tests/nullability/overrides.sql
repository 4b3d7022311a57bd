-- name: override_non_null :many
-- A correlated lookup by primary key always finds the row itself.
-- expect: name! self_name!
SELECT e.name, (SELECT name FROM employees x WHERE x.id = e.id) AS "self_name!" FROM employees e;

-- name: override_nullable :many
-- expect: name?
SELECT name AS "name?" FROM employees;

-- name: override_guarded_case :many
-- expect: b!
SELECT CASE WHEN bonus IS NULL THEN 0 ELSE bonus END AS "b!" FROM employees;
