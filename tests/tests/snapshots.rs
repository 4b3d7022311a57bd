//! The generated code for `queries/`, pinned. Review changes with `cargo insta review`.

use quarry_codegen::emit::Layout;
use quarry_codegen::Config;
use quarry_tests::db::fresh_database;

fn generate(sync: bool) -> Vec<quarry_codegen::emit::OutputFile> {
    Config::new()
        .queries("../queries")
        .schema("../queries/schema.sql")
        .database_url(fresh_database())
        .sync(sync)
        .generate(&Layout::Files)
        .unwrap()
}

#[test]
fn async_flavour() {
    for file in generate(false) {
        insta::assert_snapshot!(format!("async_{}", file.name), file.contents);
    }
}

#[test]
fn sync_flavour() {
    for file in generate(true) {
        insta::assert_snapshot!(format!("sync_{}", file.name), file.contents);
    }
}

#[test]
fn include_layout_differs_only_in_mod_rs() {
    let files = Config::new()
        .queries("../queries")
        .schema("../queries/schema.sql")
        .database_url(fresh_database())
        .generate(&Layout::Include { dir: "quarry".into() })
        .unwrap();
    let plain = generate(false);
    assert_eq!(files[1..], plain[1..], "per-file modules are identical");
    insta::assert_snapshot!("include_mod.rs", files[0].contents);
}

#[test]
fn output_is_deterministic() {
    assert_eq!(generate(false), generate(false));
}
