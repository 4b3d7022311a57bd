//! Companion functions: what a query generates next to its main function (cursors, COPY OUT,
//! zero-copy variants, a bulk query's `<name>_with`), and the check that no other query of the
//! file has one of those names.

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::model::{Column, Query};
use crate::parse::{QueryDef, QueryKind};
use crate::scan::{scan, TokenKind};
use std::collections::HashMap;

/// `<fn>_cursor` (and `<fn>_copy_out` without parameters) for `:iter`; `<fn>_each` (`:many`)
/// or `<fn>_with` (`:one`/`:opt`) for a reading statement with a column that borrows in its
/// zero-copy form (zero-copy variants are for hot read paths, not for `INSERT … RETURNING`).
pub(crate) fn names(fn_name: &str, query: &QueryDef, columns: &[Column]) -> Vec<String> {
    let (kind, sql) = (query.kind, &query.sql);
    let borrows = columns.iter().any(|c| c.ty.borrowed.contains("'r"));
    let first_word = scan(sql).ok().and_then(|tokens| {
        let code = tokens.into_iter().find(|t| t.kind == TokenKind::Code)?;
        Some(sql[code.span].split_whitespace().next()?.to_ascii_lowercase())
    });
    let reads =
        matches!(first_word.as_deref(), Some("select" | "with" | "values" | "table")) && query.embeds.is_empty();
    match kind {
        QueryKind::Iter if query.params.is_empty() => vec![format!("{fn_name}_cursor"), format!("{fn_name}_copy_out")],
        QueryKind::Iter => vec![format!("{fn_name}_cursor")],
        kind if kind.is_bulk() => vec![format!("{fn_name}_with")],
        QueryKind::Many if borrows && reads => vec![format!("{fn_name}_each")],
        QueryKind::One | QueryKind::Opt if borrows && reads => vec![format!("{fn_name}_with")],
        _ => Vec::new(),
    }
}

/// A companion function (zero-copy variant, cursor) named like another query's function.
pub(crate) fn clashes(source: &SourceFile, defs: &[QueryDef], queries: &[Query]) -> Vec<Diagnostic> {
    let names: HashMap<&str, usize> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| (q.fn_name.as_str(), i))
        .collect();
    let mut errors = Vec::new();
    for (i, query) in queries.iter().enumerate() {
        for variant in &query.companion_fns {
            let Some(&other) = names.get(variant.as_str()) else {
                continue;
            };
            let def = defs
                .iter()
                .find(|d| crate::naming::snake(&d.name) == queries[other].fn_name);
            let span = def.map_or(0..0, |d| d.name_span.clone());
            errors.push(
                Diagnostic::at(
                    source,
                    span,
                    format!(
                        "query `{}` has the name of the function generated next to query `{}`",
                        queries[other].fn_name, queries[i].fn_name
                    ),
                )
                .with_help("rename one of the two queries"),
            );
        }
    }
    errors
}
