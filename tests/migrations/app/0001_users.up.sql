-- golang-migrate layout: an .up.sql and a .down.sql per version.
CREATE TABLE users (
    id    bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE
);
-- Each migration records itself: the race test counts how often each ran.
CREATE TABLE migration_runs (version int NOT NULL);
INSERT INTO migration_runs VALUES (1);
