-- The type catalogue: every type quarry maps, written through a generated function and read
-- back through another (tests/tests/types.rs checks they round-trip).

-- name: insert_scalars :one
INSERT INTO scalars (b, ch, i2, i4, i8, o, f4, f8, num, cash, t, vc, bc, nm, ci, lt, by, u, j, jb, x,
                     tsv, tsq, hs, ts, tstz, d, tm, tmtz, iv, ip, net, mac, mac8, bits, vbits, lsn)
VALUES (:b?, :ch?, :i2?, :i4?, :i8?, :o?, :f4?, :f8?, :num?, :cash?, :t?, :vc?, :bc?, :nm?, :ci?, :lt?,
        :by?, :u?, :j?, :jb?, :x?, :tsv?, :tsq?, :hs?, :ts?, :tstz?, :d?, :tm?, :tmtz?, :iv?, :ip?,
        :net?, :mac?, :mac8?, :bits?, :vbits?, :lsn?)
RETURNING id;

-- name: get_scalars :one
SELECT b, ch, i2, i4, i8, o, f4, f8, num, cash, t, vc, bc, nm, ci, lt, by, u, j, jb, x,
       tsv, tsq, hs, ts, tstz, d, tm, tmtz, iv, ip, net, mac, mac8, bits, vbits, lsn
FROM scalars WHERE id = :id;

-- ±infinity: these two columns are overridden to `quarry::types::Timestamp<…>` and
-- `quarry::types::Date<…>` in build.rs, which have `PosInfinity`/`NegInfinity` variants.
-- name: get_infinite :one
SELECT ts, d FROM scalars WHERE id = :id;

-- name: insert_ranges :one
INSERT INTO ranges (r4, r8, rn, rts, rtstz, rd, m4, md)
VALUES (:r4?, :r8?, :rn?, :rts?, :rtstz?, :rd?, :m4?, :md?)
RETURNING id;

-- name: get_ranges :one
SELECT r4, r8, rn, rts, rtstz, rd, m4, md FROM ranges WHERE id = :id;

-- name: insert_arrays :one
INSERT INTO arrays (ints, texts, maybe_texts, bytes, uuids, stamps, moods, ranks, grid)
VALUES (:ints, :texts, :maybe_texts, :bytes, :uuids, :stamps, :moods, :ranks, :grid)
RETURNING id;

-- name: get_arrays :one
SELECT ints, texts, bytes, uuids, stamps, moods, ranks FROM arrays WHERE id = :id;

-- Elements that may be NULL: the column (and `insert_arrays.maybe_texts`) is overridden to `Vec<Option<String>>` in build.rs.
-- name: get_maybe_texts :one
SELECT maybe_texts FROM arrays WHERE id = :id;

-- Multi-dimensional: column and parameter overridden to `quarry::types::Array<i32>` in build.rs.
-- name: get_grid :one
SELECT grid FROM arrays WHERE id = :id;

-- name: set_grid :exec
UPDATE arrays SET grid = :grid WHERE id = :id;

-- name: insert_user_types :one
INSERT INTO user_types (feeling, currency, rank, mail, contact, contacts)
VALUES (:feeling, :currency?, :rank, :mail?, :contact?, :contacts)
RETURNING id;

-- name: get_user_types :one
SELECT feeling, currency, rank, mail, contact, contacts FROM user_types WHERE id = :id;

-- name: users_feeling :many
SELECT id, feeling FROM user_types WHERE feeling = ANY(:feelings) ORDER BY id;

-- Zero-copy reads: `list_texts_each` and `list_text_arrays_each` borrow `&str`, `&[u8]` and
-- array iterators from the row buffer.
-- name: list_texts :many
SELECT id, t, by FROM scalars WHERE t IS NOT NULL AND by IS NOT NULL ORDER BY id;

-- name: list_text_arrays :many
SELECT id, texts FROM arrays ORDER BY id;

-- Bulk load with binary COPY (tests/tests/copy.rs).
-- name: copy_scalars :copyfrom
INSERT INTO scalars (b, i2, i4, i8, f4, f8, num, cash, t, vc, by, u, jb, ts, tstz, d, tm, iv, ip, mac, bits)
VALUES (:b?, :i2?, :i4?, :i8?, :f4?, :f8?, :num?, :cash?, :t?, :vc?, :by?, :u?, :jb?, :ts?, :tstz?, :d?,
        :tm?, :iv?, :ip?, :mac?, :bits?);

-- name: copy_user_types :copyfrom
INSERT INTO user_types (feeling, currency, rank, mail, contact, contacts)
VALUES (:feeling, :currency?, :rank, :mail?, :contact?, :contacts);

-- name: count_scalars :one
SELECT count(*) AS rows, count(t) AS texts, sum(i8) AS total FROM scalars;

-- Geometric types: quarry's own, exact (`.geo_types(true)` maps point, box, path to geo-types).
-- name: echo_geometry :one
SELECT :p::point AS p, :l::line AS l, :s::lseg AS s, :b::box AS b, :path::path AS path,
       :poly::polygon AS poly, :c::circle AS c;

-- System types real queries meet: reg* oids, tuple and transaction ids.
-- name: system_values :one
SELECT :rel::regclass AS rel, ctid, xmin, cmin, pg_current_xact_id() AS xid8
FROM scalars WHERE id = :id;

-- A function returning void (sqlc projects lock with it as `:one` or `:exec`).
-- name: advisory_lock :one
SELECT pg_advisory_xact_lock(:key);

-- The built-in types met in catalog and monitoring queries (no setting needed).
-- name: echo_catalog_types :one
SELECT :path::jsonpath AS path, :snap::pg_snapshot AS snap, :txid::txid_snapshot AS txid,
       :cursor::refcursor AS cursor, :keys::int2vector AS keys, :oids::oidvector AS oids,
       pg_current_snapshot() AS current,
       (SELECT adbin FROM pg_attrdef WHERE adrelid = 'scalars'::regclass LIMIT 1) AS default_expr;
