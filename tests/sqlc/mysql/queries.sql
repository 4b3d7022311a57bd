-- name: GetLegacyUser :one
SELECT * FROM legacy_users WHERE id = ?;

-- name: CreateLegacyUser :execlastid
INSERT INTO legacy_users (name) VALUES (?);
