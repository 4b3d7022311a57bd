//! A folder of migrations as the schema, in each format sqlc reads: only the "up" parts are
//! applied, in version order, and an error in a migration points at its own file:line:col.

use quarry_codegen::Config;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn generate(schema: &Path) -> Result<String, String> {
    let out = tempfile::tempdir().unwrap();
    Config::new()
        .queries(fixtures().join("migration-queries"))
        .schema(schema)
        .read_database_url_from_env(false)
        .write_to(out.path())
        .map_err(|e| e.to_string())?;
    Ok(std::fs::read_to_string(out.path().join("authors.rs")).unwrap())
}

#[test]
fn every_format_applies_its_up_parts_in_order() {
    for format in ["golang-migrate", "goose", "dbmate", "sql-migrate", "tern", "plain"] {
        let code = generate(&fixtures().join("migrations").join(format)).unwrap_or_else(|e| panic!("{format}: {e}"));
        // `bio` exists only if migration 2 ran after 1, and the down parts (which drop it and
        // the table) did not.
        assert!(
            code.contains("pub bio: ::core::option::Option<::std::string::String>"),
            "{format}:\n{code}"
        );
    }
}

#[test]
fn an_error_in_a_migration_points_into_that_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("1_authors.sql"),
        "-- +goose Up\nCREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL, bio text);\n-- +goose Down\nDROP TABLE authors;\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("2_broken.sql"),
        "-- +goose Up\n\nALTER TABLE authors ADD COLUMN age nonexistent_type;\n-- +goose Down\nSELECT 1;\n",
    )
    .unwrap();
    let error = generate(dir.path()).unwrap_err();
    assert!(error.contains("2_broken.sql:3:"), "{error}");
    assert!(error.contains("nonexistent_type"), "{error}");
}
