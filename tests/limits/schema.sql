-- Tables for tests/tests/limits.rs: how far one call can go.
CREATE TABLE numbers (n bigint NOT NULL);
CREATE TABLE blobs (id serial PRIMARY KEY, body text NOT NULL);
