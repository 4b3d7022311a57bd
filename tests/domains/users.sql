-- name: add_user :one
INSERT INTO users (mail, backup, score, scores) VALUES (:mail, :backup?, :score, :scores) RETURNING id;
-- name: get_user :one
SELECT id, mail, backup, score, scores, lower(mail) AS plain FROM users WHERE id = :id;
-- name: by_mail :opt
SELECT id FROM users WHERE mail = :mail;
