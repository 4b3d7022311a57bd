CREATE TABLE books (
    id        bigserial PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    title     text NOT NULL,
    summary   text,
    isbn      text UNIQUE,
    genre     genre NOT NULL,
    tags      text[] NOT NULL DEFAULT '{}',
    year      integer,
    available boolean NOT NULL DEFAULT true
);
