CREATE TABLE posts (
    id      bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    title   text NOT NULL,
    body    text
);
CREATE FUNCTION post_count(uid bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM posts WHERE user_id = uid;
$$;
INSERT INTO migration_runs VALUES (2);
