DROP TABLE authors;
DROP TYPE genre;
