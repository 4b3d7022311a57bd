//! `cargo quarry` in an sqlc project: sqlc.yaml / sqlc.json read in place.

mod common;

use common::generate_in;
use std::process::Command;

#[test]
fn generate_reads_an_sqlc_project_in_the_current_folder() {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args(["quarry", "generate", "--out"])
        .arg(out.path())
        .current_dir("../tests/sqlc")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("entry 2 uses engine `mysql`; quarry generates for PostgreSQL only, so it is skipped"),
        "{stderr}"
    );
    let root = std::fs::read_to_string(out.path().join("mod.rs")).unwrap();
    assert!(root.contains("pub mod library;"), "{root}");
    for file in ["mod.rs", "types.rs", "models.rs", "authors.rs", "books.rs"] {
        assert!(out.path().join("library").join(file).is_file(), "library/{file}");
    }

    // A broken sqlc.yaml: located error, exit 1, nothing written.
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("sqlc.yaml"),
        "version: \"2\"\nsql:\n  - engine: postgresql\n    schema: [a\n",
    )
    .unwrap();
    let broken_out = project.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args(["quarry", "generate", "--out"])
        .arg(&broken_out)
        .current_dir(project.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not a valid sqlc config"), "{stderr}");
    assert!(stderr.contains("sqlc.yaml:5:1"), "{stderr}");
    assert!(!broken_out.exists());
}

#[test]
fn explain_reads_an_sqlc_project_in_the_current_folder() {
    let run = Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args(["quarry", "explain", "library::authors::get_author"])
        .current_dir("../tests/sqlc")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.starts_with(
            "library::authors::get_author (queries/authors.sql:1)\n  param  id               int8         not null\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("column bio              text         nullable  public.authors.bio is nullable"),
        "{stdout}"
    );

    // The snapshot's commands need a quarry.toml, and say so.
    let run = Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args(["quarry", "regenerate"])
        .current_dir("../tests/sqlc")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("sqlc.yaml is read by `generate` and `explain` only: the snapshot's commands need a quarry.toml"),
        "{stderr}"
    );
}

#[test]
fn sqlc_projects_fail_as_sqlc_fails_and_report_every_entry() {
    let project = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = project.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("schema.sql", "CREATE TABLE t (id int PRIMARY KEY);\n");
    // sqlc requires the final `;`; the second entry's query does not prepare.
    write("a/q.sql", "-- name: A :many\nSELECT id FROM t\n");
    write("b/q.sql", "-- name: B :many\nSELECT nope FROM t;\n");
    write(
        "other.yaml",
        "version: \"2\"\nsql:\n  - engine: postgresql\n    schema: schema.sql\n    queries: a\n    gen: {go: {package: a}}\n  - engine: postgresql\n    schema: schema.sql\n    queries: b\n    gen: {go: {package: b}}\n",
    );
    // The sqlc file under another name, via --config.
    let (code, stderr) = generate_in(project.path(), &["--config", "other.yaml"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("missing semicolon at the end of query `A`"), "{stderr}");
    assert!(stderr.contains("a/q.sql:2:17"), "{stderr}");
    assert!(
        stderr.contains("column \"nope\" does not exist"),
        "both entries' errors in one run: {stderr}"
    );
    assert!(!project.path().join("out").exists(), "nothing written");

    // A path that does not exist is configuration (exit 2), with the entry named.
    write(
        "sqlc.yaml",
        "version: \"2\"\nsql:\n  - engine: postgresql\n    schema: nowhere.sql\n    queries: a\n",
    );
    let (code, stderr) = generate_in(project.path(), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("entry 1, `schema`"), "{stderr}");
    assert!(stderr.contains("nowhere.sql` does not exist"), "{stderr}");
}
