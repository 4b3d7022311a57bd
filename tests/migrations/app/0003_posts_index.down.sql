DROP INDEX CONCURRENTLY posts_by_user;
DELETE FROM migration_runs WHERE version = 3;
