-- name: count_star :many
-- expect: count!
SELECT count(*) FROM employees;

-- name: count_nullable_column :many
-- expect: n!
SELECT count(bonus) AS n FROM employees;

-- name: sum_without_group_by :many
-- expect: total?
SELECT sum(salary) AS total FROM employees;

-- name: max_without_group_by :many
-- expect: latest?
SELECT max(hired_on) AS latest FROM employees;

-- name: group_by_sum :many
-- expect: dept_id? total!
SELECT dept_id, sum(salary) AS total FROM employees GROUP BY dept_id;

-- name: group_by_sum_of_nullable :many
-- expect: dept_id? bonuses?
SELECT dept_id, sum(bonus) AS bonuses FROM employees GROUP BY dept_id;

-- name: group_by_avg_narrowed :many
-- expect: dept_id! mean!
SELECT dept_id, avg(salary) AS mean FROM employees WHERE dept_id IS NOT NULL GROUP BY dept_id;

-- name: group_by_min_max :many
-- expect: project_id! lo! hi!
SELECT project_id, min(hours) AS lo, max(hours) AS hi FROM assignments GROUP BY project_id;

-- name: group_by_string_agg :many
-- expect: dept_id? names!
SELECT dept_id, string_agg(name, ',') AS names FROM employees GROUP BY dept_id;

-- name: group_by_string_agg_of_nullable :many
-- expect: project_id! roles?
SELECT project_id, string_agg(role, ',') AS roles FROM assignments GROUP BY project_id;

-- name: group_by_json_agg :many
-- expect: dept_id! titles![!]
SELECT p.dept_id, json_agg(p.title) AS titles FROM projects p GROUP BY p.dept_id;

-- name: aggregate_filter :many
-- expect: dept_id? with_bonus! base?
SELECT dept_id,
       count(*) FILTER (WHERE bonus IS NOT NULL) AS with_bonus,
       sum(salary) FILTER (WHERE bonus IS NULL) AS base
FROM employees GROUP BY dept_id;

-- name: group_by_having :many
-- expect: dept_id? n!
SELECT dept_id, count(*) AS n FROM employees GROUP BY dept_id HAVING count(*) > 0;

-- name: group_by_rollup :many
-- expect: dept_id? hired_on? n!
SELECT dept_id, hired_on, count(*) AS n FROM employees GROUP BY ROLLUP (dept_id, hired_on);

-- name: group_by_grouping_sets :many
-- expect: name? n!
SELECT d.name, count(*) AS n
FROM employees e JOIN departments d ON d.id = e.dept_id
GROUP BY GROUPING SETS ((d.name), ());

-- name: group_by_cube :many
-- expect: vip? country? n!
SELECT vip, country, count(*) AS n FROM customers GROUP BY CUBE (vip, country);

-- name: bool_and_without_group_by :many
-- expect: all_vip?
SELECT bool_and(vip) AS all_vip FROM customers;

-- name: group_by_bool_or :many
-- expect: country? any_vip!
SELECT country, bool_or(vip) AS any_vip FROM customers GROUP BY country;

-- name: group_by_stddev :many
-- expect: project_id! sd?
SELECT project_id, stddev(hours) AS sd FROM assignments GROUP BY project_id;

-- name: count_distinct :many
-- expect: depts!
SELECT count(DISTINCT dept_id) AS depts FROM employees;

-- name: aggregates_over_left_join :many
-- expect: id! staff! top?
SELECT d.id, count(e.id) AS staff, max(e.salary) AS top
FROM departments d LEFT JOIN employees e ON e.dept_id = d.id
GROUP BY d.id;

-- name: coalesce_of_sum :many
-- expect: bonuses!
SELECT coalesce(sum(bonus), 0) AS bonuses FROM employees;

-- name: aggregate_arithmetic :many
-- expect: dept_id! spread!
SELECT dept_id, max(salary) - min(salary) AS spread
FROM employees WHERE dept_id IS NOT NULL GROUP BY dept_id;
