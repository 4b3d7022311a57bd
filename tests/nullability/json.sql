-- JSON shapes (docs/nested.md). The column verdicts are checked as everywhere; the keys' and
-- elements' verdicts are checked by decoding: every corpus function runs against rows full of
-- NULLs, and a key typed non-null that holds null fails to decode.

-- name: json_rows_aggregated :many
-- expect: name! staff![!]
SELECT d.name, json_agg(e ORDER BY e.id) AS staff
FROM departments d JOIN employees e ON e.dept_id = d.id GROUP BY d.id, d.name;

-- name: json_rows_across_an_outer_join :many
-- expect: name! staff![?]
SELECT d.name, json_agg(e) AS staff
FROM departments d LEFT JOIN employees e ON e.dept_id = d.id GROUP BY d.id, d.name;

-- name: json_rows_filtered :many
-- expect: name! staff?[!]
SELECT d.name, jsonb_agg(to_jsonb(e) ORDER BY e.id) FILTER (WHERE e.id IS NOT NULL) AS staff
FROM departments d LEFT JOIN employees e ON e.dept_id = d.id GROUP BY d.id, d.name;

-- name: json_rows_filtered_or_empty :many
-- expect: name! staff![!]
SELECT d.name, COALESCE(json_agg(e ORDER BY e.id) FILTER (WHERE e.id IS NOT NULL), '[]') AS staff
FROM departments d LEFT JOIN employees e ON e.dept_id = d.id GROUP BY d.id, d.name;

-- name: json_object_keys :many
-- expect: person!
SELECT json_build_object('id', e.id, 'name', e.name, 'bonus', e.bonus, 'left_on', e.left_on) AS person
FROM employees e;

-- name: json_object_keys_narrowed :many
-- expect: person!
SELECT jsonb_build_object('bonus', e.bonus, 'dept', e.dept_id) AS person
FROM employees e WHERE e.bonus IS NOT NULL;

-- name: json_object_across_an_outer_join :many
-- expect: id! dept!
SELECT e.id, json_build_object('id', d.id, 'name', d.name) AS dept
FROM employees e LEFT JOIN departments d ON d.id = e.dept_id;

-- name: json_whole_row :many
-- expect: row!
SELECT to_jsonb(p) AS row FROM projects p;

-- name: json_row_to_json :many
-- expect: row!
SELECT row_to_json(d) AS row FROM departments d;

-- name: json_subquery_aggregate :many
-- expect: id! staff?[!]
SELECT d.id, (SELECT json_agg(json_build_object('name', e.name, 'bonus', e.bonus))
              FROM employees e WHERE e.dept_id = d.id) AS staff
FROM departments d;

-- name: json_two_levels :many
-- expect: id! staff![!]
SELECT d.id,
       COALESCE((SELECT json_agg(json_build_object(
                    'name', e.name,
                    'projects', (SELECT COALESCE(json_agg(json_build_object('title', p.title, 'ended', p.ended)), '[]')
                                 FROM projects p WHERE p.dept_id = e.dept_id)))
                 FROM employees e WHERE e.dept_id = d.id), '[]') AS staff
FROM departments d;

-- name: json_expression_values :many
-- expect: totals!
SELECT json_build_object('pay', e.salary + COALESCE(e.bonus, 0), 'bonus_share', e.bonus / e.salary,
                         'tenure', e.left_on - e.hired_on) AS totals
FROM employees e;

-- name: json_cte_rows :many
-- expect: staff![!]
WITH rich AS (SELECT e.name, e.salary FROM employees e WHERE e.salary > 0)
SELECT COALESCE(json_agg(json_build_object('name', r.name, 'salary', r.salary)), '[]') AS staff FROM rich r;
