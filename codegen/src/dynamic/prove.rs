//! At introspection: the variants of a dynamic query that `Dynamic::checks` names are prepared
//! beside the statement as written, and each must prepare, take the same parameter types and
//! return the same columns; the variant with no optional line also has its nullability
//! inferred, since a column may be nullable there and not with every line on.

use super::{Check, Dynamic};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::parse::QueryDef;
use crate::pg::{DbError, Statement};

/// One variant to prepare: what it is, its SQL, the parameters it keeps.
#[derive(Debug)]
pub struct Variant {
    /// Which variant.
    pub check: Check,
    /// Its SQL.
    pub sql: String,
    /// The statement's parameters it keeps (indexes).
    pub kept: Vec<usize>,
}

/// The variants to prepare for `dynamic`.
pub fn variants(dynamic: &Dynamic) -> Vec<Variant> {
    dynamic
        .checks()
        .into_iter()
        .map(|check| {
            let (sql, kept) = dynamic.sql(&check.on, check.sort, check.after);
            Variant { check, sql, kept }
        })
        .collect()
}

/// What proving a dynamic query yields: the variant with no optional line as a query
/// definition of its own with its statement (for nullability inference), and each sort's key
/// parameter types (with an `-- after` line).
pub type Proven = (QueryDef, Statement, Vec<Vec<postgres_types::Type>>);

/// Checks each prepared variant against `main` (the statement as written).
pub fn prove(
    source: &SourceFile,
    def: &QueryDef,
    dynamic: &Dynamic,
    main: &Statement,
    prepared: Vec<(Variant, Result<Statement, Box<DbError>>)>,
) -> Result<Proven, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut base = None;
    let mut key_types: Vec<Option<Vec<postgres_types::Type>>> = vec![None; dynamic.sorts.len()];
    let mut failed_sorts = Vec::new();
    for (variant, result) in prepared {
        let sort = variant.check.sort;
        let at = match variant.check.condition {
            Some(c) => line_span(source, def, &dynamic.conditions[c].line),
            None if sort > 0 => line_span(source, def, &format!("sort {}:", dynamic.sorts[sort].name)),
            None => def.name_span.clone(),
        };
        let label = &variant.check.label;
        let statement = match result {
            // A sort choice that fails on the base fails with every line on too: once is enough.
            Err(_) if sort > 0 && failed_sorts.contains(&sort) => continue,
            Ok(statement) => statement,
            Err(e) => {
                failed_sorts.push(sort);
                problems.push(
                    Diagnostic::at(
                        source,
                        at,
                        format!("query `{}` {label} does not prepare: {}", def.name, e.message()),
                    )
                    .with_postgres(&e)
                    .with_help(if sort > 0 {
                        "a sort choice must be valid with and without the optional lines: see docs/dynamic.md"
                    } else {
                        "every combination of optional lines must be valid SQL: see docs/dynamic.md"
                    }),
                );
                continue;
            }
        };
        let expected: Vec<_> = variant.kept.iter().map(|&n| main.params()[n].clone()).collect();
        let (own, keys) = statement
            .params()
            .split_at(expected.len().min(statement.params().len()));
        if variant.check.after {
            match &key_types[sort] {
                Some(seen) if seen.as_slice() != keys => problems.push(Diagnostic::at(
                    source,
                    at.clone(),
                    format!(
                        "query `{}` {label}: the server infers other key types than on the base",
                        def.name
                    ),
                )),
                Some(_) => {}
                None => key_types[sort] = Some(keys.to_vec()),
            }
        }
        if own != expected.as_slice() || (!variant.check.after && !keys.is_empty()) {
            problems.push(
                Diagnostic::at(
                    source,
                    at.clone(),
                    format!(
                        "query `{}` {label}: the server infers other parameter types than with every line on",
                        def.name
                    ),
                )
                .with_help("give the parameter a cast (`:status::text`) so every variant types it alike"),
            );
        }
        let columns = |s: &Statement| {
            s.columns()
                .iter()
                .map(|c| (c.name().to_string(), c.type_().clone()))
                .collect::<Vec<_>>()
        };
        if columns(&statement) != columns(main) {
            problems.push(
                Diagnostic::at(
                    source,
                    at,
                    format!(
                        "query `{}` {label} returns other columns than with every line on",
                        def.name
                    ),
                )
                .with_help("optional lines may filter, join or limit rows, not change the result columns"),
            );
        }
        if base.is_none() && variant.check.on.iter().all(|on| !on) && variant.check.sort == 0 {
            let mut base_def = def.clone();
            base_def.sql = variant.sql.clone();
            base_def.params = variant.kept.iter().map(|&n| def.params[n].clone()).collect();
            base_def.offset_map = vec![(0, def.sql_span.start)];
            base = Some((base_def, statement));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let (def, statement) = base.expect("the first check is the base variant");
    Ok((
        def,
        statement,
        key_types.into_iter().map(Option::unwrap_or_default).collect(),
    ))
}

/// Where `text` (a condition's first line, or a sort declaration) is in the query, from its
/// header on.
fn line_span(source: &SourceFile, def: &QueryDef, text: &str) -> std::ops::Range<usize> {
    let from = def.name_span.start;
    match source.text[from..def.sql_span.end].find(text) {
        Some(at) if !text.is_empty() => from + at..from + at + text.len(),
        _ => def.name_span.clone(),
    }
}
