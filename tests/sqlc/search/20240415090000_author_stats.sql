-- +goose Up
CREATE VIEW author_stats AS
SELECT a.id, a.name, count(b.id) AS books, max(b.year) AS latest_year
FROM authors a
LEFT JOIN books b ON b.author_id = a.id
GROUP BY a.id, a.name;

-- +goose Down
DROP VIEW author_stats;
