-- Rows that put NULL in every nullable column and make every outer join miss somewhere:
-- a department with no employees or projects, an employee with no department, manager or
-- assignment, a customer with no orders, an order with no customer or lines, a product with
-- no category, lines or reviews, and NULL in every nullable column.

INSERT INTO departments (id, name, budget, parent_id) VALUES
    (1, 'Root', NULL, NULL),
    (2, 'Child', 100, 1),
    (3, 'Empty', NULL, NULL);

INSERT INTO employees (id, dept_id, manager_id, name, email, salary, bonus, hired_on, left_on) VALUES
    (1, 1, NULL, 'Ada', 'ada@x', 10, NULL, '2020-01-01', NULL),
    (2, 2, 1, 'Bob', 'bob@x', 20, 5, '2021-01-01', '2022-01-01'),
    (3, NULL, NULL, 'Cy', 'cy@x', 30, NULL, '2022-01-01', NULL);

INSERT INTO projects (id, dept_id, title, started, ended, budget) VALUES
    (1, 1, 'Apollo', now(), NULL, NULL),
    (2, 2, 'Gemini', now(), now(), 50),
    (3, 1, 'Idle', now(), NULL, NULL);

INSERT INTO assignments (employee_id, project_id, role, hours) VALUES
    (1, 1, NULL, 10),
    (2, 2, 'lead', 5);

INSERT INTO customers (id, name, email, country, vip) VALUES
    (1, 'Acme', NULL, NULL, false),
    (2, 'Bolt', 'b@x', 'FR', true),
    (3, 'Lonely', NULL, NULL, false);

INSERT INTO categories (id, name, parent_id) VALUES
    (1, 'Tools', NULL),
    (2, 'Saws', 1);

INSERT INTO products (id, sku, name, price, discontinued_at, category_id) VALUES
    (1, 'S1', 'Saw', 9.5, NULL, 2),
    (2, 'H1', 'Hammer', 5, now(), NULL),
    (3, 'X1', 'Unsold', 1, NULL, NULL);

INSERT INTO orders (id, customer_id, placed_at, shipped_at, note) VALUES
    (1, 1, now(), NULL, NULL),
    (2, NULL, now(), now(), 'walk-in'),
    (3, 2, now(), NULL, NULL);

INSERT INTO order_lines (order_id, product_id, qty, unit_price, discount) VALUES
    (1, 1, 2, 9.5, NULL),
    (3, 2, 1, 5, 0.5);

INSERT INTO reviews (id, product_id, customer_id, rating, body) VALUES
    (1, 1, NULL, 4, NULL),
    (2, 2, 2, 2, 'meh');

INSERT INTO tags (id, label) VALUES (1, 'new');

INSERT INTO audit_log (actor, action, payload) VALUES (NULL, 'boot', NULL), ('ada', 'login', '{"ip": null}');

SELECT setval(pg_get_serial_sequence(t, 'id'), 100)
FROM unnest(ARRAY['departments', 'employees', 'projects', 'customers', 'categories', 'products',
                  'orders', 'reviews', 'tags', 'audit_log']) AS t;

-- Arrays: a NULL element where the schema allows one, an empty array, a NULL array.
INSERT INTO articles (id, title, subtitle, keywords, labels, scores) VALUES
    (1, 'a,b', NULL, '{x,NULL}', '{l1,l2}', '{1,NULL}'),
    (2, 'ab', 'sub', '{}', NULL, NULL),
    (3, 'b', NULL, '{y}', '{}', '{}');
