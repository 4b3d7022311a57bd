-- Array elements. After a column's own verdict, `[!]` says its elements are never NULL and
-- `[?]` that they may be (the truth, decided by hand; rows.sql holds a NULL element wherever
-- one is possible). The corpus is generated with `nullable_array_elements`, so an element
-- quarry cannot prove non-null is `Option`.

-- name: array_column_of_unknown_elements :many
-- expect: keywords![?]
SELECT keywords FROM articles;

-- name: array_column_with_a_check :many
-- expect: labels?[!]
SELECT labels FROM articles;

-- name: array_column_left_joined :many
-- expect: id! labels?[!]
SELECT e.id, a.labels FROM employees e LEFT JOIN articles a ON a.id = e.id;

-- name: array_agg_of_a_not_null_column :many
-- expect: titles?[!]
SELECT array_agg(title) AS titles FROM articles;

-- name: array_agg_grouped :many
-- expect: dept_id? names![!]
SELECT dept_id, array_agg(name ORDER BY name) AS names FROM employees GROUP BY dept_id;

-- name: array_agg_of_a_nullable_column :many
-- expect: subtitles?[?]
SELECT array_agg(subtitle) AS subtitles FROM articles;

-- name: array_agg_across_an_outer_join :many
-- expect: name! projects![?]
SELECT d.name, array_agg(p.title) AS projects
FROM departments d LEFT JOIN projects p ON p.dept_id = d.id GROUP BY d.id, d.name;

-- name: array_agg_filtered_to_non_null :many
-- expect: name! projects?[!]
SELECT d.name, array_agg(p.title) FILTER (WHERE p.id IS NOT NULL) AS projects
FROM departments d LEFT JOIN projects p ON p.dept_id = d.id GROUP BY d.id, d.name;

-- name: array_agg_filtered_coalesced :many
-- expect: name! projects![!]
SELECT d.name, COALESCE(array_agg(p.title) FILTER (WHERE p.title IS NOT NULL), '{}') AS projects
FROM departments d LEFT JOIN projects p ON p.dept_id = d.id GROUP BY d.id, d.name;

-- name: array_constructor_of_non_null_values :many
-- expect: pair![!]
SELECT ARRAY[title, 'x'] AS pair FROM articles;

-- name: array_constructor_with_a_nullable_value :many
-- expect: pair![?]
SELECT ARRAY[title, subtitle] AS pair FROM articles;

-- name: array_subquery :many
-- expect: id! titles![!]
SELECT e.id, ARRAY(SELECT a.title FROM articles a ORDER BY a.id) AS titles FROM employees e;

-- name: array_subquery_of_a_nullable_column :many
-- expect: id! subtitles![?]
SELECT e.id, ARRAY(SELECT a.subtitle FROM articles a) AS subtitles FROM employees e;

-- name: array_remove_null :many
-- expect: keywords![!]
SELECT array_remove(keywords, NULL) AS keywords FROM articles;

-- name: array_literal_without_null :many
-- expect: empty![!] letters![!]
SELECT '{}'::text[] AS empty, '{a,"NULL"}'::text[] AS letters;

-- name: array_literal_with_null :many
-- expect: holes![?]
SELECT '{1,NULL,3}'::int[] AS holes;

-- name: string_to_array_without_null_string :many
-- expect: parts![!]
SELECT string_to_array(title, ',') AS parts FROM articles;

-- name: regexp_match_groups :many
-- expect: groups?[?]
SELECT regexp_match(title, '(a)|(b)') AS groups FROM articles;

-- name: array_through_a_cte :many
-- expect: titles![!]
WITH per_dept AS (SELECT dept_id, array_agg(name) AS titles FROM employees GROUP BY dept_id)
SELECT titles FROM per_dept;

-- name: array_union :many
-- expect: v?[?]
SELECT ARRAY['a'] AS v UNION ALL SELECT array_agg(subtitle) FROM articles;

-- name: array_column_unchanged_by_a_cast :many
-- expect: scores?[?]
SELECT scores::bigint[] AS scores FROM articles;
