-- name: add_author :one
INSERT INTO authors (name, born) VALUES (:name, :born?) RETURNING id;

-- name: add_book :one
INSERT INTO books (author_id, title, genre, isbn, published)
VALUES (:author_id, :title, :genre, :isbn?, :published?) RETURNING id;

-- name: add_review :exec
INSERT INTO reviews (book_id, stars, body) VALUES (:book_id, :stars, :body?);

-- name: authors_with_books :many
-- Each author with their books, in one query: binary row values, the table's own struct.
SELECT a.id, a.name,
       COALESCE(array_agg(b ORDER BY b.id) FILTER (WHERE b.id IS NOT NULL), '{}') AS books
FROM authors a LEFT JOIN books b ON b.author_id = a.id
GROUP BY a.id ORDER BY a.id;

-- name: authors_with_books_or_null :many
-- The same over an outer join without FILTER: an author with no books gets {NULL}.
SELECT a.id, array_agg(b ORDER BY b.id) AS books
FROM authors a LEFT JOIN books b ON b.author_id = a.id
GROUP BY a.id ORDER BY a.id;

-- name: author_books_subquery :one
SELECT a.name, ARRAY(SELECT b FROM books b WHERE b.author_id = a.id ORDER BY b.id) AS books
FROM authors a WHERE a.id = :id;

-- name: authors_with_books_json :many
-- Two levels deep in JSON: authors → books → reviews.
SELECT a.id, a.name,
       (SELECT COALESCE(json_agg(json_build_object(
                   'id', b.id, 'title', b.title, 'genre', b.genre, 'isbn', b.isbn,
                   'published', b.published,
                   'reviews', (SELECT COALESCE(json_agg(json_build_object('stars', r.stars, 'body', r.body)
                                                        ORDER BY r.id), '[]')
                               FROM reviews r WHERE r.book_id = b.id))
                ORDER BY b.id), '[]')
        FROM books b WHERE b.author_id = a.id) AS books
FROM authors a ORDER BY a.id;

-- name: book_rows_json :many
-- Whole table rows in JSON: the table's struct, read from its JSON form.
SELECT a.id, jsonb_agg(to_jsonb(b) ORDER BY b.id) FILTER (WHERE b.id IS NOT NULL) AS books
FROM authors a LEFT JOIN books b ON b.author_id = a.id
GROUP BY a.id ORDER BY a.id;

-- name: author_json :one
-- One object per row.
SELECT json_build_object('id', a.id, 'name', a.name, 'born', a.born) AS author
FROM authors a WHERE a.id = :id;
