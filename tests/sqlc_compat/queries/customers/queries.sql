-- name: CreateCustomer :one
INSERT INTO customers (name, email, referred_by) VALUES ($1, $2, $3) RETURNING *;

-- name: SearchCustomers :many
-- Optional filters as sqlc code writes them: a NULL parameter means "no filter".
SELECT id, name FROM customers
WHERE (@name::text IS NULL OR name = @name)
  AND (@ids::bigint[] IS NULL OR id = ANY(@ids))
ORDER BY id;

-- name: CustomersWithReferrers :many
-- The same table embedded twice: fields customer and customer_2, as sqlc names them.
SELECT sqlc.embed(c), sqlc.embed(r) FROM customers c JOIN customers r ON r.id = c.referred_by ORDER BY c.id;

-- name: AddAlias :exec
INSERT INTO audit_aliases (customer_id, alias) VALUES ($1, $2);

-- name: ListAuditAliases :many
SELECT * FROM audit_aliases ORDER BY id;

-- name: ListStatuses :many
SELECT * FROM statuses ORDER BY code;
