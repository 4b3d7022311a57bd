-- The tables of the bulk-write fixture (tests/tests/bulk.rs): a product catalogue with an
-- enum, a composite, a domain, a range, NULLable columns and column defaults.
CREATE TYPE grade AS ENUM ('low', 'mid', 'high');

CREATE TYPE dimensions AS (width integer, height integer);

CREATE DOMAIN sku AS text CHECK (VALUE ~ '^[A-Z]{3}-[0-9]+$');

CREATE TABLE products (
    id bigint PRIMARY KEY,
    sku sku NOT NULL UNIQUE,
    name text NOT NULL,
    note text,
    grade grade,
    size dimensions,
    price numeric(12, 2) NOT NULL,
    stock int4range,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Array columns: a plain INSERT of them runs as COPY (an unnest of arrays of arrays cannot).
CREATE TABLE tagged (
    id bigint PRIMARY KEY,
    tags text[],
    grades grade[]
);
