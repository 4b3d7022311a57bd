-- The nullability corpus schema: 12 tables and 2 views, with nullable and NOT NULL
-- columns, optional foreign keys (outer joins that miss) and self references.

CREATE TABLE departments (
    id        serial PRIMARY KEY,
    name      text NOT NULL,
    budget    numeric,
    parent_id integer REFERENCES departments (id)
);

CREATE TABLE employees (
    id         serial PRIMARY KEY,
    dept_id    integer REFERENCES departments (id),
    manager_id integer REFERENCES employees (id),
    name       text NOT NULL,
    email      text NOT NULL,
    salary     numeric NOT NULL,
    bonus      numeric,
    hired_on   date NOT NULL,
    left_on    date
);

CREATE TABLE projects (
    id      serial PRIMARY KEY,
    dept_id integer NOT NULL REFERENCES departments (id),
    title   text NOT NULL,
    started timestamptz NOT NULL,
    ended   timestamptz,
    budget  numeric
);

CREATE TABLE assignments (
    employee_id integer NOT NULL REFERENCES employees (id),
    project_id  integer NOT NULL REFERENCES projects (id),
    role        text,
    hours       integer NOT NULL,
    PRIMARY KEY (employee_id, project_id)
);

CREATE TABLE customers (
    id      serial PRIMARY KEY,
    name    text NOT NULL,
    email   text,
    country text,
    vip     boolean NOT NULL DEFAULT false
);

CREATE TABLE categories (
    id        serial PRIMARY KEY,
    name      text NOT NULL,
    parent_id integer REFERENCES categories (id)
);

CREATE TABLE products (
    id              serial PRIMARY KEY,
    sku             text NOT NULL,
    name            text NOT NULL,
    price           numeric NOT NULL,
    discontinued_at timestamptz,
    category_id     integer REFERENCES categories (id)
);

CREATE TABLE orders (
    id          serial PRIMARY KEY,
    customer_id integer REFERENCES customers (id),
    placed_at   timestamptz NOT NULL,
    shipped_at  timestamptz,
    note        text
);

CREATE TABLE order_lines (
    order_id   integer NOT NULL REFERENCES orders (id),
    product_id integer NOT NULL REFERENCES products (id),
    qty        integer NOT NULL,
    unit_price numeric NOT NULL,
    discount   numeric
);

CREATE TABLE reviews (
    id          serial PRIMARY KEY,
    product_id  integer NOT NULL REFERENCES products (id),
    customer_id integer REFERENCES customers (id),
    rating      integer NOT NULL,
    body        text
);

CREATE TABLE tags (
    id    serial PRIMARY KEY,
    label text NOT NULL
);

CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    actor   text,
    action  text NOT NULL,
    payload jsonb,
    at      timestamptz NOT NULL DEFAULT now()
);

CREATE VIEW active_employees AS
    SELECT id, name, dept_id, bonus FROM employees WHERE left_on IS NULL;

CREATE VIEW customer_order_counts AS
    SELECT c.id, c.name, count(o.id) AS orders, max(o.placed_at) AS last_order
    FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
    GROUP BY c.id, c.name;

-- Arrays (arrays.sql): elements PostgreSQL cannot declare NOT NULL. `keywords` may hold NULL
-- elements (rows.sql puts one there); `labels` cannot, by its CHECK constraint.
CREATE TABLE articles (
    id       serial PRIMARY KEY,
    title    text NOT NULL,
    subtitle text,
    keywords text[] NOT NULL,
    labels   text[] CHECK (array_position(labels, NULL) IS NULL),
    scores   integer[]
);
