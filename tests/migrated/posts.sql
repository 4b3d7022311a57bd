-- Queries generated against the migrations folder `migrations/app` (tests/migrations.rs):
-- their `verify` also checks that the database applied those migrations.

-- name: add_user :one
INSERT INTO users (email) VALUES (:email) RETURNING id;

-- name: user_post_count :one
SELECT post_count(:user_id) AS posts;
