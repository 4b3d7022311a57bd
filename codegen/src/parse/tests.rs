//! The parser's unit tests.

use super::header::HEADER_HINT;
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
    let text =
        "-- name: a :one\nSELECT sum(x) AS \"total!\", bio AS \"bio?\", \"plain\", :p AS \"say \"\"hi\"\"!\" FROM t";
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

#[test]
fn doc_lines_that_merely_start_with_sort_or_mention_optional_stay_docs() {
    let file =
        parse("-- name: q :many\n-- sort by newest first\n-- Sort: see below.\nSELECT 1 AS a -- optional later\n;\n")
            .unwrap();
    let q = &file.queries[0];
    assert!(q.dynamic.is_none(), "{:?}", q.dynamic);
    assert_eq!(q.docs, vec!["sort by newest first", "Sort: see below."]);
}

#[test]
fn optional_lines_and_sorts_make_a_dynamic_query() {
    let file = parse(
        "-- name: q :many\n-- sort newest: id DESC\nSELECT id FROM t\nWHERE true\n  AND a = :a -- optional\n  AND b IS NULL -- optional: only_b\nORDER BY id DESC -- sort\n;\n",
    )
    .unwrap();
    let dynamic = file.queries[0].dynamic.as_ref().expect("dynamic");
    let names: Vec<_> = dynamic
        .conditions
        .iter()
        .map(|c| (c.name.as_str(), c.param.is_some()))
        .collect();
    assert_eq!(names, [("a", true), ("only_b", false)]);
    assert_eq!(dynamic.sorts[0].name, "newest");
    let (all_on, kept) = dynamic.sql(&[true, true], 0, false);
    assert_eq!(kept, [0]);
    assert!(
        all_on.contains("AND a = $1") && all_on.contains("AND b IS NULL"),
        "{all_on}"
    );
    let (base, kept) = dynamic.sql(&[false, false], 0, false);
    assert!(
        kept.is_empty() && !base.contains("AND a") && base.contains("ORDER BY id DESC"),
        "{base}"
    );
}
