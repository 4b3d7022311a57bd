-- name: place_order :one
INSERT INTO orders (user_id, total, details, attachment)
VALUES (:user_id, :total, :details?, :attachment?)
RETURNING id, reference, total, placed_on, details, attachment;

-- name: orders_for_user :many
SELECT id, reference, total, placed_on, details, attachment
FROM orders WHERE user_id = :user_id ORDER BY id;

-- name: order_totals :one
-- Sum and count of a user's orders (sum is NULL when there are none).
SELECT count(*) AS orders, sum(total) AS total, max(placed_on) AS last_order
FROM orders WHERE user_id = :user_id;

-- name: scalar_types :one
-- One value of every scalar type quarry maps today, round-tripped through parameters.
SELECT :b::bool AS b, :i2::int2 AS i2, :i4::int4 AS i4, :i8::int8 AS i8,
       :f4::float4 AS f4, :f8::float8 AS f8, :n::numeric AS n, :t::text AS t,
       :vc::varchar AS vc, :bp::bpchar AS bp, :nm::name AS nm, :by::bytea AS by,
       :u::uuid AS u, :j::json AS j, :jb::jsonb AS jb, :ts::timestamp AS ts,
       :tstz::timestamptz AS tstz, :d::date AS d, :tm::time AS tm;
