CREATE TABLE bench_rows (
    id      integer PRIMARY KEY,
    name    text NOT NULL,
    email   text NOT NULL,
    payload bytea NOT NULL,
    tags    text[] NOT NULL
);

-- The PERF-FLOOR row shape: (bigint, text, text, int, timestamptz).
CREATE TABLE people (
    id         bigint PRIMARY KEY,
    name       text NOT NULL,
    email      text NOT NULL,
    age        integer NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE UNLOGGED TABLE people_load (
    id         bigint,
    name       text,
    email      text,
    age        integer,
    created_at timestamptz
);
