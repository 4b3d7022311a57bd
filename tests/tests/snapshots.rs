//! The generated code for `queries/`, pinned. Review changes with `cargo insta review`.

use quarry_codegen::emit::Layout;
use quarry_codegen::Config;
use quarry_tests::db::fresh_database;

fn config() -> Config {
    let mut config = Config::new();
    config
        .queries("../queries")
        .schema("../queries/migrations")
        .database_url(fresh_database())
        .query_column_type("get_maybe_texts.maybe_texts", "Vec<Option<String>>")
        .query_column_type("insert_arrays.maybe_texts", "Vec<Option<String>>")
        .query_column_type("get_grid.grid", "quarry::types::Array<i32>")
        .query_column_type("set_grid.grid", "quarry::types::Array<i32>");
    config
}

fn generate(sync: bool) -> Vec<quarry_codegen::emit::OutputFile> {
    config().sync(sync).generate(&Layout::Files).unwrap()
}

/// The stored snapshots named `snapshots__<prefix><file>.snap` are exactly `produced`: a
/// generated file that disappears (or is renamed) fails the test instead of leaving its old
/// snapshot behind, passing.
fn no_stale_snapshots(prefix: &str, produced: impl IntoIterator<Item = String>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let head = format!("snapshots__{prefix}");
    let stored: std::collections::BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| Some(name.strip_prefix(&head)?.strip_suffix(".snap")?.to_string()))
        .collect();
    let produced: std::collections::BTreeSet<String> = produced.into_iter().collect();
    assert_eq!(
        stored, produced,
        "snapshots on disk vs files generated, prefix `{prefix}`"
    );
}

#[test]
fn derives_attributes_and_overrides() {
    let files = config()
        .row_derive("serde::Serialize")
        .row_attribute("#[serde(rename_all = \"camelCase\")]")
        .type_derive("serde::Deserialize")
        .type_override("mood", "crate::Feeling")
        .column_type("users.bio", "crate::Markdown")
        .generate(&Layout::Files)
        .unwrap();
    for file in files
        .iter()
        .filter(|f| f.name == "types.rs" || f.name == "users.rs" || f.name == "all_types.rs")
    {
        insta::assert_snapshot!(format!("derives_{}", file.name), file.contents);
    }
}

#[test]
fn async_flavour() {
    let files = generate(false);
    for file in &files {
        insta::assert_snapshot!(format!("async_{}", file.name), file.contents);
    }
    no_stale_snapshots("async_", files.into_iter().map(|f| f.name));
}

#[test]
fn sync_flavour() {
    let files = generate(true);
    for file in &files {
        insta::assert_snapshot!(format!("sync_{}", file.name), file.contents);
    }
    no_stale_snapshots("sync_", files.into_iter().map(|f| f.name));
}

#[test]
fn include_layout_differs_only_in_mod_rs() {
    let files = config().generate(&Layout::Include { dir: "quarry".into() }).unwrap();
    let plain = generate(false);
    assert_eq!(files[1..], plain[1..], "per-file modules are identical");
    insta::assert_snapshot!("include_mod.rs", files[0].contents);
}

#[test]
fn output_is_deterministic() {
    assert_eq!(generate(false), generate(false));
}

/// The sqlc project `sqlc/`: shared `models`, `sqlc.embed` fields, inferred parameter names.
#[test]
fn sqlc_project() {
    let project = quarry_codegen::sqlc::Project::load("sqlc/sqlc.yaml").unwrap();
    assert_eq!(project.skipped.len(), 1, "the mysql entry");
    let [package] = project.packages.as_slice() else {
        panic!("one PostgreSQL entry")
    };
    assert_eq!(package.module, "library");
    let mut config = package.config.clone();
    for file in config
        .read_database_url_from_env(false)
        .generate(&Layout::Files)
        .unwrap()
    {
        insta::assert_snapshot!(format!("sqlc_{}", file.name), file.contents);
    }
}

/// `sqlc_compat/`: sqlc's rules for one-folder layouts, headers, numbering and repeated names.
#[test]
fn sqlc_compat_project() {
    let project = quarry_codegen::sqlc::Project::load("sqlc_compat/sqlc.json").unwrap();
    let modules: Vec<&str> = project.packages.iter().map(|p| p.module.as_str()).collect();
    assert_eq!(modules, ["shop", "tools"], "named after `out`, then `package`");
    for package in &project.packages {
        let mut config = package.config.clone();
        for file in config
            .read_database_url_from_env(false)
            .generate(&Layout::Files)
            .unwrap()
        {
            insta::assert_snapshot!(format!("sqlc_compat_{}_{}", package.module, file.name), file.contents);
        }
    }
}

/// A dynamic query's generated code (tests/dynamic): the options struct, the sort enum, the
/// static pieces and the call, in both flavours.
#[test]
fn dynamic_queries() {
    let url = quarry_tests::db::fresh_database_with(&[quarry_tests::dynamic::SCHEMA]);
    for (flavour, sync) in [("async", false), ("sync", true)] {
        let files = Config::new()
            .queries("dynamic")
            .schema("dynamic/schema.sql")
            .database_url(&url)
            .sync(sync)
            .generate(&Layout::Files)
            .unwrap();
        let tickets = files.iter().find(|f| f.name == "tickets.rs").expect("tickets.rs");
        insta::assert_snapshot!(format!("dynamic_{flavour}_tickets.rs"), tickets.contents);
    }
    no_stale_snapshots(
        "dynamic_",
        ["async_tickets.rs".to_string(), "sync_tickets.rs".to_string()],
    );
}

/// Bulk queries' generated code (tests/bulk): the parameter structs, the bulk statements over
/// unnest, the COPY-with-upsert staging statements, in both flavours.
#[test]
fn bulk_queries() {
    let url = quarry_tests::db::fresh_database_with(&[quarry_tests::bulk::SCHEMA]);
    for (flavour, sync) in [("async", false), ("sync", true)] {
        let files = Config::new()
            .queries("bulk")
            .schema("bulk/schema.sql")
            .database_url(&url)
            .sync(sync)
            .generate(&Layout::Files)
            .unwrap();
        let products = files.iter().find(|f| f.name == "products.rs").expect("products.rs");
        insta::assert_snapshot!(format!("bulk_{flavour}_products.rs"), products.contents);
    }
    no_stale_snapshots(
        "bulk_",
        ["async_products.rs".to_string(), "sync_products.rs".to_string()],
    );
}

/// Nested results' generated code (tests/nested): the tables' structs with their `FromSql`,
/// `ToSql` and `FromJson`, the structs of JSON objects, and the rows that hold them.
#[test]
fn nested_results() {
    let url = quarry_tests::db::fresh_database_with(&[quarry_tests::nested::SCHEMA]);
    let files = Config::new()
        .queries("nested")
        .schema("nested/schema.sql")
        .database_url(&url)
        .generate(&Layout::Files)
        .unwrap();
    let names = ["library.rs", "shop.rs", "models.rs", "types.rs"];
    for name in names {
        let file = files.iter().find(|f| f.name == name).expect("a generated file");
        insta::assert_snapshot!(format!("nested_{name}"), file.contents);
    }
    no_stale_snapshots("nested_", names.iter().map(|n| n.to_string()));
}
