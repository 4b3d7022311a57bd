//! `cargo quarry regenerate` / `check` and the offline snapshot, from the command line.

use std::process::Command;

/// A project folder with `schema.sql` (one table) and `q/t.sql` (one query).
fn one_query_project() -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("schema.sql"),
        "CREATE TABLE t (id int PRIMARY KEY);\n",
    )
    .unwrap();
    std::fs::create_dir(project.path().join("q")).unwrap();
    std::fs::write(
        project.path().join("q/t.sql"),
        "-- name: ids :many\nSELECT id FROM t;\n",
    )
    .unwrap();
    project
}

#[test]
fn regenerate_and_check_default_to_quarry_snapshot_json() {
    let project = one_query_project();
    let run = |command: &str| {
        Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
            .args(["quarry", command, "--queries", "q", "--schema", "schema.sql"])
            .current_dir(project.path())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let regenerate = run("regenerate");
    let stderr = String::from_utf8_lossy(&regenerate.stderr);
    assert!(regenerate.status.success(), "{stderr}");
    assert!(stderr.contains("snapshot quarry.snapshot.json written"), "{stderr}");
    assert!(
        !stderr.contains(".snapshot("),
        "no build.rs method named to a CLI user: {stderr}"
    );
    assert!(project.path().join("quarry.snapshot.json").is_file());
    let check = run("check");
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn a_damaged_snapshot_is_reported_and_nothing_is_written() {
    let project = one_query_project();
    std::fs::write(
        project.path().join("quarry.toml"),
        "queries = [\"q\"]\nschema = [\"schema.sql\"]\nsnapshot = \"quarry.snapshot.json\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
            .arg("quarry")
            .args(args)
            .current_dir(project.path())
            .env_remove("DATABASE_URL")
            .env("QUARRY_OFFLINE", "true")
            .output()
            .unwrap()
    };
    let regenerate = Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args(["quarry", "regenerate"])
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        regenerate.status.success(),
        "{}",
        String::from_utf8_lossy(&regenerate.stderr)
    );
    // An edited snapshot whose column type is no Rust type: the emitter refuses it.
    let snapshot = project.path().join("quarry.snapshot.json");
    let text = std::fs::read_to_string(&snapshot).unwrap();
    assert!(text.contains("\"owned\": \"i32\""), "{text}");
    std::fs::write(&snapshot, text.replace("\"owned\": \"i32\"", "\"owned\": \"i32 <\"")).unwrap();
    let generate = run(&["generate", "--out", "out"]);
    let stderr = String::from_utf8_lossy(&generate.stderr);
    assert_eq!(generate.status.code(), Some(1), "an input problem: {stderr}");
    assert!(
        stderr.contains("cannot write the generated code: `i32 <` (for PostgreSQL `int4`) is not a Rust type"),
        "{stderr}"
    );
    assert!(stderr.contains("cargo quarry regenerate"), "the fix is named: {stderr}");
    assert!(!project.path().join("out").exists(), "nothing written");
}
