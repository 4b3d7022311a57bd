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
