-- The task manager of the psycopg tutorial: create, list, complete, delete, count.

-- name: add_task :one
-- Adds a task and returns its id.
INSERT INTO tasks (title, description) VALUES (:title, :description)
RETURNING id;

-- name: list_tasks :many
-- Every task, oldest first.
SELECT id, title, description, status, created_at, completed_at
FROM tasks
ORDER BY created_at, id;

-- name: list_tasks_by_status :many
-- Tasks with the given status, or all of them when `status` is `None`.
SELECT id, title, status
FROM tasks
WHERE status = :status? OR :status? IS NULL
ORDER BY id;

-- name: find_task :opt
SELECT id, title, description, status, completed_at FROM tasks WHERE id = :id;

-- name: complete_task :exec
-- Marks a task done; returns 1 if it existed, 0 otherwise.
UPDATE tasks SET status = 'done', completed_at = now() WHERE id = :id AND status <> 'done';

-- name: delete_task :exec
DELETE FROM tasks WHERE id = :id;

-- name: count_tasks :one
-- Number of tasks per status filter (`None` counts all).
SELECT count(*) FROM tasks WHERE status = :status? OR :status? IS NULL;

-- name: assign_task :exec
UPDATE tasks SET owner_id = $2 WHERE id = $1;

-- name: task_title :one
-- The title of one task; no such task is an error.
SELECT title FROM tasks WHERE id = :id;

-- Batches: one call per parameter set, pipelined (tests/tests/pipeline.rs).
-- name: add_tasks :batchone
INSERT INTO tasks (title, description) VALUES (:title, :description) RETURNING id;

-- name: complete_tasks :batchexec
UPDATE tasks SET status = 'done', completed_at = now() WHERE id = :id;

-- name: tasks_with_prefix :batchmany
SELECT id, title FROM tasks WHERE title LIKE :prefix || '%' ORDER BY id;

-- Bulk writes: a collection as one statement per chunk over unnest (docs/bulk.md).
-- name: import_tasks :bulkone
-- Imports a backlog; each task's id, in input order.
INSERT INTO tasks (title, description) VALUES (:title, :description) RETURNING id;

-- Large results: a stream of rows, and `all_tasks_cursor` over a server-side cursor.
-- name: all_tasks :iter
SELECT id, title FROM tasks ORDER BY id;
