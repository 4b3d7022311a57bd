DROP TABLE migration_runs;
DROP TABLE users;
