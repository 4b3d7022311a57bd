-- Domain newtypes (tests/tests/domains.rs, generated with `domain_newtypes`).
CREATE EXTENSION IF NOT EXISTS citext;
CREATE DOMAIN email AS citext CHECK (VALUE LIKE '%_@_%');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TABLE users (id serial PRIMARY KEY, mail email NOT NULL, backup email, score positive_int NOT NULL, scores positive_int[] NOT NULL DEFAULT '{}');
