CREATE TABLE bench_rows (
    id      integer PRIMARY KEY,
    name    text NOT NULL,
    email   text NOT NULL,
    payload bytea NOT NULL,
    tags    text[] NOT NULL
);
