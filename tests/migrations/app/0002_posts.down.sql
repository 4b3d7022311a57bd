DROP FUNCTION post_count(bigint);
DROP TABLE posts;
DELETE FROM migration_runs WHERE version = 2;
