-- +migrate Up
-- sql-migrate runs each migration in a transaction, so LOCK is allowed here.
LOCK TABLE customers IN SHARE MODE;
CREATE TABLE audit_aliases (
    id bigserial PRIMARY KEY,
    customer_id bigint REFERENCES customers (id),
    alias text NOT NULL
);

-- +migrate Down
DROP TABLE audit_aliases;
