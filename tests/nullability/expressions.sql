-- name: literals :many
-- expect: one! s! t! n?
SELECT 1 AS one, 'x' AS s, true AS t, NULL::int AS n;

-- name: casts :many
-- expect: id_text! bonus_text?
SELECT id::text AS id_text, CAST(bonus AS text) AS bonus_text FROM employees;

-- name: arithmetic :many
-- expect: doubled! total?
SELECT salary * 2 AS doubled, salary + bonus AS total FROM employees;

-- name: concat_operator :many
-- expect: label!
SELECT name || ' <' || email || '>' AS label FROM employees;

-- name: concat_function :many
-- expect: c!
SELECT concat(name, bonus) AS c FROM employees;

-- name: coalesce_with_default :many
-- expect: b!
SELECT coalesce(bonus, 0) AS b FROM employees;

-- name: coalesce_all_nullable :many
-- expect: b?
SELECT coalesce(bonus, NULL) AS b FROM employees;

-- name: coalesce_over_left_join :many
-- expect: dept!
SELECT coalesce(d.name, 'none') AS dept FROM employees e LEFT JOIN departments d ON d.id = e.dept_id;

-- name: case_without_else :many
-- expect: band?
SELECT CASE WHEN salary > 15 THEN 'high' END AS band FROM employees;

-- name: case_with_else :many
-- expect: band!
SELECT CASE WHEN salary > 15 THEN 'high' ELSE 'low' END AS band FROM employees;

-- name: case_guarding_null :many
-- expect: b!
SELECT CASE WHEN bonus IS NULL THEN 0 ELSE bonus END AS b FROM employees;

-- name: simple_case :many
-- expect: tier!
SELECT CASE vip WHEN true THEN 'vip' ELSE 'regular' END AS tier FROM customers;

-- name: nullif_call :many
-- expect: n?
SELECT nullif(name, '') AS n FROM employees;

-- name: greatest_call :many
-- expect: g!
SELECT greatest(salary, bonus) AS g FROM employees;

-- name: lower_upper :many
-- expect: l! u!
SELECT lower(name) AS l, upper(email) AS u FROM employees;

-- name: lower_of_nullable :many
-- expect: c?
SELECT lower(country) AS c FROM customers;

-- name: length_call :many
-- expect: len!
SELECT length(name) AS len FROM employees;

-- name: clock_functions :many
-- expect: t! d!
SELECT now() AS t, current_date AS d;

-- name: is_null_test :many
-- expect: no_bonus!
SELECT bonus IS NULL AS no_bonus FROM employees;

-- name: comparison_of_nullable :many
-- expect: big?
SELECT bonus > 1 AS big FROM employees;

-- name: and_with_nullable :many
-- expect: x?
SELECT vip AND country = 'FR' AS x FROM customers;

-- name: in_lists :many
-- expect: eu? v!
SELECT country IN ('FR', 'DE') AS eu, vip IN (true) AS v FROM customers;

-- name: between_test :many
-- expect: mid!
SELECT salary BETWEEN 10 AND 20 AS mid FROM employees;

-- name: like_test :many
-- expect: a!
SELECT name LIKE 'A%' AS a FROM employees;

-- name: json_field :many
-- expect: ip? action!
SELECT payload ->> 'ip' AS ip, action FROM audit_log;

-- name: extract_field :many
-- expect: y! y2?
SELECT extract(year FROM hired_on) AS y, extract(year FROM left_on) AS y2 FROM employees;

-- name: date_trunc_call :many
-- expect: m!
SELECT date_trunc('month', placed_at) AS m FROM orders;

-- name: non_null_parameter :many
-- expect: v!
SELECT :x::int + 1 AS v;

-- name: nullable_parameter :many
-- expect: v?
SELECT :x?::int + 1 AS v;

-- name: coalesce_parameter :many
-- expect: v!
SELECT coalesce(:x?::text, 'default') AS v;

-- name: hash_and_format :many
-- expect: h! y!
SELECT md5(name) AS h, to_char(hired_on, 'YYYY') AS y FROM employees;

-- name: substring_call :many
-- expect: s!
SELECT substring(name FROM 1 FOR 2) AS s FROM employees;

-- name: trim_call :many
-- expect: t!
SELECT trim(name) AS t FROM employees;

-- name: at_time_zone :many
-- expect: utc!
SELECT placed_at AT TIME ZONE 'UTC' AS utc FROM orders;

-- name: exists_in_select :many
-- expect: has_orders!
SELECT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id) AS has_orders FROM customers c;

-- name: unary_operators :many
-- expect: regular! negative!
SELECT NOT vip AS regular, -salary AS negative FROM customers c, employees e;

-- name: rounding :many
-- expect: r! a?
SELECT round(salary, 1) AS r, abs(bonus) AS a FROM employees;

-- name: unknown_function :many
-- expect: x?
SELECT obj_description(id::oid) AS x FROM employees;

-- name: regex_substring :many
-- expect: s?
SELECT substring(name FROM '^A.*') AS s FROM employees;
