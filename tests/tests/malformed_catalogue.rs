//! A catalogue of malformed `.sql` inputs: each fails with its own precise error (the message
//! and the `file:line:col` it points at are asserted), and a folder generated earlier from good
//! input is left exactly as it was — no file written, removed or half-written.
//!
//! The full rendered text of the common cases is pinned in `errors.rs`' insta snapshots; this
//! table is about breadth and about leaving the output untouched.

use quarry_codegen::Config;
use quarry_tests::db::fresh_database;
use std::path::Path;

const GOOD: &str = "-- name: one :one\nSELECT 1 AS one;\n";

/// (case, file contents, expected message fragment, expected `file:line:col`).
fn catalogue() -> Vec<(&'static str, Vec<u8>, &'static str, &'static str)> {
    let big = {
        // ~10 MB: 6 000 valid queries with long doc comments, then one PostgreSQL rejects.
        let mut text = String::new();
        for i in 0..6_000 {
            text.push_str(&format!(
                "-- name: q{i} :one\n-- Padded so the file is large: {}\nSELECT {i} AS n;\n\n",
                "x".repeat(1_700)
            ));
        }
        assert!(text.len() > 10_000_000);
        text.push_str("-- name: broken :one\nSELECT nope;\n");
        text.into_bytes()
    };
    let s = |t: &str| t.as_bytes().to_vec();
    vec![
        (
            "unterminated string",
            s("-- name: q :one\nSELECT 'abc;\n"),
            "unterminated string literal",
            "bad.sql:2:8",
        ),
        (
            "unterminated E-string",
            s("-- name: q :one\nSELECT E'abc\\';\n"),
            "unterminated string literal",
            "bad.sql:2:9",
        ),
        (
            "unterminated quoted identifier",
            s("-- name: q :one\nSELECT \"abc;\n"),
            "unterminated quoted identifier",
            "bad.sql:2:8",
        ),
        (
            "unterminated block comment",
            s("-- name: q :one\nSELECT 1 /* open\n"),
            "unterminated block comment",
            "bad.sql:2:10",
        ),
        (
            "unterminated nested comment",
            s("-- name: q :one\nSELECT 1 /* a /* b */\n"),
            "unterminated block comment",
            "bad.sql:2:10",
        ),
        (
            "unterminated dollar quote",
            s("-- name: q :one\nSELECT $x$ body;\n"),
            "unterminated dollar-quoted string",
            "bad.sql:2:8",
        ),
        (
            "unknown kind",
            s("-- name: q :all\nSELECT 1;\n"),
            "unknown query kind `:all`",
            "bad.sql:1:12",
        ),
        (
            "kind without colon",
            s("-- name: q one\nSELECT 1;\n"),
            "the kind must start with `:`",
            "bad.sql:1:12",
        ),
        (
            "header without name",
            s("-- name: :one\nSELECT 1;\n"),
            "malformed query header: missing the query name",
            "bad.sql:1:1",
        ),
        (
            "header without kind",
            s("-- name: q\nSELECT 1;\n"),
            "malformed query header: missing the kind after the name",
            "bad.sql:1:10",
        ),
        (
            "duplicate name",
            s("-- name: q :one\nSELECT 1 AS a;\n-- name: q :one\nSELECT 2 AS a;\n"),
            "duplicate query name `q`",
            "bad.sql:3:10",
        ),
        (
            "name not an identifier",
            s("-- name: 9lives :one\nSELECT 1 AS a;\n"),
            "is not an identifier",
            "bad.sql:1:10",
        ),
        (
            "name with a dash",
            s("-- name: get-user :one\nSELECT 1 AS a;\n"),
            "query name `get-user` is not an identifier",
            "bad.sql:1:10",
        ),
        (
            "non-ASCII parameter",
            s("-- name: q :one\nSELECT :naïve AS a;\n"),
            "is not ASCII",
            "bad.sql:2:8",
        ),
        (
            "non-UTF-8 file",
            b"-- name: q :one\nSELECT '\xc3\x28' AS a;\n".to_vec(),
            "not valid UTF-8",
            "bad.sql:2:9",
        ),
        ("empty file", s(""), "no queries in this file", "bad.sql:1:1"),
        (
            "only comments",
            s("-- nothing here\n/* at all */\n"),
            "no queries in this file",
            "bad.sql:1:1",
        ),
        (
            "statements but no header",
            s("SELECT 1;\nSELECT 2;\n"),
            "no queries in this file",
            "bad.sql:1:1",
        ),
        (
            "header without SQL",
            s("-- name: q :one\n"),
            "has no SQL",
            "bad.sql:1:10",
        ),
        (
            "block-comment header left open",
            s("/* name: q :one\nSELECT 1 AS a;\n"),
            "unterminated block comment",
            "bad.sql:1:1",
        ),
        (
            "unknown column",
            s("-- name: q :one\nSELECT nope FROM tasks;\n"),
            "column \"nope\" does not exist",
            "bad.sql:2:8",
        ),
        (
            "unknown table",
            s("-- name: q :many\nSELECT id FROM nowhere;\n"),
            "relation \"nowhere\" does not exist",
            "bad.sql:2:16",
        ),
        (
            "syntax error",
            s("-- name: q :many\nSELEC id FROM tasks;\n"),
            "syntax error at or near \"SELEC\"",
            "bad.sql:2:1",
        ),
        (
            "invalid literal",
            s("-- name: q :many\nSELECT id FROM tasks WHERE id = 'x'::uuid;\n"),
            "invalid input syntax for type uuid",
            "bad.sql:2:33",
        ),
        (
            "unsupported type",
            s("-- name: q :one\nSELECT stxdndistinct AS p FROM pg_statistic_ext_data;\n"),
            "cannot map to a Rust type",
            "bad.sql:1:10",
        ),
        (
            "anonymous record",
            s("-- name: q :one\nSELECT ROW(1, 2) AS r;\n"),
            "has type `record`",
            "bad.sql:1:10",
        ),
        (
            "unnamed column",
            s("-- name: q :one\nSELECT 1 + 1, 2 AS b;\n"),
            "has no usable Rust field name",
            "bad.sql:1:10",
        ),
        (
            "clashing columns",
            s("-- name: q :one\nSELECT 1 AS a, 2 AS a;\n"),
            "both become field `a`",
            "bad.sql:1:10",
        ),
        (
            ":one without columns",
            s("-- name: q :one\nDELETE FROM tasks;\n"),
            "returns no columns",
            "bad.sql:1:10",
        ),
        (
            "bad :copyfrom",
            s("-- name: q :copyfrom\nINSERT INTO tasks (title) SELECT 'x';\n"),
            "cannot be `:copyfrom`",
            "bad.sql:1:10",
        ),
        (
            "companion name clash",
            s("-- name: t :many\nSELECT title FROM tasks;\n-- name: t_each :many\nSELECT title FROM tasks;\n"),
            "the name of the function generated next to",
            "bad.sql:3:10",
        ),
        (
            "10 MB file, error at the end",
            big,
            "column \"nope\" does not exist",
            "bad.sql:24002:8",
        ),
    ]
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_malformed_input_gets_its_error_and_leaves_the_output_untouched() {
    let url = fresh_database();
    let cases = catalogue();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let mut failures = Vec::new();
    // The output of the good file alone, generated once and copied into each case's folder.
    let first = tempfile::tempdir().unwrap();
    std::fs::write(first.path().join("good.sql"), GOOD).unwrap();
    let good_out = first.path().join("out");
    Config::new()
        .queries(first.path().join("good.sql"))
        .database_url(url.clone())
        .write_to(&good_out)
        .unwrap();
    let before = snapshot(&good_out);
    for (case, contents, message, location) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (queries, out) = (dir.path().join("queries"), dir.path().join("out"));
        std::fs::create_dir(&queries).unwrap();
        std::fs::create_dir(&out).unwrap();
        std::fs::write(queries.join("good.sql"), GOOD).unwrap();
        for (name, bytes) in &before {
            std::fs::write(out.join(name), bytes).unwrap();
        }
        let generate = || Config::new().queries(&queries).database_url(url.clone()).write_to(&out);

        std::fs::write(queries.join("bad.sql"), &contents).unwrap();
        let error = match generate() {
            Ok(_) => {
                failures.push(format!("{case}: generated without an error"));
                continue;
            }
            Err(e) => e.to_string().replace(&format!("{}/", queries.display()), ""),
        };
        if !error.contains(message) || !error.contains(&format!(" --> {location}")) {
            failures.push(format!("{case}: expected {message:?} at {location} in\n{error}"));
        }
        assert_eq!(snapshot(&out), before, "{case}: the output folder changed");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
