//! `cargo quarry migrate`, run as cargo runs it, on a throwaway server the test starts: several
//! processes racing to migrate one database apply each migration exactly once; an edited
//! applied migration and a missing URL fail with the documented exit codes; `add` writes the
//! folder's own format.

use quarry_codegen::embedded::EmbeddedServer;
use std::process::{Command, Output};

fn migrate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args(["quarry", "migrate"])
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run cargo-quarry")
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// A new empty database on `server`.
fn database(server: &EmbeddedServer, name: &str) -> String {
    block_on(async {
        let admin = quarry::Client::connect(&server.connection_string("postgres"))
            .await
            .unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    });
    server.connection_string(name)
}

#[test]
fn processes_racing_apply_each_migration_once_and_edits_are_refused() {
    let server = EmbeddedServer::start().unwrap();
    let url = database(&server, "racing");
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    for entry in std::fs::read_dir("../tests/migrations/app").unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), migrations.join(entry.file_name())).unwrap();
    }
    let folder = migrations.to_str().unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
                .args(["quarry", "migrate", "run", "--dir", folder, "--database-url", &url])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        applied += stderr.lines().filter(|l| l.starts_with("quarry: applied ")).count();
    }
    assert_eq!(applied, 3, "three migrations, applied once among four processes");
    let runs: Vec<(i32, i64)> = block_on(async {
        let client = quarry::Client::connect(&url).await.unwrap();
        client
            .query(
                "SELECT version, count(*) FROM migration_runs GROUP BY 1 ORDER BY 1",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    });
    assert_eq!(runs, [(1, 1), (2, 1), (3, 1)], "each migration ran once");

    let status = migrate(&["status", "--dir", folder, "--database-url", &url]);
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("applied")).count(),
        3,
        "{stdout}"
    );

    // An applied file edited: exit 1, naming the file; nothing runs.
    let first = migrations.join("0001_users.up.sql");
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, format!("{text}-- edited\n")).unwrap();
    let run = migrate(&["run", "--dir", folder, "--database-url", &url]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("0001_users.up.sql: migration 1 was applied, and the file has changed since"),
        "{stderr}"
    );
    // No URL: usage, exit 2.
    let run = migrate(&["run", "--dir", folder]);
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn add_writes_the_next_file_in_the_folders_format() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    std::fs::write(
        dir.path().join("20240101000000_init.sql"),
        "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n",
    )
    .unwrap();
    let add = migrate(&["add", "Add email", "--dir", folder]);
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("_add_email.sql"))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert_eq!(
        names[0].len(),
        "20240101000000_add_email.sql".len(),
        "a timestamp version, as goose writes"
    );
    let text = std::fs::read_to_string(dir.path().join(&names[0])).unwrap();
    assert!(
        text.starts_with("-- +goose Up\n") && text.contains("-- +goose Down"),
        "{text}"
    );
}
