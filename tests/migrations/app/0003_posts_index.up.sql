-- PostgreSQL refuses CREATE INDEX CONCURRENTLY in a transaction block: this migration runs
-- statement by statement, outside one.
CREATE INDEX CONCURRENTLY posts_by_user ON posts (user_id);
INSERT INTO migration_runs VALUES (3);
