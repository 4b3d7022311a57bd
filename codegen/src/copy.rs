//! `:copyfrom`: the `COPY … FROM STDIN (FORMAT binary)` statement for an
//! `INSERT INTO t (a, b, …) VALUES ($1, $2, …)` query.
//!
//! With `ON CONFLICT`, COPY cannot load the table itself (it has no conflict clause): the rows go
//! into a temporary staging table with the listed columns' types, then one
//! `INSERT INTO t (…) SELECT … FROM staging ON CONFLICT …` moves them, all in one transaction.

use sqlparser::ast::{Expr, OnInsert, SetExpr, Statement, TableObject, Value};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// What a `:copyfrom` query must look like, for the error hint.
pub const SHAPE: &str =
    "a :copyfrom query is `INSERT INTO table (col_a, col_b, …) VALUES (:a, :b, …) [ON CONFLICT …]`: \
                         one parameter per listed column, in order, nothing else (for RETURNING or expressions, use :bulkexec or :bulkone)";

/// The staging table of a `:copyfrom` with `ON CONFLICT`: what runs around its COPY.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Upsert {
    /// Creates the staging table (temporary, dropped at commit, no rows).
    pub create_sql: String,
    /// Moves the staged rows into the table, with the query's `ON CONFLICT`.
    pub insert_sql: String,
    /// Drops the staging table (for a caller's transaction that goes on).
    pub drop_sql: String,
}

/// What a `:copyfrom` query runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyPlan {
    /// `COPY … FROM STDIN (FORMAT binary)`: into the table, or into the staging table.
    pub copy_sql: String,
    /// The staging table around the COPY, for `ON CONFLICT`.
    pub upsert: Option<Upsert>,
}

/// The staging table's name (temporary tables live in the session's own schema).
const STAGING: &str = "pg_temp.__quarry_staging";

/// The COPY statement for `sql` (and its staging table with `ON CONFLICT`), or why it cannot be one.
pub fn copy_statement(sql: &str) -> Result<CopyPlan, String> {
    let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(|e| e.to_string())?;
    let [Statement::Insert(insert)] = statements.as_slice() else {
        return Err("it is not a single INSERT".into());
    };
    let TableObject::TableName(table) = &insert.table else {
        return Err("it does not insert into a table".into());
    };
    if insert.columns.is_empty() {
        return Err("it does not list the columns".into());
    }
    if insert.returning.is_some() {
        return Err("it has RETURNING".into());
    }
    let Some(SetExpr::Values(values)) = insert.source.as_ref().map(|q| q.body.as_ref()) else {
        return Err("it does not insert VALUES".into());
    };
    let [row] = values.rows.as_slice() else {
        return Err("it must have exactly one VALUES row".into());
    };
    let in_order = row.len() == insert.columns.len()
        && row.iter().enumerate().all(|(i, expr)| {
            matches!(expr, Expr::Value(v) if matches!(&v.value, Value::Placeholder(p) if *p == format!("${}", i + 1)))
        });
    if !in_order {
        return Err("its VALUES are not exactly one parameter per column, in order".into());
    }
    let columns = insert
        .columns
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let Some(on) = &insert.on else {
        return Ok(CopyPlan {
            copy_sql: format!("COPY {table} ({columns}) FROM STDIN (FORMAT binary)"),
            upsert: None,
        });
    };
    if !matches!(on, OnInsert::OnConflict(_)) {
        return Err("its ON clause is not PostgreSQL's ON CONFLICT".into());
    }
    if on.to_string().contains('$') {
        return Err("its ON CONFLICT uses a parameter, and COPY sends only rows (write `EXCLUDED.column`)".into());
    }
    let alias = insert
        .table_alias
        .as_ref()
        .map(|a| format!(" AS {}", a.alias))
        .unwrap_or_default();
    Ok(CopyPlan {
        copy_sql: format!("COPY {STAGING} ({columns}) FROM STDIN (FORMAT binary)"),
        upsert: Some(Upsert {
            create_sql: format!(
                "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA",
                STAGING.trim_start_matches("pg_temp.")
            ),
            insert_sql: format!(
                "INSERT INTO {table}{alias} ({columns}) SELECT {columns} FROM {STAGING} {}",
                on.to_string().trim()
            ),
            drop_sql: format!("DROP TABLE {STAGING}"),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::copy_statement;

    #[test]
    fn inserts_of_parameters_become_copy() {
        let plan = copy_statement("INSERT INTO app.\"Tasks\" (title, \"Note\") VALUES ($1, $2)").unwrap();
        assert_eq!(
            plan.copy_sql,
            "COPY app.\"Tasks\" (title, \"Note\") FROM STDIN (FORMAT binary)"
        );
        assert_eq!(plan.upsert, None);
    }

    #[test]
    fn an_upsert_copies_into_a_staging_table_then_inserts_from_it() {
        let plan =
            copy_statement("INSERT INTO t (id, n) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET n = EXCLUDED.n")
                .unwrap();
        assert_eq!(
            plan.copy_sql,
            "COPY pg_temp.__quarry_staging (id, n) FROM STDIN (FORMAT binary)"
        );
        let upsert = plan.upsert.unwrap();
        assert_eq!(
            upsert.create_sql,
            "CREATE TEMPORARY TABLE __quarry_staging ON COMMIT DROP AS SELECT id, n FROM t WITH NO DATA"
        );
        assert_eq!(
            upsert.insert_sql,
            "INSERT INTO t (id, n) SELECT id, n FROM pg_temp.__quarry_staging ON CONFLICT(id) DO UPDATE SET n = EXCLUDED.n"
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        let reason = |sql| copy_statement(sql).unwrap_err();
        assert_eq!(reason("SELECT 1"), "it is not a single INSERT");
        assert_eq!(reason("INSERT INTO t VALUES ($1)"), "it does not list the columns");
        assert_eq!(reason("INSERT INTO t (a) VALUES ($1) RETURNING a"), "it has RETURNING");
        assert_eq!(
            reason("INSERT INTO t (a, b) VALUES ($2, $1)"),
            "its VALUES are not exactly one parameter per column, in order"
        );
        assert_eq!(
            reason("INSERT INTO t (a) VALUES ($1), ($2)"),
            "it must have exactly one VALUES row"
        );
        assert_eq!(reason("INSERT INTO t (a) SELECT $1"), "it does not insert VALUES");
        assert!(copy_statement("INSERT INTO t (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET a = $1").is_err());
    }
}
