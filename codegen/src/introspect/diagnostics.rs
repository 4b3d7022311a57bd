//! The diagnostics introspection writes: a prepare failure mapped back into the file, the
//! warnings of nullability overrides, of arrays of outer-joined rows and of JSON columns left
//! untyped, and where in the query a result column is written.

use super::QueryInput;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::nullability::{Elements, Verdict};
use crate::parse::QueryDef;
use crate::pg::{Connection, DbError, Statement};
use crate::types::{Resolver, RustType};

/// Maps a prepare failure to the file, using PostgreSQL's error position when it gives one.
pub(super) fn prepare_error(source: &SourceFile, query: &QueryDef, db: &DbError) -> Diagnostic {
    let span = match db.position() {
        Some(position) => {
            let sql_offset = query
                .sql
                .char_indices()
                .nth((position as usize).saturating_sub(1))
                .map_or(query.sql.len(), |(i, _)| i);
            let start = query.file_offset(sql_offset);
            let word = source.text[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(source.text.len() - start)
                .max(1);
            start..start + word
        }
        None => query.name_span.clone(),
    };
    Diagnostic::at(source, span, db.message())
        .with_postgres(db)
        .with_help(format!("query `{}` does not prepare against the schema", query.name))
}

/// Types a JSON column whose shape the SQL spells out, or says (as a warning) why it stays
/// `serde_json::Value`.
pub(super) fn json_column(
    input: &QueryInput<'_>,
    resolver: &mut Resolver<'_>,
    client: &mut Connection,
    column: &crate::pg::Column,
    shape: &crate::nullability::JsonShape,
) -> Result<crate::json_columns::Typed, Diagnostic> {
    let query = input.query;
    // A name the query repeats (`SELECT json_build_object(…), json_build_object(…)`) is told
    // apart as sqlc tells fields apart: `_2`, `_3`, ….
    let columns = input.statement.columns();
    let at = columns.iter().position(|c| std::ptr::eq(c, column)).unwrap_or(0);
    let repeats = columns[..at].iter().filter(|c| c.name() == column.name()).count();
    let label = match repeats {
        0 => column.name().to_string(),
        n => format!("{}_{}", column.name(), n + 1),
    };
    let prefix = format!("{}_{label}", crate::naming::snake(&query.name));
    let statement = (query.sql.as_str(), input.statement.params());
    crate::json_columns::type_column(client, resolver, statement, column.type_(), shape, &prefix)
        .map(|mut typed| {
            typed
                .structs
                .iter_mut()
                .for_each(|s| s.column = column.name().to_string());
            typed
        })
        .map_err(|why| {
            Diagnostic::at(
                input.source,
                column_span(query, input.source, column.name()),
                format!(
                    "query `{}`: column `{}` stays `serde_json::Value`: {why}",
                    query.name,
                    column.name()
                ),
            )
            .with_help("docs/nested.md lists the JSON shapes and value types quarry reads into structs")
            .warning()
        })
}

/// A warning for an array of table rows whose elements may be NULL — `array_agg(b)` over
/// `LEFT JOIN books b` holds `{NULL}` for an author with no books — so the field is
/// `Vec<Option<Book>>`; the hint gives the form that types as `Vec<Book>`, empty when there are
/// none (docs/nested.md).
pub(super) fn outer_joined_rows(
    input: &QueryInput<'_>,
    column: &str,
    ty: &RustType,
    elements: &Elements,
) -> Option<Diagnostic> {
    let Elements::Nullable(why) = elements else {
        return None;
    };
    let model = ty
        .owned
        .strip_prefix("::std::vec::Vec<")?
        .strip_prefix(crate::types::MODELS_PATH)?
        .trim_start_matches("::")
        .trim_end_matches('>');
    let span = column_span(input.query, input.source, column);
    Some(
        Diagnostic::at(
            input.source,
            span,
            format!(
                "query `{}`: column `{column}` is `Vec<Option<{model}>>`: {why}",
                input.query.name
            ),
        )
        .with_help(format!(
            "to get `Vec<{model}>`, empty for a parent with no match, aggregate the matched rows only and default to an \
             empty array: `COALESCE(array_agg(b) FILTER (WHERE b.id IS NOT NULL), '{{}}') AS {column}`, with `b.id` a NOT NULL column of the row"
        ))
        .warning(),
    )
}

/// Applies `AS "col!"` / `AS "col?"`; warns when `!` contradicts the catalog.
pub(super) fn apply_overrides(
    source: &SourceFile,
    query: &QueryDef,
    statement: &Statement,
    mut verdicts: Vec<Verdict>,
) -> (Vec<Verdict>, Vec<Diagnostic>) {
    let mut warnings = Vec::new();
    for o in &query.overrides {
        let Some(i) = statement.columns().iter().position(|c| c.name() == o.column) else {
            continue;
        };
        let line = source.line_col(o.span.start).0;
        if !o.nullable && verdicts[i].catalog_nullable {
            warnings.push(
                Diagnostic::at(
                    source,
                    o.span.clone(),
                    format!(
                        "`!` declares column `{}` non-null, but {}",
                        o.column, verdicts[i].reason
                    ),
                )
                .with_help("a NULL there fails to decode at run time; filter NULLs in the query, or drop the `!`")
                .warning(),
            );
        }
        let marker = if o.nullable { '?' } else { '!' };
        verdicts[i] = Verdict {
            nullable: o.nullable,
            reason: format!("override `{marker}` at line {line} (inferred: {})", verdicts[i].reason),
            catalog_nullable: false,
            elements: verdicts[i].elements.clone(),
            json: verdicts[i].json.clone(),
        };
    }
    (verdicts, warnings)
}

/// Where result column `name` is written in the query (its alias or reference), else the
/// query's name: the first occurrence of the name as a word, or as `"name"`.
pub(super) fn column_span(query: &QueryDef, source: &SourceFile, name: &str) -> std::ops::Range<usize> {
    let sql = &source.text[query.sql_span.clone()];
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let found = sql.find(&quoted).map(|at| (at, quoted.len())).or_else(|| {
        let lower = sql.to_lowercase();
        let word = name.to_lowercase();
        lower
            .match_indices(&word)
            .map(|(at, _)| at)
            .find(|&at| {
                let before = lower[..at]
                    .chars()
                    .last()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                let after = lower[at + word.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                before && after && lower.len() == sql.len()
            })
            .map(|at| (at, word.len()))
    });
    match found {
        Some((at, len)) if name != "?column?" => query.sql_span.start + at..query.sql_span.start + at + len,
        _ => query.name_span.clone(),
    }
}
