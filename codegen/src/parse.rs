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

mod params;
mod sections;

pub use sections::{has_query_header, schema_part};

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::scan::{scan, Token, TokenKind};
use params::{rewrite_params, Rewritten};
use sections::{header_end, header_text, is_sql, split_sections, stray_warning, Section, Sections};
use std::collections::HashMap;
use std::ops::Range;

/// What a query returns, chosen by the `:kind` in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum QueryKind {
    /// `:one` — exactly one row; zero or several rows is an error naming the query.
    One,
    /// `:opt` — zero or one row, as `Option`.
    Opt,
    /// `:many` — every row, as `Vec`.
    Many,
    /// `:exec` — the number of rows affected, as `u64`.
    Exec,
    /// `:iter` — the rows as a stream (async) or iterator (sync), decoded one at a time, plus
    /// a `<name>_cursor` that fetches them in batches through a server-side cursor.
    Iter,
    /// `:copyfrom` — on `INSERT INTO t (a, b) VALUES (:a, :b)`: loads an iterator of
    /// parameter sets with binary `COPY t (a, b) FROM STDIN`.
    CopyFrom,
    /// `:batchexec` — `:exec` for each parameter set of an iterator, pipelined.
    BatchExec,
    /// `:batchone` — `:one` for each parameter set, pipelined.
    BatchOne,
    /// `:batchmany` — `:many` for each parameter set, pipelined.
    BatchMany,
}

impl QueryKind {
    const ALL: [(&'static str, QueryKind); 9] = [
        ("one", QueryKind::One),
        ("opt", QueryKind::Opt),
        ("many", QueryKind::Many),
        ("exec", QueryKind::Exec),
        ("iter", QueryKind::Iter),
        ("copyfrom", QueryKind::CopyFrom),
        ("batchexec", QueryKind::BatchExec),
        ("batchone", QueryKind::BatchOne),
        ("batchmany", QueryKind::BatchMany),
    ];

    /// The kind written `:name`. sqlc's `:execrows` and `:execresult` are `:exec` (which
    /// returns the rows affected; see docs/from-sqlc.md).
    fn from_name(name: &str) -> Option<Self> {
        let name = match name {
            "execrows" | "execresult" => "exec",
            name => name,
        };
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// The kind as written, e.g. `:batchexec`.
    pub fn name(self) -> &'static str {
        match self {
            QueryKind::One => ":one",
            QueryKind::Opt => ":opt",
            QueryKind::Many => ":many",
            QueryKind::Exec => ":exec",
            QueryKind::Iter => ":iter",
            QueryKind::CopyFrom => ":copyfrom",
            QueryKind::BatchExec => ":batchexec",
            QueryKind::BatchOne => ":batchone",
            QueryKind::BatchMany => ":batchmany",
        }
    }

    /// What one execution returns: a batch kind's single-call kind, else itself.
    pub fn single(self) -> QueryKind {
        match self {
            QueryKind::BatchExec => QueryKind::Exec,
            QueryKind::BatchOne => QueryKind::One,
            QueryKind::BatchMany => QueryKind::Many,
            kind => kind,
        }
    }

    /// Whether the generated function takes an iterator of parameter sets.
    pub fn is_batch(self) -> bool {
        self != self.single()
    }
}

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
    Ok(QueryDef {
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
    })
}

/// The most parameters one statement may have (the protocol's 16-bit count).
pub const MAX_PARAMS: usize = 65_535;

const HEADER_HINT: &str = "a header reads `-- name: <name> :<kind>`, where <kind> is one of :one, :opt, :many, :exec, :iter, :copyfrom, :batchexec, :batchone, :batchmany";

fn parse_header(source: &SourceFile, header: &Token) -> Result<(String, Range<usize>, QueryKind), Diagnostic> {
    let after_name = header_text(source, header).expect("header token");
    let rest = &source.text[after_name..header_end(source, header)];
    let words: Vec<(usize, &str)> = rest
        .split_whitespace()
        .map(|w| (after_name + (w.as_ptr() as usize - rest.as_ptr() as usize), w))
        .collect();
    let malformed = |span: Range<usize>, msg: &str| Diagnostic::at(source, span, msg).with_help(HEADER_HINT);
    let (name_at, name) = match words.first() {
        Some(&(at, w)) if !w.starts_with(':') => (at, w),
        _ => {
            return Err(malformed(
                header.span.clone(),
                "malformed query header: missing the query name",
            ))
        }
    };
    let name_span = name_at..name_at + name.len();
    let Some(&(kind_at, kind_word)) = words.get(1) else {
        return Err(malformed(
            name_span,
            "malformed query header: missing the kind after the name",
        ));
    };
    let kind_span = kind_at..kind_at + kind_word.len();
    let Some(kind_name) = kind_word.strip_prefix(':') else {
        return Err(malformed(
            kind_span,
            "malformed query header: the kind must start with `:`",
        ));
    };
    if let Some(&(extra_at, extra)) = words.get(2) {
        return Err(malformed(
            extra_at..extra_at + extra.len(),
            "malformed query header: unexpected text after the kind",
        ));
    }
    if kind_name == "execlastid" {
        return Err(Diagnostic::at(source, kind_span, "`:execlastid` is MySQL-only")
            .with_help("PostgreSQL has no last-insert id: write `INSERT … RETURNING id` and use `:one`"));
    }
    let kind = QueryKind::from_name(kind_name).ok_or_else(|| {
        Diagnostic::at(source, kind_span, format!("unknown query kind `{kind_word}`")).with_help(
            "the kinds are :one (exactly one row), :opt (zero or one row), :many (all rows), :exec (rows affected), :iter (a stream of rows), :copyfrom (bulk load), and :batchexec, :batchone, :batchmany (the same over many parameter sets, pipelined)",
        )
    })?;
    validate_name(source, name, name_span.clone())?;
    Ok((name.to_string(), name_span, kind))
}

/// Query names become Rust function names; they must be identifiers.
fn validate_name(source: &SourceFile, name: &str, span: Range<usize>) -> Result<(), Diagnostic> {
    if !crate::naming::is_ascii_ident(name) || name == "_" {
        return Err(
            Diagnostic::at(source, span, format!("query name `{name}` is not an identifier")).with_help(
                "use ASCII letters, digits and `_`, starting with a letter (it becomes a Rust function name)",
            ),
        );
    }
    if !crate::naming::is_rust_name(&crate::naming::snake(name)) {
        return Err(Diagnostic::at(
            source,
            span,
            format!("query name `{name}` cannot be a Rust function name"),
        )
        .with_help("`self`, `super` and `crate` cannot be escaped as raw identifiers; pick another name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<QueryFile, Vec<Diagnostic>> {
        parse_file(SourceFile::new("q.sql", text), "q".into())
    }

    fn error(text: &str) -> String {
        parse(text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn header_docs_statement_and_parameters() {
        let file = parse("-- name: add_task :one\n-- Adds a task.\n--  Indented.\nINSERT INTO t (a, b) VALUES (:title, :body?) RETURNING :title;\n").unwrap();
        let q = &file.queries[0];
        assert_eq!((q.name.as_str(), q.kind), ("add_task", QueryKind::One));
        assert_eq!(q.docs, vec!["Adds a task.", " Indented."]);
        assert_eq!(q.sql, "INSERT INTO t (a, b) VALUES ($1, $2) RETURNING $1");
        let params: Vec<_> = q.params.iter().map(|p| (p.name.as_str(), p.nullable)).collect();
        assert_eq!(params, vec![("title", false), ("body", true)]);
    }

    #[test]
    fn statement_ends_at_next_header_or_eof_without_semicolon() {
        let file = parse("-- name: a :many\nSELECT 1\n-- name: b :exec\nDELETE FROM t").unwrap();
        let sql: Vec<_> = file.queries.iter().map(|q| q.sql.trim()).collect();
        assert_eq!(sql, vec!["SELECT 1", "DELETE FROM t"]);
    }

    #[test]
    fn positional_parameters_get_stable_names() {
        let file = parse("-- name: a :many\nSELECT $2, $1").unwrap();
        let names: Vec<_> = file.queries[0].params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["p1", "p2"]);
        assert_eq!(file.queries[0].sql, "SELECT $2, $1");
    }

    #[test]
    fn file_offsets_map_back_through_rewritten_parameters() {
        let text = "-- name: a :one\nSELECT :long_name, bogus";
        let q = &parse(text).unwrap().queries[0];
        let in_sql = q.sql.find("bogus").unwrap();
        assert_eq!(q.file_offset(in_sql), text.find("bogus").unwrap());
    }

    #[test]
    fn unknown_kind() {
        assert_eq!(error("-- name: a :won\nSELECT 1;"), "error: unknown query kind `:won`\n --> q.sql:1:12\n  |\n1 | -- name: a :won\n  |            ^^^^\n  = help: the kinds are :one (exactly one row), :opt (zero or one row), :many (all rows), :exec (rows affected), :iter (a stream of rows), :copyfrom (bulk load), and :batchexec, :batchone, :batchmany (the same over many parameter sets, pipelined)");
    }

    #[test]
    fn malformed_header() {
        assert_eq!(error("-- name: a one\nSELECT 1;"), format!("error: malformed query header: the kind must start with `:`\n --> q.sql:1:12\n  |\n1 | -- name: a one\n  |            ^^^\n  = help: {HEADER_HINT}"));
        assert!(error("-- name:\nSELECT 1;").contains("missing the query name"));
        assert!(error("-- name: a\nSELECT 1;").contains("missing the kind"));
        assert!(error("-- name: a :one extra\nSELECT 1;").contains("unexpected text after the kind"));
    }

    #[test]
    fn duplicate_names_point_at_the_second() {
        assert_eq!(error("-- name: a :one\nSELECT 1;\n-- name: a :one\nSELECT 2;"), "error: duplicate query name `a`\n --> q.sql:3:10\n  |\n3 | -- name: a :one\n  |          ^\n  = help: `a` is already defined at line 1 of this file; rename one of them");
    }

    #[test]
    fn names_must_be_identifiers() {
        assert!(error("-- name: 9lives :one\nSELECT 1;").contains("query name `9lives` is not an identifier"));
        assert!(error("-- name: self :one\nSELECT 1;").contains("cannot be a Rust function name"));
    }

    fn parse_sqlc(text: &str) -> Result<QueryFile, Vec<Diagnostic>> {
        parse_file_with(SourceFile::new("q.sql", text), "q".into(), Syntax::Sqlc)
    }

    #[test]
    fn statements_without_a_header_are_skipped() {
        let text = "CREATE TABLE t (id int);\n-- name: a :one\nSELECT 1; SELECT 2;\nDROP TABLE t;\n-- name: b :exec\nDELETE FROM t;";
        let file = parse(text).unwrap();
        let names: Vec<_> = file.queries.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let warnings: Vec<String> = file.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings[0].starts_with("warning: statement without a query header is skipped\n --> q.sql:1:1"),
            "{}",
            warnings[0]
        );
        assert!(warnings[1].contains("q.sql:3:11"), "{}", warnings[1]);
        assert!(warnings[2].contains("q.sql:4:1"), "{}", warnings[2]);
        // sqlc skips them without a word.
        assert!(parse_sqlc(text).unwrap().warnings.is_empty());
        assert!(error("-- name: a :one\n-- only docs\n").contains("query `a` has no SQL"));
        assert!(error("").contains("no queries in this file"));
        assert!(
            parse_sqlc("CREATE TABLE t (id int);").unwrap().queries.is_empty(),
            "an sqlc query file may hold no query"
        );
    }

    #[test]
    fn sqlc_header_forms() {
        let text = "/* name: a :one */\nSELECT 1;\n# name: b :many\nSELECT 2;\n/*name: c :exec*/ DELETE FROM t;";
        let file = parse_sqlc(text).unwrap();
        let found: Vec<_> = file
            .queries
            .iter()
            .map(|q| (q.name.as_str(), q.kind, q.sql.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("a", QueryKind::One, "SELECT 1"),
                ("b", QueryKind::Many, "SELECT 2"),
                ("c", QueryKind::Exec, "DELETE FROM t")
            ]
        );
        assert!(has_query_header("# name: b :many\nSELECT 2;"));
        assert!(!has_query_header("SELECT '# name: x :one';"));
    }

    #[test]
    fn sqlc_requires_semicolons() {
        let e = parse_sqlc("-- name: a :many\nSELECT 1;\n\n-- name: b :many\nSELECT 2\n").unwrap_err()[0].to_string();
        assert!(
            e.starts_with("error: missing semicolon at the end of query `b`\n --> q.sql:5:9"),
            "{e}"
        );
    }

    #[test]
    fn more_parameters_than_the_protocol_carries() {
        let e = error("-- name: a :exec\nSELECT $1, $65536;");
        assert!(
            e.contains("query `a` has 65536 parameters; PostgreSQL accepts at most 65535 in one statement"),
            "{e}"
        );
        assert!(e.contains("q.sql:2:12"), "at the first parameter past the limit: {e}");
        let names: String = (0..65_536).map(|i| format!(":p{i},")).collect();
        let e = error(&format!("-- name: b :exec\nSELECT {}1;", names));
        assert!(e.contains("has 65536 parameters"), "{e}");
        assert!(parse("-- name: c :exec\nSELECT $65535;").is_ok(), "65 535 is allowed");
    }

    #[test]
    fn byte_order_mark() {
        let file = parse("\u{feff}-- name: a :one\nSELECT 1;").unwrap();
        assert_eq!(file.queries[0].name, "a");
    }

    #[test]
    fn nullability_markers_are_stripped_and_recorded() {
        let text = "-- name: a :one\nSELECT sum(x) AS \"total!\", bio AS \"bio?\", \"plain\", :p AS \"say \"\"hi\"\"!\" FROM t";
        let q = &parse(text).unwrap().queries[0];
        assert_eq!(
            q.sql,
            "SELECT sum(x) AS \"total\", bio AS \"bio\", \"plain\", $1 AS \"say \"\"hi\"\"\" FROM t"
        );
        let found: Vec<_> = q.overrides.iter().map(|o| (o.column.as_str(), o.nullable)).collect();
        assert_eq!(found, vec![("total", false), ("bio", true), ("say \"hi\"", false)]);
        assert_eq!(q.file_offset(q.sql.find("FROM").unwrap()), text.find("FROM").unwrap());
    }

    #[test]
    fn sqlc_named_parameters_and_macros() {
        let text = "-- name: a :many\nSELECT sqlc.embed(authors), b.title FROM books b JOIN authors ON true\nWHERE b.id IN (sqlc.slice(ids)) AND b.id NOT IN (sqlc.slice('skip'))\n  AND b.title = @title AND b.isbn = sqlc.narg(isbn) AND b.year > sqlc.arg(year) AND @title <> ''";
        let q = &parse(text).unwrap().queries[0];
        assert_eq!(
            q.sql,
            "SELECT authors.*, b.title FROM books b JOIN authors ON true\nWHERE b.id = ANY($1) AND b.id <> ALL($2)\n  AND b.title = $3 AND b.isbn = $4 AND b.year > $5 AND $3 <> ''"
        );
        let params: Vec<_> = q.params.iter().map(|p| (p.name.as_str(), p.nullable)).collect();
        assert_eq!(
            params,
            vec![
                ("ids", false),
                ("skip", false),
                ("title", false),
                ("isbn", true),
                ("year", false)
            ]
        );
        assert_eq!(
            q.embeds.iter().map(|e| e.table.as_str()).collect::<Vec<_>>(),
            ["authors"]
        );
        assert_eq!(
            q.file_offset(q.sql.find("AND b.title").unwrap()),
            text.find("AND b.title").unwrap()
        );
    }

    #[test]
    fn positional_parameters_are_named_from_context() {
        let q = &parse("-- name: a :one\nUPDATE t SET bio = $2 WHERE id = $1 AND lower(x) = lower($3)")
            .unwrap()
            .queries[0];
        let names: Vec<_> = q.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["id", "bio", "p3"]);
    }

    #[test]
    fn cornucopia_headers_get_their_own_message() {
        let e = error("--! authors : (bio?)\nSELECT * FROM authors;");
        assert!(e.starts_with("error: cornucopia annotation"), "{e}");
        assert!(e.contains("q.sql:1:1"), "{e}");
    }

    #[test]
    fn sqlc_kinds() {
        let file = parse("-- name: a :execrows\nDELETE FROM t;\n-- name: b :execresult\nDELETE FROM t;").unwrap();
        assert!(file.queries.iter().all(|q| q.kind == QueryKind::Exec));
        let e = error("-- name: a :execlastid\nINSERT INTO t DEFAULT VALUES;");
        assert!(e.contains("`:execlastid` is MySQL-only"), "{e}");
        assert!(e.contains("RETURNING id"), "{e}");
    }

    #[test]
    fn named_parameters_mixed_with_positional_ones_take_the_free_numbers() {
        let q = &parse("-- name: a :one\nSELECT * FROM t WHERE id = $2 AND name = @name AND x = $1 AND y = :y")
            .unwrap()
            .queries[0];
        assert_eq!(
            q.sql,
            "SELECT * FROM t WHERE id = $2 AND name = $3 AND x = $1 AND y = $4"
        );
        let names: Vec<_> = q.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["x", "id", "name", "y"]);
        // Numbers no `$n` uses go to named parameters first.
        let q = &parse("-- name: a :exec\nINSERT INTO t (a, b, c, d) SELECT $1, @b::text, $3, $4 WHERE @b <> ''")
            .unwrap()
            .queries[0];
        assert_eq!(
            q.sql,
            "INSERT INTO t (a, b, c, d) SELECT $1, $2::text, $3, $4 WHERE $2 <> ''"
        );
        let names: Vec<_> = q.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        let q = &parse("-- name: a :one\nSELECT $1, $3").unwrap().queries[0];
        assert_eq!(q.params.len(), 3);
        assert_eq!(q.params[1].name, "p2");
        // An inferred name that a named parameter holds falls back to `p<n>`.
        let q = &parse("-- name: a :one\nSELECT * FROM t WHERE id = $1 AND @id::int > 0")
            .unwrap()
            .queries[0];
        let names: Vec<_> = q.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["p1", "id"]);
    }

    #[test]
    fn every_error_of_a_file_is_reported() {
        assert_eq!(
            parse("-- name: a :x\nSELECT 1;\n-- name: b :y\nSELECT 1;")
                .unwrap_err()
                .len(),
            2
        );
    }
}
