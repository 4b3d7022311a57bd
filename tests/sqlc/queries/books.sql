-- name: CreateBook :one
INSERT INTO books (author_id, title, summary, isbn, genre, tags, year)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING *;

-- name: GetBookByIsbn :one
SELECT * FROM books
WHERE isbn = @isbn;

-- name: BooksByGenre :many
SELECT * FROM books
WHERE genre = $1
ORDER BY title;

-- name: BooksWithTag :many
SELECT id, title, tags FROM books
WHERE @tag::text = ANY (tags)
ORDER BY id;

-- name: AddTag :exec
UPDATE books SET tags = array_append(tags, @tag)
WHERE id = @id;

-- name: SearchBooks :many
SELECT id, title,
       ts_rank(to_tsvector('english', title || ' ' || coalesce(summary, '')),
               websearch_to_tsquery('english', @query))::float8 AS rank
FROM books
WHERE to_tsvector('english', title || ' ' || coalesce(summary, '')) @@ websearch_to_tsquery('english', @query)
ORDER BY rank DESC, id;

-- name: BookWithAuthor :one
SELECT sqlc.embed(books), sqlc.embed(authors)
FROM books
JOIN authors ON authors.id = books.author_id
WHERE books.id = $1;

-- name: AuthorsWithBooks :many
SELECT sqlc.embed(a), sqlc.embed(b)
FROM authors a
LEFT JOIN books b ON b.author_id = a.id
ORDER BY a.id, b.id;

-- name: BooksExcept :many
SELECT id FROM books
WHERE id NOT IN (sqlc.slice(excluded))
ORDER BY id;

-- name: GenreCounts :many
SELECT genre, count(*) AS books FROM books
GROUP BY genre
ORDER BY genre;

-- name: ListBooksPaged :many
SELECT * FROM books
ORDER BY id
LIMIT sqlc.arg(page_size) OFFSET sqlc.arg(page_offset);

-- name: CopyBooks :copyfrom
INSERT INTO books (author_id, title, genre, tags) VALUES ($1, $2, $3, $4);

-- name: DeleteBooksOfAuthor :batchexec
DELETE FROM books
WHERE author_id = $1;

-- name: BooksOfAuthor :batchmany
SELECT * FROM books
WHERE author_id = $1
ORDER BY id;

-- name: SetAvailable :batchone
UPDATE books SET available = $2
WHERE id = $1
RETURNING id, available;
