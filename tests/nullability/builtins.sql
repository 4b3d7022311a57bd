-- Built-in functions, operators and predicates by chapter of PostgreSQL's documentation
-- ("Functions and Operators"), each verdict decided from the documented behaviour, over the
-- constructs real sqlc projects use. NOT NULL inputs: employees.name, email, salary, hired_on;
-- nullable: bonus, left_on, dept_id.

-- name: string_functions :many
-- 9.4: non-null for non-null arguments; concat_ws ignores NULL arguments after the separator.
-- expect: a! b! c! d! e! f! g! h![!] i![!] j?[?]
SELECT concat_ws(', ', name, bonus) AS a, format('%s <%s>', name, email) AS b,
       regexp_replace(email, '@.*', '') AS c, split_part(email, '@', 2) AS d,
       lpad(name, 10) AS e, to_char(salary, '999') AS f, quote_nullable(bonus) AS g,
       string_to_array(email, '@') AS h, regexp_split_to_array(name, ' ') AS i,
       regexp_match(email, 'x(.)') AS j
FROM employees;

-- name: math_functions :many
-- 9.3: non-null for non-null arguments; pi() and random() never NULL.
-- expect: a! b! c! d! e! f?
SELECT greatest(salary, 0) AS a, least(salary, 1) AS b, pi() AS c, scale(salary) AS d,
       atan2(salary::float8, 2) AS e, greatest(bonus, NULL) AS f
FROM employees;

-- name: date_functions :many
-- 9.9: date arithmetic, date_trunc, extract, age, make_interval of non-null values.
-- expect: a! b! c! d! e! f?
SELECT hired_on + 30 AS a, date_trunc('month', hired_on) AS b, extract(year FROM hired_on) AS c,
       age(now(), hired_on::timestamptz) AS d, hired_on + make_interval(days => 1) AS e,
       left_on - hired_on AS f
FROM employees;

-- name: json_functions :many
-- 9.16: builders never NULL; ->> and #>> are NULL for a missing key.
-- expect: a! b! c! d! e?
SELECT jsonb_build_object('name', name, 'bonus', bonus) AS a, to_jsonb(name) AS b,
       jsonb_build_object('n', name) ->> 'n' IS NOT NULL AS c, json_object_keys_count AS d,
       jsonb_build_object('n', name) ->> 'missing' AS e
FROM (SELECT *, 1 AS json_object_keys_count FROM employees) e;

-- name: array_functions :many
-- 9.19: cardinality and array_to_string of non-null arrays; array_length is NULL for an empty array.
-- expect: a! b! c![!] d![!] e?
SELECT cardinality(ARRAY[id]) AS a, array_to_string(ARRAY[name, email], ',') AS b,
       array_append(ARRAY[id], id) AS c, array_positions(ARRAY[id], id) AS d,
       array_length(ARRAY[]::int[], 1) AS e
FROM employees;

-- name: text_search_functions :many
-- 9.13: to_tsvector, to_tsquery and ranks of non-null text.
-- expect: a! b! c! d!
SELECT to_tsvector('english', name) AS a, plainto_tsquery('english', email) AS b,
       ts_rank(to_tsvector(name), plainto_tsquery(email)) AS c,
       to_tsvector(name) @@ websearch_to_tsquery(email) AS d
FROM employees;

-- name: sequence_and_system_functions :many
-- 9.17 and 9.27: nextval, current_schemas, the advisory try-locks never return NULL;
-- current_schema() is NULL with an empty search_path.
-- expect: a! b![!] c! d?
SELECT nextval('employees_id_seq') AS a, current_schemas(false) AS b,
       pg_try_advisory_xact_lock(id) AS c, current_schema() AS d
FROM employees;

-- name: predicates_never_null :many
-- 9.2: IS [NOT] DISTINCT FROM and IS [NOT] NULL are never NULL; comparisons of non-null values.
-- expect: a! b! c! d! e?
SELECT bonus IS DISTINCT FROM 0 AS a, left_on IS NULL AS b, salary > 1000 AS c,
       name LIKE 'A%' AS d, bonus > 0 AS e
FROM employees;

-- name: case_and_coalesce :many
-- 9.18: CASE with a non-null ELSE and branches; COALESCE with a non-null last argument; NULLIF may be NULL.
-- expect: a! b! c? d!
SELECT CASE WHEN bonus IS NULL THEN 'none' ELSE 'some' END AS a, coalesce(bonus, salary) AS b,
       nullif(name, '') AS c, coalesce(left_on, hired_on, '2000-01-01') AS d
FROM employees;

-- name: where_proves_non_null :many
-- WHERE conditions that only hold for non-null values.
-- expect: bonus! left_on! dept_id!
SELECT bonus, left_on, dept_id FROM employees
WHERE bonus > 0 AND left_on BETWEEN '2000-01-01' AND '2100-01-01' AND dept_id IN (1, 2, 3);

-- name: where_any_proves_non_null :many
-- `col = ANY(array)` holds only for a non-null col.
-- expect: dept_id! bonus!
SELECT dept_id, bonus FROM employees WHERE dept_id = ANY(ARRAY[1, 2]) AND NOT (bonus IS NULL);

-- name: where_or_does_not_prove :many
-- expect: bonus?
SELECT bonus FROM employees WHERE bonus > 0 OR salary > 0;

-- name: update_from_returning :many
-- UPDATE … FROM: the target's and the joined table's columns, as inner-joined rows.
-- expect: id! name! dept_name!
UPDATE employees e SET salary = salary + 1 FROM departments d
WHERE d.id = e.dept_id RETURNING e.id, e.name, d.name AS dept_name;

-- name: delete_using_returning :many
-- expect: id! bonus?
DELETE FROM reviews r USING products p WHERE p.id = r.product_id AND p.price > 100000
RETURNING r.id, r.body AS bonus;

-- name: insert_select_returning :many
-- expect: id! label!
INSERT INTO tags (label) SELECT name FROM employees WHERE false RETURNING id, label;

-- name: upsert_returning :one
-- expect: id! label!
INSERT INTO tags (label) VALUES ('x') ON CONFLICT (id) DO UPDATE SET label = excluded.label RETURNING id, label;

-- name: window_and_aggregates :many
-- Window counts and ranks are never NULL; sum over a window of a NOT NULL column neither.
-- expect: rn! n! total! prev?
SELECT row_number() OVER w AS rn, count(*) OVER w AS n, sum(salary) OVER w AS total,
       lag(salary) OVER w AS prev
FROM employees WINDOW w AS (ORDER BY id);

-- name: exists_and_in_subquery :many
-- expect: has_orders! is_vip!
SELECT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id) AS has_orders,
       c.id IN (SELECT customer_id FROM orders WHERE customer_id IS NOT NULL) AS is_vip
FROM customers c;

-- name: count_filter_and_bool_agg :many
-- expect: dept_id? n! any_bonus?
SELECT dept_id, count(*) FILTER (WHERE bonus IS NOT NULL) AS n, bool_or(bonus > 0) AS any_bonus
FROM employees GROUP BY dept_id;

-- name: lateral_join :many
-- expect: name! last_order?
SELECT c.name, o.placed_at AS last_order FROM customers c
LEFT JOIN LATERAL (SELECT placed_at FROM orders WHERE customer_id = c.id ORDER BY placed_at DESC LIMIT 1) o ON true;

-- name: set_returning_in_from :many
-- expect: n! key! value!
SELECT n, kv.key, kv.value FROM generate_series(1, 2) AS n, jsonb_each('{"a": 1}'::jsonb) AS kv;

-- name: advisory_locks :many
-- 9.28.10: the lock functions are strict; their `void` or boolean result is never NULL for
-- non-null keys.
-- expect: locked! unlocked!
SELECT pg_advisory_xact_lock(id) AS locked, pg_advisory_unlock(id) AS unlocked FROM employees;
