-- name: row_number_over :many
-- expect: name! rn!
SELECT name, row_number() OVER (ORDER BY id) AS rn FROM employees;

-- name: rank_over :many
-- expect: r!
SELECT rank() OVER (PARTITION BY dept_id ORDER BY salary) AS r FROM employees;

-- name: lag_over :many
-- expect: prev?
SELECT lag(name) OVER (ORDER BY id) AS prev FROM employees;

-- name: lead_with_default :many
-- expect: next_name!
SELECT lead(name, 1, 'none') OVER (ORDER BY id) AS next_name FROM employees;

-- name: sum_over_partition :many
-- expect: dept_total!
SELECT sum(salary) OVER (PARTITION BY dept_id) AS dept_total FROM employees;

-- name: sum_over_explicit_frame :many
-- expect: ahead?
SELECT sum(salary) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING) AS ahead FROM employees;

-- name: count_over :many
-- expect: total!
SELECT count(*) OVER () AS total FROM employees;

-- name: first_value_over :many
-- expect: first_name!
SELECT first_value(name) OVER (ORDER BY id) AS first_name FROM employees;

-- name: nth_value_over :many
-- expect: second?
SELECT nth_value(name, 2) OVER (ORDER BY id) AS second FROM employees;

-- name: ntile_over :many
-- expect: half!
SELECT ntile(2) OVER (ORDER BY id) AS half FROM employees;
