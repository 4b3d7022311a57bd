-- The tables of the dynamic-query fixture (tests/tests/dynamic.rs): a ticket tracker.
CREATE TABLE people (
    id integer PRIMARY KEY,
    email text NOT NULL UNIQUE
);

CREATE TABLE tickets (
    id integer PRIMARY KEY,
    project integer NOT NULL,
    title text NOT NULL,
    status text NOT NULL,
    priority integer NOT NULL,
    assignee_id integer REFERENCES people (id),
    created_at timestamptz NOT NULL,
    closed_at timestamptz
);

CREATE TABLE ticket_labels (
    ticket_id integer NOT NULL REFERENCES tickets (id),
    label text NOT NULL,
    PRIMARY KEY (ticket_id, label)
);
