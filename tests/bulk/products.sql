-- Bulk writes: each query is one row's statement; quarry runs many rows as one statement
-- over unnest(…) per chunk.

-- name: insert_products :bulkexec
-- Inserts products; `version` and `created_at` keep their defaults.
INSERT INTO products (id, sku, name, note, grade, size, price, stock)
VALUES (:id, :sku, :name, :note?, :grade?, :size?, :price, :stock?);

-- name: add_products :bulkone
-- Inserts products and returns what the server filled in, one row per input, in order.
INSERT INTO products (id, sku, name, note, grade, size, price, stock)
VALUES (:id, :sku, upper(:name), :note?, :grade?, :size?, :price, :stock?)
RETURNING id, name, version, created_at;

-- name: upsert_products :bulkone
-- Inserts or updates products; `inserted` tells which happened to each.
INSERT INTO products (id, sku, name, note, grade, size, price, stock)
VALUES (:id, :sku, :name, :note?, :grade?, :size?, :price, :stock?)
ON CONFLICT (id) DO UPDATE
SET name = EXCLUDED.name, note = EXCLUDED.note, price = EXCLUDED.price, version = products.version + 1
RETURNING id, version, (xmax = 0) AS inserted;

-- name: insert_new_products :bulkexec
-- Inserts the products whose id is not taken; the count says how many.
INSERT INTO products (id, sku, name, price) VALUES (:id, :sku, :name, :price)
ON CONFLICT (id) DO NOTHING;

-- name: rename_products :bulkone
-- Renames products by id; each input must match one product.
UPDATE products SET name = :name, version = version + 1 WHERE id = :id
RETURNING id, name, version;

-- name: reprice_grade :bulkmany
-- Adds `delta` to the price of every product of a grade: several rows per input.
UPDATE products AS p SET price = p.price + :delta WHERE p.grade = :grade
RETURNING p.id, p.price;

-- name: delete_products :bulkexec
DELETE FROM products WHERE id = :id;

-- name: delete_by_sku :bulkmany
DELETE FROM products WHERE sku = :sku RETURNING *;

-- name: copy_upsert_products :copyfrom
-- Loads products with COPY, updating the ones whose id exists.
INSERT INTO products (id, sku, name, note, grade, size, price, stock)
VALUES (:id, :sku, :name, :note?, :grade?, :size?, :price, :stock?)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, price = EXCLUDED.price, version = products.version + 1;

-- name: count_products :one
SELECT count(*) AS total, count(note) AS notes, count(grade) AS grades, count(size) AS sizes,
       coalesce(sum(version), 0)::bigint AS versions
FROM products;

-- name: product_names :many
SELECT id, name FROM products ORDER BY id;

-- name: insert_tagged :bulkexec
-- Array columns, NULL elements and NULL arrays included: runs as COPY.
INSERT INTO tagged (id, tags, grades) VALUES (:id, :tags?, :grades?);

-- name: upsert_tagged :bulkone
-- Array parameters in the unnest form: each row's arrays travel flattened.
INSERT INTO tagged (id, tags, grades) VALUES (:id, :tags?, :grades?)
ON CONFLICT (id) DO UPDATE SET tags = EXCLUDED.tags, grades = EXCLUDED.grades
RETURNING id, tags, grades;

-- name: retag :bulkmany
-- An array parameter as the key: every listed row, with the extra tags appended.
UPDATE tagged SET tags = array_cat(tags, :extra) WHERE id = ANY(:ids)
RETURNING id, tags;
