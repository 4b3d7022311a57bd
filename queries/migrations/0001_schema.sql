-- The domain of the psycopg tutorials: users who own tasks, and orders.
-- Loaded into the throwaway server (or already applied to $DATABASE_URL).

CREATE TABLE users (
    id          serial PRIMARY KEY,
    email       text NOT NULL UNIQUE,
    name        text NOT NULL,
    is_active   boolean NOT NULL DEFAULT true,
    bio         text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tasks (
    id           serial PRIMARY KEY,
    title        varchar(200) NOT NULL,
    description  text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    owner_id     integer REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);

CREATE TABLE orders (
    id          bigserial PRIMARY KEY,
    user_id     integer NOT NULL REFERENCES users (id),
    reference   uuid NOT NULL DEFAULT gen_random_uuid(),
    total       numeric(12, 2) NOT NULL CHECK (total >= 0),
    placed_on   date NOT NULL DEFAULT current_date,
    details     jsonb,
    attachment  bytea
);

-- The type catalogue (queries/all_types.sql): one column of every type quarry maps, plus
-- user-defined enums, composites and domains, in and out of `public`.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE EXTENSION IF NOT EXISTS ltree;

CREATE TYPE mood AS ENUM ('happy', 'so-so', 'sad', '1st place');
CREATE SCHEMA billing;
CREATE TYPE billing.currency AS ENUM ('EUR', 'USD');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE DOMAIN email AS citext CHECK (VALUE LIKE '%_@_%');
CREATE TYPE billing.price AS (amount numeric, currency billing.currency);
CREATE TYPE address AS (street text, zip text, lines text[]);
CREATE TYPE contact AS (name text, home address, prices billing.price[], ranks positive_int[]);

CREATE TABLE scalars (
    id      serial PRIMARY KEY,
    b       boolean, ch "char", i2 smallint, i4 integer, i8 bigint, o oid,
    f4      real, f8 double precision, num numeric, cash money,
    t       text, vc varchar(20), bc char(5), nm name, ci citext, lt ltree,
    by      bytea, u uuid, j json, jb jsonb, x xml, tsv tsvector, tsq tsquery, hs hstore,
    ts      timestamp, tstz timestamptz, d date, tm time, tmtz timetz, iv interval,
    ip      inet, net cidr, mac macaddr, mac8 macaddr8, bits bit(4), vbits varbit, lsn pg_lsn
);

CREATE TABLE ranges (
    id      serial PRIMARY KEY,
    r4      int4range, r8 int8range, rn numrange, rts tsrange, rtstz tstzrange, rd daterange,
    m4      int4multirange, md datemultirange
);

CREATE TABLE arrays (
    id      serial PRIMARY KEY,
    ints    integer[] NOT NULL, texts text[] NOT NULL, maybe_texts text[] NOT NULL,
    bytes   bytea[] NOT NULL, uuids uuid[] NOT NULL, stamps timestamptz[] NOT NULL,
    moods   mood[] NOT NULL, ranks positive_int[] NOT NULL, grid integer[] NOT NULL
);

CREATE TABLE user_types (
    id       serial PRIMARY KEY,
    feeling  mood NOT NULL, currency billing.currency, rank positive_int NOT NULL, mail email,
    contact  contact, contacts contact[] NOT NULL DEFAULT '{}'
);

-- A type only one table uses, so a migration can drop and re-create both (tests/tests/schema_changes.rs).
CREATE TYPE weather AS ENUM ('sun', 'rain');
CREATE TABLE forecasts (
    id  serial PRIMARY KEY,
    sky weather NOT NULL
);

-- The same for a composite type (tests/tests/schema_changes.rs).
CREATE TYPE reading AS (celsius numeric, station text);
CREATE TABLE readings (
    id      serial PRIMARY KEY,
    reading reading NOT NULL
);
