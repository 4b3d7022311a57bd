-- name: GetAuthor :one
SELECT * FROM authors
WHERE id = $1 LIMIT 1;

-- name: ListAuthors :many
SELECT * FROM authors
ORDER BY name;

-- name: CreateAuthor :one
INSERT INTO authors (name, bio, born)
VALUES ($1, $2, $3)
RETURNING *;

-- name: UpdateAuthorBio :exec
UPDATE authors SET bio = $2
WHERE id = $1;

-- name: UpdateAuthor :one
UPDATE authors
SET name = coalesce(sqlc.narg(name), name),
    bio = coalesce(sqlc.narg('bio'), bio)
WHERE id = sqlc.arg(id)
RETURNING *;

-- name: DeleteAuthor :execrows
DELETE FROM authors
WHERE id = $1;

-- name: SearchAuthors :many
SELECT * FROM authors
WHERE name ILIKE @pattern
ORDER BY name
LIMIT sqlc.arg(max_rows);

-- name: AuthorsByIds :many
SELECT * FROM authors
WHERE id IN (sqlc.slice(ids))
ORDER BY id;

-- name: PageAuthors :many
SELECT id, name FROM authors
ORDER BY id
LIMIT $1 OFFSET $2;

-- name: CountAuthors :one
SELECT count(*) FROM authors;

-- name: ForgetBirthdays :execresult
UPDATE authors SET born = NULL
WHERE born < $1;

-- name: CopyAuthors :copyfrom
INSERT INTO authors (name, bio) VALUES ($1, $2);

-- name: AuthorStats :many
SELECT * FROM author_stats
ORDER BY id;

-- name: AuthorBookCount :one
SELECT book_count($1) AS count;
