-- name: insert_returning :many
-- expect: id! name! email? vip!
INSERT INTO customers (name) VALUES ('New') RETURNING id, name, email, vip;

-- name: insert_returning_star :many
-- expect: id! label!
INSERT INTO tags (label) VALUES ('x') RETURNING *;

-- name: insert_select_returning :many
-- expect: id! actor? payload?
INSERT INTO audit_log (actor, action) SELECT name, 'copy' FROM employees RETURNING id, actor, payload;

-- name: update_returning :many
-- expect: id! bonus? salary!
UPDATE employees SET bonus = bonus WHERE id = 1 RETURNING id, bonus, salary;

-- name: update_where_narrows_unassigned :many
-- expect: bonus!
UPDATE employees SET salary = salary WHERE bonus IS NOT NULL RETURNING bonus;

-- name: update_assigned_column_not_narrowed :many
-- expect: bonus?
UPDATE employees SET bonus = NULL WHERE bonus IS NOT NULL AND id = 1000 RETURNING bonus;

-- name: update_from :many
-- expect: id! name! customer_id!
UPDATE orders o SET note = note FROM customers c WHERE c.id = o.customer_id RETURNING o.id, c.name, o.customer_id;

-- name: delete_returning :many
-- expect: id! body?
DELETE FROM reviews WHERE id = 1000 RETURNING id, body;

-- name: delete_using :many
-- expect: hours! budget?
DELETE FROM assignments a USING projects p WHERE p.id = a.project_id AND p.id = 1000 RETURNING a.hours, p.budget;

-- name: insert_on_conflict :many
-- expect: id! label!
INSERT INTO tags (id, label) VALUES (1, 'new') ON CONFLICT (id) DO UPDATE SET label = excluded.label RETURNING id, label;

-- name: insert_with_alias :many
-- expect: id! parent_id?
INSERT INTO categories AS c (name) VALUES ('z') RETURNING c.id, c.parent_id;

-- name: insert_returning_expression :many
-- expect: upper_name! email_len?
INSERT INTO customers (name) VALUES ('Expr') RETURNING upper(name) AS upper_name, length(email) AS email_len;
