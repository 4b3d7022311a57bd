//! `:bulkexec` / `:bulkone` / `:bulkmany`: a single-row `INSERT … VALUES`, an `UPDATE … WHERE
//! key = :k` or a `DELETE … WHERE key = :k`, rewritten into one statement over
//! `unnest($1::t1[])`, `unnest($2::t2[])`, …: one array parameter per parameter of the
//! single-row statement, so a chunk of any number of rows is one Bind of `n` parameters.
//!
//! The rewrite works on the SQL with `$n` parameters: every `$k` becomes the column
//! `__quarry.__pk` of the unnested row, then the statement is reshaped:
//!
//! - `INSERT INTO t (a, b) VALUES (e1, e2) [ON CONFLICT …] [RETURNING …]` →
//!   `INSERT INTO t (a, b) SELECT e1, e2 FROM (SELECT unnest(…) AS __p1, …, … AS __ord) AS
//!   __quarry ORDER BY __quarry.__ord [ON CONFLICT …] [RETURNING …]` (see `unnest_source`). A parameter in `ON CONFLICT` must be
//!   a column's value as written in `VALUES`; it becomes `EXCLUDED.column`.
//! - `UPDATE t SET … [FROM …] WHERE …` gains the rows in `FROM` (after any FROM items of its
//!   own); `DELETE FROM t [USING …] WHERE …` gains them in `USING`. Their `RETURNING` gains
//!   `__quarry.__ord` as a last column, so each row names the input it came from; `RETURNING *`
//!   becomes `RETURNING t.*` (the unnested row is not part of the result).
//!
//! An `INSERT`'s `RETURNING` cannot name the input row, so its rows are matched to inputs by
//! position: PostgreSQL inserts the rows of `INSERT … SELECT … ORDER BY` in that order and
//! returns each row as it inserts it. That holds only when every input inserts (or updates)
//! exactly one row, which is why `:bulkone` refuses `DO NOTHING` and `DO UPDATE … WHERE` (the
//! runtime also checks the count).

mod prepare;

use postgres_types::{Kind, Type};
pub use prepare::{attach, attach_all, Pending};
use quarry_inline::scan::{scan, ParamRef, TokenKind};
use sqlparser::ast::{
    Expr, FromTable, OnConflictAction, OnInsert, SelectItem, SetExpr, Statement, TableObject, TableWithJoins,
    UpdateTableFromKind,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// The alias of the unnested parameter rows in a bulk statement.
const ROWS: &str = "__quarry";

/// What a bulk query must look like, for the error hint.
pub const SHAPE: &str = "a bulk query is one row's statement: `INSERT INTO t (a, b) VALUES (:a, :b) [ON CONFLICT …] \
                         [RETURNING …]`, `UPDATE t SET a = :a WHERE id = :id [RETURNING …]` or `DELETE FROM t WHERE id = :id \
                         [RETURNING …]`; quarry runs it for many rows as one statement over unnest(…)";

/// How the rows of a bulk statement's `RETURNING` map to its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Positions {
    /// No `RETURNING`: the statement returns no rows.
    None,
    /// `INSERT … RETURNING`: one row per input, in input order.
    InOrder,
    /// `UPDATE`/`DELETE … RETURNING`: the last column is the input's 1-based position.
    Ordinal,
}

/// The bulk form of one query: its SQL and how its rows come back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BulkStatement {
    /// The statement over `unnest`, with one array parameter per parameter of the query.
    pub sql: String,
    /// Each array parameter's type OID: fixed for arrays of built-in types, `0` (inferred from
    /// the cast in the SQL) for arrays of user-defined types.
    pub param_oids: Vec<u32>,
    /// How returned rows map to inputs.
    pub positions: Positions,
    /// Whether every input row is certain to return exactly one row (an `INSERT` without
    /// `DO NOTHING` or `DO UPDATE … WHERE`); `:bulkone` on an `INSERT` needs it.
    pub one_row_per_input: bool,
    /// For a `:bulkexec` that is a plain `INSERT` of one parameter per column into a table
    /// without rules: the binary `COPY` each chunk runs as instead (same rows, faster:
    /// PostgreSQL inserts COPY's rows in batches). `sql` and `param_oids` are then the
    /// single-row statement's, whose parameter types are the COPY's column types.
    #[serde(default)]
    pub copy_sql: Option<String>,
    /// The parameters (0-based) of array types: sent as all rows' elements in one array, with
    /// two more parameters each (after the others): every element's row, every row's NULL flag.
    #[serde(default)]
    pub flattened: Vec<usize>,
}

/// The element type of a parameter as the single-row statement is prepared with it: its
/// fixed OID when built in (`0` otherwise) and the type the server reported.
#[derive(Debug, Clone)]
pub struct ParamType<'a> {
    /// The OID the single-row statement is prepared with (`0` for user-defined types).
    pub oid: u32,
    /// The type the server reported for it.
    pub reported: &'a Type,
}

/// The bulk statement for `sql` (with `$1…$n`), or why it cannot have one.
pub fn plan(sql: &str, params: &[ParamType<'_>]) -> Result<BulkStatement, String> {
    if params.is_empty() {
        return Err("it has no parameters, so there is nothing to run per row".into());
    }
    let columns = params.iter().map(array_type).collect::<Result<Vec<_>, _>>()?;
    let substituted = substitute(sql)?;
    let mut statements =
        Parser::parse_sql(&PostgreSqlDialect {}, &substituted).map_err(|e| format!("quarry cannot read it: {e}"))?;
    let [statement] = statements.as_mut_slice() else {
        return Err("it is not a single statement".into());
    };
    let rows_source = unnest_source(&columns);
    let (sql, positions, one_row_per_input) = match statement {
        Statement::Insert(insert) => {
            let (sql, one_row) = insert_sql(insert, &rows_source)?;
            let positions = if insert.returning.is_some() {
                Positions::InOrder
            } else {
                Positions::None
            };
            (sql, positions, one_row)
        }
        Statement::Update(update) => {
            require_key(update.selection.as_ref(), "UPDATE")?;
            let target = target_name(&update.table)?;
            let from = rows_from(&rows_source)?;
            match &mut update.from {
                Some(UpdateTableFromKind::AfterSet(tables)) => tables.push(from),
                Some(UpdateTableFromKind::BeforeSet(_)) => return Err("its FROM is not PostgreSQL's".into()),
                None => update.from = Some(UpdateTableFromKind::AfterSet(vec![from])),
            }
            let positions = ordinal_returning(&mut update.returning, &target)?;
            (statement.to_string(), positions, false)
        }
        Statement::Delete(delete) => {
            require_key(delete.selection.as_ref(), "DELETE")?;
            let target = match &delete.from {
                FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables) => match tables.as_slice() {
                    [table] if table.joins.is_empty() => target_name(table)?,
                    _ => return Err("it deletes from more than one table".into()),
                },
            };
            delete.using.get_or_insert_with(Vec::new).push(rows_from(&rows_source)?);
            let positions = ordinal_returning(&mut delete.returning, &target)?;
            (statement.to_string(), positions, false)
        }
        _ => return Err("it is not an INSERT, UPDATE or DELETE".into()),
    };
    let flattened: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.flattened)
        .map(|(i, _)| i)
        .collect();
    // Each parameter's array (an array parameter's own type holds its rows' elements), then the
    // element rows (`int4[]`) and NULL flags (`bool[]`) of each array parameter.
    let param_oids = params
        .iter()
        .zip(&columns)
        .map(|(p, c)| {
            if c.flattened {
                p.oid
            } else {
                crate::types::array_of(p.oid).unwrap_or(0)
            }
        })
        .chain(
            flattened
                .iter()
                .flat_map(|_| [Type::INT4_ARRAY.oid(), Type::BOOL_ARRAY.oid()]),
        )
        .collect();
    Ok(BulkStatement {
        sql,
        param_oids,
        positions,
        one_row_per_input,
        copy_sql: None,
        flattened,
    })
}

/// `$k` → `__quarry.__pk` everywhere outside literals and comments.
fn substitute(sql: &str) -> Result<String, String> {
    let tokens = scan(sql).map_err(|e| format!("quarry cannot read it: {e:?}"))?;
    let mut out = String::with_capacity(sql.len() + 16);
    let mut at = 0;
    for token in tokens {
        if let TokenKind::Param(ParamRef::Positional(n)) = token.kind {
            out.push_str(&sql[at..token.span.start]);
            out.push_str(&column(n as usize));
            at = token.span.end;
        }
    }
    out.push_str(&sql[at..]);
    Ok(out)
}

/// The unnested column of parameter `n` (1-based).
fn column(n: usize) -> String {
    format!("{ROWS}.__p{n}")
}

/// How one parameter travels in the bulk statement: its array type, and whether it is an
/// array parameter whose rows' arrays are flattened into one.
struct Column {
    cast: String,
    flattened: bool,
}

/// `(SELECT unnest($1::t1[]) AS __p1, …, generate_series(1, cardinality($1::t1[])) AS __ord) AS
/// __quarry`. In the select list, not in FROM: `unnest` in FROM expands an array of a composite
/// type into the composite's columns (and a NULL element into NULL fields), while in a select
/// list it yields each element whole. Several set-returning functions in one select list run
/// in lockstep (PostgreSQL 10 and later), so row `i` holds element `i` of every array.
///
/// PostgreSQL has no arrays of arrays, so an array parameter `$k` travels as the elements of
/// every row's array in one array, plus each element's row (`$r`, `int4[]`) and each row's
/// NULL flag (`$z`, `bool[]`); the rows' arrays are put back together by `array_agg … GROUP BY`
/// the row, joined to the rows (`'{}'` for a row without elements, NULL where flagged).
fn unnest_source(columns: &[Column]) -> String {
    let n = columns.len();
    // The extra parameters of the `j`-th array parameter: its rows, its NULL flags.
    let extras = |j: usize| (n + 2 * j + 1, n + 2 * j + 2);
    let mut flat = 0;
    let mut inner = Vec::new();
    let mut outer = Vec::new();
    let mut joins = Vec::new();
    let mut count = None;
    for (i, column) in columns.iter().enumerate() {
        let (k, ty) = (i + 1, &column.cast);
        if !column.flattened {
            inner.push(format!("unnest(${k}::{ty}) AS __p{k}"));
            outer.push(format!("__r.__p{k}"));
            count.get_or_insert(format!("${k}::{ty}"));
            continue;
        }
        let (rows, nulls) = extras(flat);
        flat += 1;
        inner.push(format!("unnest(${nulls}::\"bool\"[]) AS __z{k}"));
        count.get_or_insert(format!("${nulls}::\"bool\"[]"));
        outer.push(format!(
            "CASE WHEN __r.__z{k} THEN NULL ELSE coalesce(__a{k}.__v, '{{}}'::{ty}) END AS __p{k}"
        ));
        joins.push(format!(
            " LEFT JOIN (SELECT __row, array_agg(__e ORDER BY __i) AS __v FROM (SELECT unnest(${k}::{ty}) AS __e, \
             unnest(${rows}::\"int4\"[]) AS __row, generate_series(1, cardinality(${k}::{ty})) AS __i) AS __f \
             GROUP BY __row) AS __a{k} ON __a{k}.__row = __r.__ord"
        ));
    }
    let count = count.expect("a bulk statement has parameters");
    let rows = format!(
        "SELECT {}, generate_series(1, cardinality({count})) AS __ord",
        inner.join(", ")
    );
    if joins.is_empty() {
        return format!("({rows}) AS {ROWS}");
    }
    format!(
        "(SELECT {}, __r.__ord FROM ({rows}) AS __r{}) AS {ROWS}",
        outer.join(", "),
        joins.concat()
    )
}

/// The unnest source as a FROM item.
fn rows_from(source: &str) -> Result<TableWithJoins, String> {
    let sql = format!("SELECT 1 FROM {source}");
    let parsed = Parser::parse_sql(&PostgreSqlDialect {}, &sql).map_err(|e| e.to_string())?;
    if let [Statement::Query(query)] = parsed.as_slice() {
        if let SetExpr::Select(select) = query.body.as_ref() {
            if let [from] = select.from.as_slice() {
                return Ok(from.clone());
            }
        }
    }
    Err("quarry could not build its FROM item".into())
}

/// How a parameter travels: the SQL name of the array of its type — `"int4"[]` for built-in
/// types (quoted, so that `bit` or `char` do not gain SQL's default length),
/// `"schema"."name"[]` otherwise; an array parameter as its own type, flattened.
fn array_type(param: &ParamType<'_>) -> Result<Column, String> {
    let reported = param.reported;
    if let Kind::Array(element) = reported.kind() {
        if let Kind::Array(_) | Kind::Pseudo = element.kind() {
            return Err(format!(
                "its parameter of type {} cannot be sent in an array",
                reported.name()
            ));
        }
        return Ok(Column {
            cast: format!("{}[]", type_name(element, param.oid != 0)),
            flattened: true,
        });
    }
    if param.oid != 0 {
        let ty = Type::from_oid(param.oid).ok_or_else(|| format!("type OID {} is unknown", param.oid))?;
        if crate::types::array_of(param.oid).is_none() {
            return Err(format!("type {} has no array type", ty.name()));
        }
        return Ok(Column {
            cast: format!("{}[]", type_name(&ty, true)),
            flattened: false,
        });
    }
    Ok(Column {
        cast: format!("{}[]", type_name(reported, false)),
        flattened: false,
    })
}

/// A type's name in SQL: built-in ones by their own name, others schema-qualified; quoted.
fn type_name(ty: &Type, builtin: bool) -> String {
    if builtin {
        quote(ty.name())
    } else {
        format!("{}.{}", quote(ty.schema()), quote(ty.name()))
    }
}

/// A quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// An `UPDATE`/`DELETE` must pick its rows by a parameter, or every row would match every input.
fn require_key(selection: Option<&Expr>, verb: &str) -> Result<(), String> {
    match selection {
        Some(expr) if expr.to_string().contains(&format!("{ROWS}.")) => Ok(()),
        _ => Err(format!(
            "its {verb} has no WHERE naming the row by a parameter (e.g. `WHERE id = :id`)"
        )),
    }
}

/// The name RETURNING qualifies `*` with: the alias, else the table's name.
fn target_name(table: &TableWithJoins) -> Result<String, String> {
    match &table.relation {
        sqlparser::ast::TableFactor::Table { name, alias, .. } if table.joins.is_empty() => {
            Ok(alias.as_ref().map_or_else(|| name.to_string(), |a| a.name.to_string()))
        }
        _ => Err("its target is not a plain table".into()),
    }
}

/// Adds the input position as the last RETURNING column; `*` becomes `target.*`.
fn ordinal_returning(returning: &mut Option<Vec<SelectItem>>, target: &str) -> Result<Positions, String> {
    let Some(items) = returning else {
        return Ok(Positions::None);
    };
    for item in items.iter_mut() {
        if let SelectItem::Wildcard(_) = item {
            *item = parse_item(&format!("{target}.*"))?;
        }
    }
    items.push(parse_item(&format!("{ROWS}.__ord"))?);
    Ok(Positions::Ordinal)
}

fn parse_item(text: &str) -> Result<SelectItem, String> {
    let parsed = Parser::parse_sql(&PostgreSqlDialect {}, &format!("SELECT {text}")).map_err(|e| e.to_string())?;
    if let [Statement::Query(query)] = parsed.as_slice() {
        if let SetExpr::Select(select) = query.body.as_ref() {
            if let [item] = select.projection.as_slice() {
                return Ok(item.clone());
            }
        }
    }
    Err(format!("quarry could not build `{text}`"))
}

/// The INSERT over the unnested rows, and whether every input row yields exactly one row.
fn insert_sql(insert: &sqlparser::ast::Insert, rows_source: &str) -> Result<(String, bool), String> {
    let TableObject::TableName(table) = &insert.table else {
        return Err("it does not insert into a table".into());
    };
    let Some(SetExpr::Values(values)) = insert.source.as_ref().map(|q| q.body.as_ref()) else {
        return Err("it does not insert VALUES".into());
    };
    let [row] = values.rows.as_slice() else {
        return Err("it must have exactly one VALUES row (quarry makes the rows)".into());
    };
    if row
        .iter()
        .any(|e| matches!(e, Expr::Identifier(i) if i.value.eq_ignore_ascii_case("default")))
    {
        return Err(
            "a VALUES item is DEFAULT; leave the column out of the list instead, and it keeps its default".into(),
        );
    }
    let exprs: Vec<String> = row.iter().map(ToString::to_string).collect();
    let mut on = String::new();
    let mut one_row = true;
    if let Some(on_insert) = &insert.on {
        let OnInsert::OnConflict(conflict) = on_insert else {
            return Err("its ON clause is not PostgreSQL's ON CONFLICT".into());
        };
        one_row = match &conflict.action {
            OnConflictAction::DoNothing => false,
            OnConflictAction::DoUpdate(update) => update.selection.is_none(),
        };
        on = format!(" {}", excluded(on_insert.to_string().trim(), &insert.columns, &exprs)?);
    }
    let returning = match &insert.returning {
        Some(items) => {
            let items: Vec<String> = items.iter().map(ToString::to_string).collect();
            let items = items.join(", ");
            if items.contains(&format!("{ROWS}.")) {
                return Err("its RETURNING names a parameter; return columns of the table instead".into());
            }
            format!(" RETURNING {items}")
        }
        None => String::new(),
    };
    let alias = insert
        .table_alias
        .as_ref()
        .map(|a| format!(" AS {}", a.alias))
        .unwrap_or_default();
    let columns = if insert.columns.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = insert.columns.iter().map(ToString::to_string).collect();
        format!(" ({})", names.join(", "))
    };
    let sql = format!(
        "INSERT INTO {table}{alias}{columns} SELECT {} FROM {rows_source} ORDER BY {ROWS}.__ord{on}{returning}",
        exprs.join(", "),
    );
    Ok((sql, one_row))
}

/// The ON CONFLICT clause with each parameter replaced by `EXCLUDED.<column>` of the column
/// whose VALUES item is exactly that parameter.
fn excluded(on: &str, columns: &[sqlparser::ast::ObjectName], exprs: &[String]) -> Result<String, String> {
    let mut on = on.to_string();
    // Longest names first, so `__p1` does not match inside `__p12`.
    let mut params: Vec<(usize, &String)> = exprs.iter().enumerate().collect();
    params.sort_by_key(|(_, e)| std::cmp::Reverse(e.len()));
    for (i, expr) in params {
        if expr.starts_with(&format!("{ROWS}.")) && !expr.contains(' ') {
            if let Some(column) = columns.get(i) {
                on = on.replace(expr.as_str(), &format!("EXCLUDED.{column}"));
            }
        }
    }
    if on.contains(&format!("{ROWS}.")) {
        return Err(
            "its ON CONFLICT uses a parameter that is not a column's value in VALUES; write `EXCLUDED.column` instead"
                .into(),
        );
    }
    Ok(on)
}

#[cfg(test)]
mod tests {
    use super::{plan, ParamType, Positions};
    use postgres_types::Type;

    fn typed(types: &[Type]) -> Vec<ParamType<'_>> {
        types
            .iter()
            .map(|t| ParamType {
                oid: t.oid(),
                reported: t,
            })
            .collect()
    }

    #[test]
    fn an_insert_selects_from_the_unnested_rows_in_order() {
        let types = [Type::TEXT, Type::INT4];
        let bulk = plan(
            "INSERT INTO t (name, n) VALUES ($1, $2 + 1) ON CONFLICT (name) DO UPDATE SET n = $2 + t.n RETURNING id",
            &typed(&types),
        );
        // `$2 + 1` is not a column's bare value, so `$2` in ON CONFLICT cannot become EXCLUDED.
        assert!(bulk.unwrap_err().contains("EXCLUDED"));
        let bulk = plan(
            "INSERT INTO t (name, n) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET n = $2 RETURNING id",
            &typed(&types),
        )
        .unwrap();
        assert_eq!(
            bulk.sql,
            "INSERT INTO t (name, n) SELECT __quarry.__p1, __quarry.__p2 FROM (SELECT unnest($1::\"text\"[]) AS __p1, \
             unnest($2::\"int4\"[]) AS __p2, generate_series(1, cardinality($1::\"text\"[])) AS __ord) AS __quarry \
             ORDER BY __quarry.__ord ON CONFLICT(name) DO UPDATE SET n = EXCLUDED.n RETURNING id"
        );
        assert_eq!(bulk.positions, Positions::InOrder);
        assert!(bulk.one_row_per_input);
        assert_eq!(bulk.param_oids, vec![1009, 1007]);
    }

    #[test]
    fn an_update_joins_the_rows_and_returns_their_positions() {
        let types = [Type::INT8, Type::TEXT];
        let bulk = plan("UPDATE t SET name = $2 WHERE id = $1 RETURNING *", &typed(&types)).unwrap();
        assert_eq!(
            bulk.sql,
            "UPDATE t SET name = __quarry.__p2 FROM (SELECT unnest($1::\"int8\"[]) AS __p1, unnest($2::\"text\"[]) AS __p2, \
             generate_series(1, cardinality($1::\"int8\"[])) AS __ord) AS __quarry WHERE id = __quarry.__p1 \
             RETURNING t.*, __quarry.__ord"
        );
        assert_eq!(bulk.positions, Positions::Ordinal);
        let bulk = plan("DELETE FROM t AS x WHERE x.id = $1", &typed(&types[..1])).unwrap();
        assert_eq!(
            bulk.sql,
            "DELETE FROM t AS x USING (SELECT unnest($1::\"int8\"[]) AS __p1, generate_series(1, cardinality($1::\"int8\"[])) \
             AS __ord) AS __quarry WHERE x.id = __quarry.__p1"
        );
        assert_eq!(bulk.positions, Positions::None);
    }

    #[test]
    fn what_cannot_be_one_statement_is_refused_with_the_reason() {
        let types = [Type::INT8];
        let reason = |sql| plan(sql, &typed(&types)).unwrap_err();
        assert!(reason("UPDATE t SET n = $1").contains("no WHERE"));
        assert!(reason("SELECT $1").contains("not an INSERT"));
        assert!(reason("INSERT INTO t (a) VALUES ($1), ($1)").contains("exactly one VALUES row"));
        assert!(reason("INSERT INTO t (a, b) VALUES ($1, DEFAULT)").contains("DEFAULT"));
        assert!(reason("INSERT INTO t (a) VALUES ($1) RETURNING $1").contains("RETURNING"));
        let arrays = [Type::INT8, Type::TEXT_ARRAY];
        let bulk = plan("UPDATE t SET tags = $2 WHERE id = $1", &typed(&arrays)).unwrap();
        assert_eq!(bulk.flattened, vec![1]);
        assert_eq!(bulk.param_oids, vec![1016, 1009, 1007, 1000]);
        assert!(bulk.sql.contains("unnest($4::\"bool\"[]) AS __z2"), "{}", bulk.sql);
        assert!(
            bulk.sql
                .contains("unnest($2::\"text\"[]) AS __e, unnest($3::\"int4\"[]) AS __row"),
            "{}",
            bulk.sql
        );
        let nothing = plan("INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING", &typed(&types)).unwrap();
        assert!(!nothing.one_row_per_input);
    }
}
