-- +goose Up
CREATE INDEX books_search ON books
    USING gin (to_tsvector('english', title || ' ' || coalesce(summary, '')));

-- +goose StatementBegin
CREATE FUNCTION book_count(author bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT count(*) FROM books WHERE author_id = author);
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION book_count(bigint);
DROP INDEX books_search;
