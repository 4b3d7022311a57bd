//! Build-time check of every bulk statement: each is planned from its query's single-row
//! statement, then prepared against the schema like the query itself, and its parameters and
//! columns compared with the single-row form's.

use super::{plan, BulkStatement, ParamType, Positions};
use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::model::{Module, Query};
use crate::parse::{QueryDef, QueryFile, QueryKind};
use crate::pg::{Connection, Statement};
use postgres_types::{Kind, Type};

/// One bulk query: where it is written, its single-row statement and its model.
#[derive(Debug)]
pub struct Pending<'a> {
    /// The file it is in.
    pub file: &'a QueryFile,
    /// Its definition.
    pub def: &'a QueryDef,
    /// Its single-row statement as the server described it.
    pub statement: &'a Statement,
    /// Its model, which gains the bulk statement.
    pub query: &'a mut Query,
}

/// Plans and prepares the bulk statement of each of `pending` (one pipeline for all), and
/// stores it in the query's model. A `:bulkexec` plain `INSERT` into a plain table needs no
/// new statement: it runs as COPY, with the single-row statement's own parameter types.
pub fn attach(client: &mut Connection, pending: Vec<Pending<'_>>) -> Result<(), Error> {
    let mut errors = Vec::new();
    let mut planned = Vec::new();
    for item in pending {
        match copy_form(client, &item) {
            Ok(Some(bulk)) => item.query.bulk = Some(bulk),
            Ok(None) => match plan_one(&item) {
                Ok(bulk) => planned.push((item, bulk)),
                Err(message) => errors.push(at(&item, message, super::SHAPE.to_string())),
            },
            Err(message) => errors.push(at(&item, message, super::SHAPE.to_string())),
        }
    }
    let sqls: Vec<&str> = planned.iter().map(|(_, b)| b.sql.as_str()).collect();
    let prepared = client.prepare_all(&sqls, |_| {}).map_err(crate::database::lost)?;
    for ((item, bulk), result) in planned.into_iter().zip(prepared) {
        let checked = match result {
            Ok(statement) => compare(item.query, item.statement, &statement, &bulk),
            Err(db) => Err(format!("PostgreSQL refuses its bulk form: {}", db.message())),
        };
        match checked {
            Ok(()) => item.query.bulk = Some(bulk),
            Err(message) => {
                let help = format!("the statement quarry built: {}", bulk.sql);
                errors.push(at(&item, message, help));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Diagnostics(errors))
    }
}

fn at(item: &Pending<'_>, message: String, help: String) -> Diagnostic {
    Diagnostic::at(
        &item.file.source,
        item.def.name_span.clone(),
        format!(
            "query `{}` cannot be `{}`: {message}",
            item.def.name,
            item.def.kind.name()
        ),
    )
    .with_help(help)
}

/// The COPY form, when the query is a `:bulkexec` plain `INSERT` (the shape `:copyfrom` takes)
/// into a table or partitioned table without rules (COPY ignores rules, and cannot load a
/// view): the single-row statement stays the query's statement (for its parameter types), and
/// each chunk runs as the COPY. Array-typed columns need nothing special there.
fn copy_form(client: &mut Connection, item: &Pending<'_>) -> Result<Option<BulkStatement>, String> {
    let plan = match crate::copy::copy_statement(&item.def.sql) {
        Ok(plan) if item.def.kind == QueryKind::BulkExec && plan.upsert.is_none() => plan,
        _ => return Ok(None),
    };
    let table = plan
        .copy_sql
        .strip_prefix("COPY ")
        .and_then(|rest| rest.split(" (").next())
        .unwrap_or_default();
    let sql = format!(
        "SELECT relkind::text, relhasrules FROM pg_class WHERE oid = to_regclass('{}')",
        table.replace('\'', "''")
    );
    let rows = client
        .query(&sql)
        .map_err(|e| format!("quarry could not look up its table: {e}"))?;
    let plain = rows
        .first()
        .is_some_and(|row| matches!(row.get::<&str>(0), "r" | "p") && !row.get::<bool>(1));
    Ok(plain.then(|| BulkStatement {
        sql: item.def.sql.clone(),
        param_oids: item.query.params.iter().map(|p| p.ty.param_oid).collect(),
        positions: Positions::None,
        one_row_per_input: true,
        copy_sql: Some(plan.copy_sql),
        flattened: Vec::new(),
    }))
}

/// The bulk statement, or why the query's kind cannot have it.
fn plan_one(item: &Pending<'_>) -> Result<BulkStatement, String> {
    let params: Vec<ParamType<'_>> = item
        .query
        .params
        .iter()
        .zip(item.statement.params())
        .map(|(param, reported)| ParamType {
            oid: param.ty.param_oid,
            reported,
        })
        .collect();
    let bulk = plan(&item.def.sql, &params)?;
    match (item.def.kind, bulk.positions) {
        (QueryKind::BulkOne, Positions::InOrder) if !bulk.one_row_per_input => Err(
            "with DO NOTHING or DO UPDATE … WHERE, an input may insert no row, and an INSERT's RETURNING cannot say \
             which input a row came from; use :bulkexec (the count), or :batchone (per row, pipelined)"
                .into(),
        ),
        (QueryKind::BulkMany, Positions::InOrder) => Err("an INSERT returns one row per input: use :bulkone".into()),
        _ => Ok(bulk),
    }
}

/// The bulk statement takes an array of each parameter's type and returns the same columns
/// (plus the input position, for `Positions::Ordinal`).
fn compare(query: &Query, single: &Statement, bulk: &Statement, planned: &BulkStatement) -> Result<(), String> {
    let expected_params = single.params().len() + 2 * planned.flattened.len();
    if bulk.params().len() != expected_params {
        return Err(format!(
            "it takes {} parameters, not {expected_params}",
            bulk.params().len()
        ));
    }
    for (i, (one, many)) in single.params().iter().zip(bulk.params()).enumerate() {
        let element = match many.kind() {
            Kind::Array(element) => element,
            _ => return Err(format!("its parameter ${} is not an array", i + 1)),
        };
        let mut expected = match query.params[i].ty.param_oid {
            0 => one.clone(),
            oid => Type::from_oid(oid).unwrap_or_else(|| one.clone()),
        };
        // An array parameter travels as its rows' elements, in an array of its own type.
        if planned.flattened.contains(&i) {
            if let Kind::Array(inner) = expected.kind() {
                expected = inner.clone();
            }
        }
        if element.oid() != expected.oid() {
            return Err(format!(
                "its parameter ${} is {}[], not {}[]",
                i + 1,
                element.name(),
                expected.name()
            ));
        }
    }
    let extra = usize::from(planned.positions == Positions::Ordinal);
    if bulk.columns().len() != query.columns.len() + extra {
        return Err(format!(
            "it returns {} columns, the single-row statement {}",
            bulk.columns().len() - extra,
            query.columns.len()
        ));
    }
    for (column, many) in query.columns.iter().zip(bulk.columns()) {
        if many.type_().name() != column.ty.wire_name {
            return Err(format!(
                "its column `{}` is {}, the single-row statement's {}",
                column.pg_name,
                many.type_().name(),
                column.ty.wire_name
            ));
        }
    }
    if extra == 1 && bulk.columns().last().map(|c| c.type_().clone()) != Some(Type::INT4) {
        return Err("its input position column is not integer".into());
    }
    Ok(())
}

/// Attaches the bulk statement of every `:bulk*` query (`modules` in the order of `files`, one query
/// per definition).
pub fn attach_all(
    client: &mut Connection,
    files: &[QueryFile],
    statements: &[Statement],
    modules: &mut [Module],
) -> Result<(), Error> {
    let defs = files.iter().flat_map(|f| f.queries.iter().map(move |q| (f, q)));
    let queries = modules.iter_mut().flat_map(|m| m.queries.iter_mut());
    let pending: Vec<Pending<'_>> = defs
        .zip(statements)
        .zip(queries)
        .filter(|(((_, def), _), _)| def.kind.is_bulk())
        .map(|(((file, def), statement), query)| Pending {
            file,
            def,
            statement,
            query,
        })
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    attach(client, pending)
}
