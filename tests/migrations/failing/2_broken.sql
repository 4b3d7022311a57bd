-- The second statement is misspelt: the whole migration is rolled back.
CREATE TABLE half (id int);

CREATE TABLE broken (
    id int,
    name txet
);
