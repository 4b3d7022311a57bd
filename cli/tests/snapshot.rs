//! The offline snapshot: `cargo quarry regenerate` writes it; generation then needs no
//! database while every query matches, names stale queries when offline, and re-introspects
//! (with a warning) when a database is reachable.

use quarry_codegen::emit::Layout;
use quarry_codegen::Config;
use std::path::Path;
use std::process::Command;

const SCHEMA: &str = "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, tag text);\n";
const QUERIES: &str = "-- name: add_note :one\nINSERT INTO notes (body, tag) VALUES (:body, :tag?) RETURNING id;\n\n-- name: notes :many\nSELECT id, body, tag FROM notes ORDER BY id;\n";

fn project(dir: &Path, snapshot: bool) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("queries")).unwrap();
    std::fs::write(dir.join("schema.sql"), SCHEMA).unwrap();
    if !dir.join("queries/notes.sql").exists() {
        std::fs::write(dir.join("queries/notes.sql"), QUERIES).unwrap();
    }
    let mut toml = String::from("queries = [\"queries\"]\nschema = [\"schema.sql\"]\ndatabase_url_env = \"\"\n");
    if snapshot {
        toml.push_str("snapshot = \"quarry.snapshot.json\"\n");
    }
    let file = dir.join(if snapshot { "quarry.toml" } else { "live.toml" });
    std::fs::write(&file, toml).unwrap();
    file
}

fn regenerate(config: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args(["quarry", "regenerate", "--config"])
        .arg(config)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    stderr
}

fn offline(config: &Path) -> Result<Vec<quarry_codegen::emit::OutputFile>, String> {
    Config::from_file(config)
        .unwrap()
        .offline(true)
        .generate(&Layout::Files)
        .map_err(|e| e.to_string())
}

#[test]
fn the_snapshot_makes_generation_database_free_and_names_stale_queries() {
    let dir = tempfile::tempdir().unwrap();
    let config = project(dir.path(), true);
    let live = project(dir.path(), false);

    assert!(regenerate(&config).contains("written"));
    let snapshot = std::fs::read_to_string(dir.path().join("quarry.snapshot.json")).unwrap();
    assert!(snapshot.contains("\"notes::add_note\""), "{snapshot}");
    assert!(
        regenerate(&config).contains("unchanged"),
        "regenerating is deterministic"
    );

    // Offline (no database allowed) gives exactly what a live run gives.
    let from_snapshot = offline(&config).unwrap();
    let from_database = Config::from_file(&live).unwrap().generate(&Layout::Files).unwrap();
    assert_eq!(from_snapshot, from_database);

    // Moving a query down a few lines is not a change: line numbers follow the file.
    std::fs::write(dir.path().join("queries/notes.sql"), format!("\n\n\n{QUERIES}")).unwrap();
    let moved = offline(&config).unwrap();
    let notes = moved.iter().find(|f| f.name == "notes.rs").unwrap();
    assert!(notes.contents.contains("queries/notes.sql:4"), "{}", notes.contents);

    // Changing one query's SQL makes it stale: offline generation names it and the command.
    let changed = QUERIES.replace("ORDER BY id", "ORDER BY id DESC");
    std::fs::write(dir.path().join("queries/notes.sql"), &changed).unwrap();
    let error = offline(&config).unwrap_err();
    assert!(
        error.contains("query `notes` changed since the snapshot was written"),
        "{error}"
    );
    assert!(error.contains("cargo quarry regenerate"), "{error}");
    assert!(!error.contains("add_note"), "only the changed query is stale: {error}");

    // With a database reachable, the stale query is re-introspected and a warning says so.
    let generated = Config::from_file(&config).unwrap().run(&Layout::Files).unwrap();
    let warnings: Vec<String> = generated.model.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.iter().any(|w| w.contains("query `notes` changed")),
        "{warnings:?}"
    );

    // Offline without any snapshot is an error naming the command.
    std::fs::remove_file(dir.path().join("quarry.snapshot.json")).unwrap();
    let error = offline(&config).unwrap_err();
    assert!(
        error.contains("no snapshot at") && error.contains("cargo quarry regenerate"),
        "{error}"
    );
}

#[test]
fn a_schema_change_makes_the_whole_snapshot_stale() {
    let dir = tempfile::tempdir().unwrap();
    let config = project(dir.path(), true);
    regenerate(&config);
    std::fs::write(
        dir.path().join("schema.sql"),
        format!("{SCHEMA}CREATE INDEX ON notes (tag);\n"),
    )
    .unwrap();
    let error = offline(&config).unwrap_err();
    assert!(
        error.contains("the quarry snapshot is stale: the schema files changed"),
        "{error}"
    );
}

/// `cargo quarry check`: (exit code, stderr).
fn check(config: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args(["quarry", "check", "--config"])
        .arg(config)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn check_is_the_drift_gate_after_a_migration() {
    let dir = tempfile::tempdir().unwrap();
    let config = project(dir.path(), true);
    regenerate(&config);
    let (code, stderr) = check(&config);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("the snapshot matches every query"), "{stderr}");

    // A migration: a type changed and a NOT NULL added.
    std::fs::write(
        dir.path().join("schema.sql"),
        "CREATE TABLE notes (id serial PRIMARY KEY, body varchar(10) NOT NULL, tag text NOT NULL);\n",
    )
    .unwrap();
    let (code, stderr) = check(&config);
    assert_eq!(code, 1, "exit 1 on drift: {stderr}");
    assert!(
        stderr.contains("query `notes` would change: column `body` was text (not null), is now varchar (not null); column `tag` was text (nullable), is now text (not null)"),
        "{stderr}"
    );
    assert!(stderr.contains("queries/notes.sql:4:10"), "{stderr}");
    assert!(
        stderr.contains("query `add_note` would change: parameter $1 `body` was text, is now varchar"),
        "{stderr}"
    );

    // A dropped column: the queries using it no longer prepare, with PostgreSQL's message.
    std::fs::write(
        dir.path().join("schema.sql"),
        "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);\n",
    )
    .unwrap();
    let (code, stderr) = check(&config);
    assert_eq!(code, 1, "a query that no longer prepares is drift too: {stderr}");
    assert!(stderr.contains("column \"tag\" does not exist"), "{stderr}");
}

#[test]
fn an_unchanged_project_is_a_no_op_guarded_by_the_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let config = project(dir.path(), true);
    regenerate(&config);
    let out = dir.path().join("out");
    let write = || {
        Config::from_file(&config)
            .unwrap()
            .offline(true)
            .write_to(&out)
            .unwrap()
    };
    let stamp = out.join(quarry_codegen::stamp::FILE_NAME);

    let first = write();
    assert_eq!(first.written, vec!["mod.rs", "models.rs", "notes.rs"]);
    assert!(stamp.exists(), "output made from the snapshot alone is stamped");
    let second = write();
    assert!(second.written.is_empty());
    assert_eq!(second.unchanged, vec!["mod.rs", "models.rs", "notes.rs"]);

    // A hand-edited output file no longer matches its recorded hash: it is rewritten.
    std::fs::write(out.join("notes.rs"), "// edited\n").unwrap();
    assert_eq!(write().written, vec!["notes.rs"]);

    // A changed input invalidates the stamp; the stale query needs a database, so the output
    // now depends on more than files and is not stamped.
    let changed = QUERIES.replace("ORDER BY id", "ORDER BY id DESC");
    std::fs::write(dir.path().join("queries/notes.sql"), changed).unwrap();
    let live = Config::from_file(&config).unwrap().write_to(&out).unwrap();
    assert_eq!(live.written, vec!["notes.rs"]);
    assert!(!stamp.exists(), "a run that used a database leaves no stamp");
}

#[test]
fn check_compares_inline_queries_too() {
    let dir = tempfile::tempdir().unwrap();
    let config = project(dir.path(), true);
    // quarry.toml's `inline` defaults to ["src"].
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    let main = "async fn tags(client: &quarry::Client) {\n    let _ = quarry::query!(client, \"SELECT tag FROM notes WHERE id = {1}\").all().await;\n}\n";
    std::fs::write(dir.path().join("src/main.rs"), main).unwrap();
    regenerate(&config);
    let (code, stderr) = check(&config);
    assert_eq!(code, 0, "{stderr}");

    // A migration makes the column NOT NULL: the call's row type would change.
    std::fs::write(
        dir.path().join("schema.sql"),
        SCHEMA.replace("tag text", "tag text NOT NULL"),
    )
    .unwrap();
    let (code, stderr) = check(&config);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("inline query: would change: column `tag` was text (nullable), is now text (not null)"),
        "{stderr}"
    );
    assert!(stderr.contains("src/main.rs:2:37"), "{stderr}");

    // A new call nobody regenerated for.
    std::fs::write(
        dir.path().join("src/main.rs"),
        main.replace("WHERE id = {1}", "WHERE id = {2} ORDER BY id"),
    )
    .unwrap();
    let (code, stderr) = check(&config);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("inline query: would change: it is not in the snapshot"),
        "{stderr}"
    );
}
