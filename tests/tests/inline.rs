//! `quarry::query!`: `cargo quarry regenerate`'s library call introspects the calls in
//! `tests/inline/{pass,fail}` into a snapshot; trybuild then compiles them against it — the
//! pass programs run against a real database, the failures' messages are pinned.
//!
//! The only test in its binary: it sets environment variables for trybuild's cargo, which
//! is only sound while no other thread of the process reads the environment.

use quarry_codegen::Config;

#[test]
fn inline_queries_compile_run_and_fail_as_pinned() {
    let url = quarry_tests::db::fresh_database();
    let snapshot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("inline.snapshot.json");
    let regenerated = Config::new()
        .database_url(&url)
        .inline_sources("inline/pass")
        .inline_sources("inline/fail")
        .snapshot(&snapshot)
        .regenerate();
    // The two queries that do not prepare are written to the snapshot (the macro reports them
    // where they are written) and returned, located in the Rust source.
    let errors: Vec<String> = match regenerated {
        Err(quarry_codegen::Error::Diagnostics(d)) => d
            .iter()
            .map(|d| format!("{}:{}:{}: {}", d.file, d.line, d.column, d.message))
            .collect(),
        other => panic!("expected the failing inline queries to be reported, got {other:?}"),
    };
    assert_eq!(
        errors,
        [
            "inline/fail/syntax_error.rs:4:15: inline query: syntax error at or near \"ORDER\" (SQLSTATE 42601)",
            "inline/fail/unknown_column.rs:2:48: inline query: column \"nme\" does not exist (SQLSTATE 42703); \
             hint: Perhaps you meant to reference the column \"users.name\".",
        ]
    );
    assert!(snapshot.is_file());

    std::env::set_var("QUARRY_SNAPSHOT", &snapshot);
    std::env::set_var("QUARRY_TEST_DATABASE_URL", &url);
    // See compile_fail.rs: trybuild's crates have no build script.
    std::env::remove_var("OUT_DIR");
    let t = trybuild::TestCases::new();
    t.pass("inline/pass/*.rs");
    t.compile_fail("inline/fail/*.rs");
    t.compile_fail("inline/unscanned/*.rs");
}
