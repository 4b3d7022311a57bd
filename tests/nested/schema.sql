-- Nested results (tests/nested.rs, docs/nested.md): authors → books → reviews, and
-- orders → lines → products.
CREATE TYPE genre AS ENUM ('novel', 'poetry', 'essay');

CREATE TABLE authors (
    id       serial PRIMARY KEY,
    name     text NOT NULL,
    born     date
);

CREATE TABLE books (
    id        serial PRIMARY KEY,
    author_id integer NOT NULL REFERENCES authors (id),
    title     text NOT NULL,
    genre     genre NOT NULL,
    isbn      text,
    published timestamptz
);

CREATE TABLE reviews (
    id      serial PRIMARY KEY,
    book_id integer NOT NULL REFERENCES books (id),
    stars   smallint NOT NULL,
    body    text
);

CREATE TABLE products (
    id    serial PRIMARY KEY,
    name  text NOT NULL,
    price numeric(12, 2) NOT NULL,
    photo bytea
);

CREATE TABLE orders (
    id        serial PRIMARY KEY,
    placed_at timestamptz NOT NULL,
    note      text
);

CREATE TABLE order_lines (
    order_id   integer NOT NULL REFERENCES orders (id),
    line       integer NOT NULL,
    product_id integer NOT NULL REFERENCES products (id),
    qty        integer NOT NULL,
    discount   numeric(5, 2),
    PRIMARY KEY (order_id, line)
);
