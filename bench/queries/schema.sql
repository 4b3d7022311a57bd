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

-- Figure 13: a logged table, so a commit costs what it does in production (a WAL flush).
CREATE TABLE people_logged (
    id         bigint,
    name       text,
    email      text,
    age        integer,
    created_at timestamptz
);

-- Figure 10 (bulk writes): the upsert target, keyed by id.
CREATE UNLOGGED TABLE people_upsert (
    id         bigint PRIMARY KEY,
    name       text,
    email      text,
    age        integer,
    created_at timestamptz
);

-- Figure 9 (dynamic queries): a million tickets, an index per filter (leading with the filtered
-- column, then the default order) and per order.
CREATE TABLE tickets (
    id         integer PRIMARY KEY,
    status     text NOT NULL,
    assignee   integer NOT NULL,
    priority   integer NOT NULL,
    created_at timestamptz NOT NULL,
    title      text NOT NULL
);
CREATE INDEX tickets_status ON tickets (status, created_at, id);
CREATE INDEX tickets_assignee ON tickets (assignee, created_at, id);
CREATE INDEX tickets_created_at ON tickets (created_at, id);
CREATE INDEX tickets_priority ON tickets (priority, id);

-- Figure 11 (nested results): 100 orders × 10 lines.
CREATE TABLE nest_orders (
    id        integer PRIMARY KEY,
    placed_at timestamptz NOT NULL
);

CREATE TABLE nest_lines (
    order_id integer NOT NULL REFERENCES nest_orders (id),
    line     integer NOT NULL,
    qty      integer NOT NULL,
    price    numeric(12, 2) NOT NULL,
    PRIMARY KEY (order_id, line)
);
