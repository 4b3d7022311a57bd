-- name: create_user :one
-- Creates a user and returns the whole row.
INSERT INTO users (email, name, bio) VALUES (:email, :name, :bio?)
RETURNING id, email, name, is_active, bio, created_at;

-- name: user_by_email :opt
SELECT id, email, name, is_active, bio, created_at FROM users WHERE email = :email;

-- name: tasks_with_owner :many
-- Every task with its owner's name, if it has one (a LEFT JOIN: the owner may be missing).
SELECT t.id, t.title, u.name AS owner_name
FROM tasks t LEFT JOIN users u ON u.id = t.owner_id
ORDER BY t.id;

-- name: deactivate_user :exec
UPDATE users SET is_active = false WHERE id = :id;

-- name: type :many
-- A query named after a Rust keyword, with a parameter that is one too.
SELECT id FROM users WHERE name <> :match ORDER BY id;
