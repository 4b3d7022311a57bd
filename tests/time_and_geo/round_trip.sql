-- Generated with `.time_crate(TimeCrate::Time)` and `.geo_types(true)` (tests/build.rs):
-- each value goes out as a parameter and comes back as a column.

-- name: echo_times :one
SELECT :ts::timestamp AS ts, :tstz::timestamptz AS tstz, :d::date AS d, :t::time AS t,
       :ttz::timetz AS ttz, :iv::interval AS iv;

-- name: echo_geometry :one
SELECT :p::point AS p, :b::box AS b, :path::path AS path;
