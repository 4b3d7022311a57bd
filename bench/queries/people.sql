-- name: get_person :one
SELECT id, name, email, age, created_at FROM people WHERE id = :id;

-- name: get_people :batchone
SELECT id, name, email, age, created_at FROM people WHERE id = :id;

-- name: insert_person :exec
INSERT INTO people_load (id, name, email, age, created_at) VALUES (:id, :name, :email, :age, :created_at);

-- name: insert_people :batchexec
INSERT INTO people_load (id, name, email, age, created_at) VALUES (:id, :name, :email, :age, :created_at);

-- name: copy_people :copyfrom
INSERT INTO people_load (id, name, email, age, created_at) VALUES (:id, :name, :email, :age, :created_at);

-- name: bulk_insert_people :bulkexec
INSERT INTO people_load (id, name, email, age, created_at) VALUES (:id, :name, :email, :age, :created_at);

-- name: bulk_insert_people_computed :bulkexec
-- An expression in VALUES: runs as INSERT … SELECT over unnest, not as COPY.
INSERT INTO people_load (id, name, email, age, created_at) VALUES (:id, :name, lower(:email), :age, :created_at);

-- name: upsert_person :exec
INSERT INTO people_upsert (id, name, email, age, created_at) VALUES (:id, :name, :email, :age, :created_at)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, age = EXCLUDED.age;

-- name: batch_upsert_people :batchexec
INSERT INTO people_upsert (id, name, email, age, created_at) VALUES (:id, :name, :email, :age, :created_at)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, age = EXCLUDED.age;

-- name: bulk_upsert_people :bulkexec
INSERT INTO people_upsert (id, name, email, age, created_at) VALUES (:id, :name, :email, :age, :created_at)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, age = EXCLUDED.age;

-- name: copy_upsert_people :copyfrom
INSERT INTO people_upsert (id, name, email, age, created_at) VALUES (:id, :name, :email, :age, :created_at)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, age = EXCLUDED.age;

-- name: stream_people :iter
SELECT g::int8 AS id, 'name_' || g AS name FROM generate_series(1, :n::int8) g;

-- name: all_people :many
SELECT g::int8 AS id, 'name_' || g AS name FROM generate_series(1, :n::int8) g;

-- name: export_people :iter
SELECT id, name, email, age, created_at FROM people;

-- Figure 13 (quarry's own driver): single-row inserts into a logged table, one commit each
-- (sequential) or one per pipeline chunk (batch).
-- name: insert_person_logged :exec
INSERT INTO people_logged (id, name, email, age, created_at) VALUES (:id, :name, :email, :age, :created_at);

-- name: insert_people_logged :batchexec
INSERT INTO people_logged (id, name, email, age, created_at) VALUES (:id, :name, :email, :age, :created_at);
