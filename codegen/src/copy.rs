//! `:copyfrom`: the `COPY … FROM STDIN (FORMAT binary)` statement for an
//! `INSERT INTO t (a, b, …) VALUES ($1, $2, …)` query.

use sqlparser::ast::{Expr, SetExpr, Statement, TableObject, Value};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// What a `:copyfrom` query must look like, for the error hint.
pub const SHAPE: &str = "a :copyfrom query is `INSERT INTO table (col_a, col_b, …) VALUES (:a, :b, …)`: \
                         one parameter per listed column, in order, nothing else (no RETURNING, ON CONFLICT or expressions)";

/// `COPY table (columns) FROM STDIN (FORMAT binary)` for `sql`, or why it cannot be one.
pub fn copy_statement(sql: &str) -> Result<String, String> {
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
    if insert.returning.is_some() || insert.on.is_some() {
        return Err("it has RETURNING or ON CONFLICT".into());
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
    let columns: Vec<String> = insert.columns.iter().map(ToString::to_string).collect();
    Ok(format!(
        "COPY {table} ({}) FROM STDIN (FORMAT binary)",
        columns.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::copy_statement;

    #[test]
    fn inserts_of_parameters_become_copy() {
        assert_eq!(
            copy_statement("INSERT INTO app.\"Tasks\" (title, \"Note\") VALUES ($1, $2)").unwrap(),
            "COPY app.\"Tasks\" (title, \"Note\") FROM STDIN (FORMAT binary)"
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        let reason = |sql| copy_statement(sql).unwrap_err();
        assert_eq!(reason("SELECT 1"), "it is not a single INSERT");
        assert_eq!(reason("INSERT INTO t VALUES ($1)"), "it does not list the columns");
        assert_eq!(
            reason("INSERT INTO t (a) VALUES ($1) RETURNING a"),
            "it has RETURNING or ON CONFLICT"
        );
        assert_eq!(
            reason("INSERT INTO t (a, b) VALUES ($2, $1)"),
            "its VALUES are not exactly one parameter per column, in order"
        );
        assert_eq!(
            reason("INSERT INTO t (a) VALUES ($1), ($2)"),
            "it must have exactly one VALUES row"
        );
        assert_eq!(reason("INSERT INTO t (a) SELECT $1"), "it does not insert VALUES");
    }
}
