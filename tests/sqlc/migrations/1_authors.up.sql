CREATE TYPE genre AS ENUM ('fiction', 'nonfiction', 'poetry', 'science');

CREATE TABLE authors (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    bio        text,
    born       date,
    created_at timestamptz NOT NULL DEFAULT now()
);
