//! The annotation parser: one `.sql` file in, a [`QueryFile`] out.
//!
//! ```sql
//! -- name: list_tasks :many
//! -- Doc lines become rustdoc.
//! SELECT id, title FROM tasks WHERE status = :status;
//! ```
//!
//! Every name, kind and parameter keeps its byte span so later stages (the database's error
//! positions included) can point back at the exact place in the file.

mod header;
mod kind;
mod params;
mod sections;
#[cfg(test)]
mod tests;

pub use kind::QueryKind;

pub use sections::{has_query_header, schema_part};

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::scan::{scan, Token, TokenKind};
use header::parse_header;
use params::{rewrite_params, Rewritten};
use sections::{is_sql, split_sections, stray_warning, Section, Sections};
use std::collections::HashMap;
use std::ops::Range;

/// Whose rules a query file follows where quarry's and sqlc's differ (docs/from-sqlc.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Syntax {
    /// quarry's own: a statement without a header is skipped with a warning, a duplicate result
    /// column name is an error naming the alias to add, a file without headers is an error.
    #[default]
    Quarry,
    /// sqlc's, for files of an sqlc project: statements without a header and files without
    /// headers are skipped silently, duplicate column names get a suffix (`id`, `id_2`), and
    /// every statement must end with `;`.
    Sqlc,
}

/// A parsed `.sql` file.
#[derive(Debug, Clone)]
pub struct QueryFile {
    /// The file, for error messages.
    pub source: SourceFile,
    /// The Rust module name (the file stem in snake_case).
    pub module: String,
    /// The queries in file order.
    pub queries: Vec<QueryDef>,
    /// What was skipped, with where (statements without a header).
    pub warnings: Vec<Diagnostic>,
}

/// One annotated query.
#[derive(Debug, Clone)]
pub struct QueryDef {
    /// The name as written in the header.
    pub name: String,
    /// Where the name is.
    pub name_span: Range<usize>,
    /// What it returns.
    pub kind: QueryKind,
    /// The `--` lines after the header, without the `--`.
    pub docs: Vec<String>,
    /// The statement as written (without the final `;`).
    pub sql_span: Range<usize>,
    /// The statement sent to PostgreSQL: named parameters rewritten to `$n`.
    pub sql: String,
    /// Parameters in `$n` order.
    pub params: Vec<ParamDef>,
    /// Nullability overrides written as `AS "name!"` / `AS "name?"`.
    pub overrides: Vec<NullOverride>,
    /// Pairs `(offset in sql, offset in file)` at the start of each copied segment, to map
    /// PostgreSQL's error positions back into the file.
    pub offset_map: Vec<(usize, usize)>,
    /// `sqlc.embed(table)` calls, in order: each became `table.*` in `sql`.
    pub embeds: Vec<EmbedDef>,
    /// An inline `query!` (its cardinality is chosen at the call, so no columns is fine).
    pub inline: bool,
    /// The rules of the file it came from.
    pub syntax: Syntax,
    /// Optional lines and sort choices, if it has any (docs/dynamic.md).
    pub dynamic: Option<crate::dynamic::Dynamic>,
}

/// One `sqlc.embed(table)`: the table's columns as one nested field of the row.
#[derive(Debug, Clone)]
pub struct EmbedDef {
    /// The table (or alias) as written, unquoted and, unless it was quoted, lower-cased.
    pub table: String,
    /// Where the call is.
    pub span: Range<usize>,
}

impl QueryDef {
    /// The file offset of a byte offset in the rewritten `sql`.
    pub fn file_offset(&self, sql_offset: usize) -> usize {
        quarry_inline::template::map_offset(&self.offset_map, sql_offset, self.sql_span.start).min(self.sql_span.end)
    }
}

/// A nullability override on one result column, from a quoted alias ending in `!` or `?`.
#[derive(Debug, Clone)]
pub struct NullOverride {
    /// The column name without the marker.
    pub column: String,
    /// `?` (nullable) or `!` (non-null).
    pub nullable: bool,
    /// Where the quoted alias is.
    pub span: Range<usize>,
}

/// One parameter of a query.
#[derive(Debug, Clone)]
pub struct ParamDef {
    /// `title` for `:title`, `p1` for `$1`.
    pub name: String,
    /// Written `:name?` at least once, or tested for NULL by the SQL (`:p IS NULL`, see
    /// [`crate::param_names::null_tested`]).
    pub nullable: bool,
    /// First occurrence.
    pub span: Range<usize>,
    /// For sqlc-style parameters (`$n`, `@name`, `sqlc.arg`): the table column the value is
    /// written into (`INSERT … VALUES`, `UPDATE … SET`); nullable when that column is, as in
    /// sqlc. quarry's `:name` parameters are nullable only when written `:name?`.
    pub column: Option<crate::param_names::Target>,
}

impl ParamDef {
    /// Written `$n`, `@name` or `sqlc.arg(name)` (not quarry's `:name`).
    fn sqlc_style(&self, text: &str) -> bool {
        !text[self.span.clone()].starts_with(':')
    }
}

/// Parses one file with quarry's rules. All errors of the file are returned, not just the first.
pub fn parse_file(source: SourceFile, module: String) -> Result<QueryFile, Vec<Diagnostic>> {
    parse_file_with(source, module, Syntax::Quarry)
}

/// Parses one file with the given rules. All errors of the file are returned, not just the first.
pub fn parse_file_with(source: SourceFile, module: String, syntax: Syntax) -> Result<QueryFile, Vec<Diagnostic>> {
    let tokens = scan(&source.text).map_err(|e| vec![Diagnostic::at(&source, e.span, e.message).with_help(e.hint)])?;
    let mut errors = Vec::new();
    let mut queries: Vec<QueryDef> = Vec::new();
    let Sections { sections, strays } = split_sections(&source, &tokens, &mut errors);
    let warnings = match syntax {
        // sqlc skips statements without a `name:` comment without a word.
        Syntax::Sqlc => Vec::new(),
        Syntax::Quarry => strays.iter().map(|span| stray_warning(&source, span.clone())).collect(),
    };
    let mut seen: HashMap<String, Range<usize>> = HashMap::new();
    for section in sections {
        match parse_section(&source, &tokens, section, syntax) {
            Ok(query) => {
                let key = crate::naming::snake(&query.name);
                if let Some(first) = seen.get(&key) {
                    let (line, _) = source.line_col(first.start);
                    errors.push(
                        Diagnostic::at(
                            &source,
                            query.name_span.clone(),
                            format!("duplicate query name `{}`", query.name),
                        )
                        .with_help(format!(
                            "`{}` is already defined at line {line} of this file; rename one of them",
                            &source.text[first.clone()]
                        )),
                    );
                } else {
                    seen.insert(key, query.name_span.clone());
                    queries.push(query);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if queries.is_empty() && errors.is_empty() && syntax == Syntax::Quarry {
        // Pointed at the first statement when there is one: it is what lacks a header.
        let at = strays.first().cloned().unwrap_or(0..0);
        errors.push(
            Diagnostic::at(&source, at, "no queries in this file")
                .with_help("start each query with a header like `-- name: list_tasks :many`, or move the file out of the queries folder"),
        );
    }
    if errors.is_empty() {
        Ok(QueryFile {
            source,
            module,
            queries,
            warnings,
        })
    } else {
        Err(errors)
    }
}

fn parse_section(
    source: &SourceFile,
    tokens: &[Token],
    section: Section,
    syntax: Syntax,
) -> Result<QueryDef, Diagnostic> {
    let header = &tokens[section.header];
    let (name, name_span, kind) = parse_header(source, header)?;
    let body = &tokens[section.body.clone()];
    let docs = body
        .iter()
        .take_while(|t| t.kind == TokenKind::LineComment)
        .map(|t| {
            let line = &source.text[t.span.start + 2..t.span.end];
            line.strip_prefix(' ').unwrap_or(line).trim_end().to_string()
        })
        .collect();
    let Some(first) = body.iter().position(|t| is_sql(t) && t.kind != TokenKind::Semicolon) else {
        return Err(Diagnostic::at(source, name_span, format!("query `{name}` has no SQL"))
            .with_help("write one SQL statement below the header and its doc lines"));
    };
    let end = body[first..]
        .iter()
        .position(|t| t.kind == TokenKind::Semicolon)
        .map_or(body.len(), |i| first + i);
    let statement = &body[first..end];
    if end == body.len() && syntax == Syntax::Sqlc {
        let last = statement.last().map_or(name_span.end, |t| t.span.end);
        return Err(Diagnostic::at(
            source,
            last..last,
            format!("missing semicolon at the end of query `{name}`"),
        )
        .with_help("sqlc requires every statement of a query file to end with `;`"));
    }
    let sql_span = statement[0].span.start..statement.last().map_or(0, |t| t.span.end);
    let Rewritten {
        sql,
        params,
        overrides,
        offset_map,
        embeds,
    } = rewrite_params(source, statement, &sql_span)?;
    // The protocol counts a statement's parameters in 16 bits; the server would refuse it at
    // prepare time with a less helpful message.
    if let Some(extra) = params.get(MAX_PARAMS) {
        return Err(Diagnostic::at(
            source,
            extra.span.clone(),
            format!(
                "query `{name}` has {} parameters; PostgreSQL accepts at most {MAX_PARAMS} in one statement",
                params.len()
            ),
        )
        .with_help("pass a collection as one array parameter (`WHERE id = ANY(:ids)`), or split the statement"));
    }
    let mut def = QueryDef {
        name,
        name_span,
        kind,
        docs,
        sql_span,
        sql,
        params,
        overrides,
        offset_map,
        embeds,
        inline: false,
        syntax,
        dynamic: None,
    };
    if syntax == Syntax::Quarry {
        def.dynamic = crate::dynamic::parse(source, &def)?;
    }
    Ok(def)
}

/// The most parameters one statement may have (the protocol's 16-bit count).
pub const MAX_PARAMS: usize = 65_535;
