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

-- name: stream_people :iter
SELECT g::int8 AS id, 'name_' || g AS name FROM generate_series(1, :n::int8) g;

-- name: all_people :many
SELECT g::int8 AS id, 'name_' || g AS name FROM generate_series(1, :n::int8) g;

-- name: export_people :iter
SELECT id, name, email, age, created_at FROM people;
