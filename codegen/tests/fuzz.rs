//! Property-based fuzzing of the SQL scanner and the annotation parser: on any input they
//! return (no panic, no hang), tokens tile the text in order on char boundaries, and every
//! diagnostic points inside the file.
//!
//! CI runs the default number of cases per property; a long run:
//! `PROPTEST_CASES=200000 cargo test --release -p quarry-codegen --test fuzz` (see
//! docs/operations.md for the recorded figure). The seed corpus in `tests/fuzz-corpus/` (inputs
//! that once broke or nearly broke something) is replayed on every run; proptest also keeps
//! any new failing case in `tests/fuzz.proptest-regressions`.

use proptest::prelude::*;
use quarry_codegen::diagnostic::SourceFile;
use quarry_codegen::parse::parse_file;
use quarry_codegen::scan::scan;

/// Fragments that steer random text into the scanner's interesting states.
const FRAGMENTS: &[&str] = &[
    "-- name: q :one\n",
    "-- name: list_all :many\n",
    "-- name: :exec\n",
    "-- name: x :batchone\n",
    "-- name: y\n",
    "--! legacy\n",
    "SELECT ",
    "INSERT INTO t (a) VALUES (",
    ":id",
    ":name?",
    ":é",
    "::int",
    ":=",
    "$1",
    "$$",
    "$tag$",
    "$tag",
    "E'\\'",
    "'",
    "''",
    "\"",
    "\"\"",
    "/*",
    "*/",
    "--",
    ";",
    "\n",
    "\r\n",
    "[1:2]",
    "[:n]",
    "AS \"col!\"",
    "AS \"col?\"",
    "-- doc line\n",
    "\u{feff}",
    "é",
    "\0",
];

fn sql_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
            1 => "[a-z_ ]{1,6}",
            1 => any::<char>().prop_map(|c| c.to_string()),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// Scanning never panics; on success the tokens are ordered, disjoint, on char boundaries.
fn check_scan(text: &str) {
    match scan(text) {
        Ok(tokens) => {
            let mut end = 0;
            for token in tokens {
                assert!(token.span.start >= end, "tokens overlap in {text:?}");
                assert!(token.span.start < token.span.end || token.span.start == text.len());
                assert!(token.span.end <= text.len());
                assert!(text.is_char_boundary(token.span.start) && text.is_char_boundary(token.span.end));
                end = token.span.end;
            }
        }
        Err(e) => assert!(e.span.start <= text.len(), "error span past the end in {text:?}"),
    }
}

/// Parsing never panics; every diagnostic points at a real line and column of the file.
fn check_parse(text: &str) {
    let lines = text.split('\n').count();
    if let Err(diagnostics) = parse_file(SourceFile::new("f.sql", text), "f".into()) {
        assert!(!diagnostics.is_empty());
        for d in diagnostics {
            assert!(
                d.line >= 1 && d.line as usize <= lines,
                "line {} of {lines} in {text:?}",
                d.line
            );
            assert!(d.column >= 1 && d.width >= 1);
            // Rendering must not panic either (it slices the line by columns).
            let _ = d.to_string();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn scanner_survives_sql_like_text(text in sql_like()) {
        check_scan(&text);
    }

    #[test]
    fn parser_survives_sql_like_text(text in sql_like()) {
        check_parse(&text);
    }

    #[test]
    fn scanner_and_parser_survive_any_text(text in any::<String>()) {
        check_scan(&text);
        check_parse(&text);
    }
}

#[test]
fn seed_corpus_replays() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        check_scan(&text);
        check_parse(&text);
        seen += 1;
    }
    assert!(seen >= 10, "the corpus holds {seen} inputs");
}

#[test]
fn pathological_inputs_finish() {
    // Deep nesting and long runs: linear scanning, no recursion blow-up.
    for text in [
        "/*".repeat(100_000),
        format!("{}{}", "/*".repeat(50_000), "*/".repeat(50_000)),
        "$a$".repeat(100_000),
        "'".repeat(100_001),
        ":a".repeat(100_000),
        "-- name: q :one\n".repeat(20_000),
        format!("-- name: q :one\nSELECT {};", "[".repeat(100_000)),
    ] {
        check_scan(&text);
        check_parse(&text);
    }
}
