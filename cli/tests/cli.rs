//! `cargo quarry generate`, run as cargo runs it, against a throwaway server it starts itself.

use quarry_codegen::emit::{Layout, STAMP};
mod common;

use common::generate_in;
use std::process::Command;

fn cargo_quarry(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .arg("quarry")
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run cargo-quarry")
}

#[test]
fn generate_writes_the_same_code_as_the_library_formatted_and_stamped() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let args = [
        "generate",
        "--queries",
        "../queries",
        "--schema",
        "../queries/migrations",
        "--out",
        out_dir,
    ];
    let first = cargo_quarry(&args);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("quarry: 9 written, 0 unchanged, 0 removed in "),
        "{stderr}"
    );

    let expected = quarry_codegen::Config::new()
        .queries("../queries")
        .schema("../queries/migrations")
        .read_database_url_from_env(false)
        .generate(&Layout::Files)
        .unwrap();
    assert_eq!(
        expected.len(),
        9,
        "mod.rs, types.rs, models.rs and one file per query file"
    );
    for file in &expected {
        let written = std::fs::read_to_string(out.path().join(&file.name)).unwrap();
        assert!(written.starts_with(STAMP), "{} is stamped", file.name);
        assert_eq!(written, file.contents, "{} matches the library's output", file.name);
        let reparsed = prettyplease::unparse(&syn::parse_file(&written).unwrap());
        assert!(written.ends_with(&reparsed), "{} is prettyplease-formatted", file.name);
    }

    let second = cargo_quarry(&args);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.starts_with("quarry: 0 written, 9 unchanged, 0 removed in "),
        "{stderr}"
    );
}

#[test]
fn generate_fails_with_a_located_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.sql"), "CREATE TABLE t (id int);").unwrap();
    std::fs::write(dir.path().join("q.sql"), "-- name: ids :many\nSELECT idd FROM t;\n").unwrap();
    let out = dir.path().join("out");
    let result = cargo_quarry(&[
        "generate",
        "--queries",
        dir.path().to_str().unwrap(),
        "--schema",
        dir.path().join("schema.sql").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&result.stderr).replace(&format!("{}/", dir.path().display()), "");
    assert_eq!(
        stderr,
        "error[42703]: column \"idd\" does not exist
 --> q.sql:2:8
  |
2 | SELECT idd FROM t;
  |        ^^^
  = hint: Perhaps you meant to reference the column \"t.id\".
  = help: query `ids` does not prepare against the schema

quarry: 1 error; nothing was written
"
    );
    assert!(!out.exists(), "no output folder is created on failure");
}

#[test]
fn missing_arguments_are_usage_errors() {
    let result = cargo_quarry(&["generate", "--queries", "q"]);
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("--out <OUT>"));
}

#[test]
fn missing_server_binaries_say_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.sql"), "-- name: one :one\nSELECT 1;\n").unwrap();
    let result = Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args([
            "quarry",
            "generate",
            "--queries",
            dir.path().to_str().unwrap(),
            "--out",
            "unused",
        ])
        .env_remove("DATABASE_URL")
        .env("QUARRY_PG_BINDIR", dir.path())
        .env("QUARRY_PG_SEARCH_ONLY_BINDIR", "1")
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(3), "the environment failed, not the input");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.starts_with("error: no PostgreSQL server binaries found"),
        "{stderr}"
    );
    assert!(
        stderr.contains("apt-get install postgresql") && stderr.contains("DATABASE_URL"),
        "{stderr}"
    );
}

#[test]
fn explain_prints_type_nullability_and_reason_per_column() {
    let result = cargo_quarry(&[
        "explain",
        "--queries",
        "../queries",
        "--schema",
        "../queries/migrations",
        "users::tasks_with_owner",
    ]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    assert_eq!(
        String::from_utf8_lossy(&result.stdout),
        "users::tasks_with_owner (../queries/users.sql:9)
  column id               int4         not null  public.tasks.id is NOT NULL
  column title            varchar      not null  public.tasks.title is NOT NULL
  column owner_name       text         nullable  right side of LEFT JOIN at line 12

"
    );
    let missing = cargo_quarry(&[
        "explain",
        "--queries",
        "../queries",
        "--schema",
        "../queries/migrations",
        "nope",
    ]);
    assert_eq!(missing.status.code(), Some(2), "an unknown query name is a usage error");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no query named `nope`"));
}

#[test]
fn quarry_toml_gives_build_rs_and_the_cli_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let queries = std::fs::canonicalize("../queries").unwrap();
    let toml = format!(
        r#"queries = ["{q}"]
schema = ["{q}/migrations"]
database_url_env = ""
time_crate = "chrono"

[types]
money = "i64"

[query_columns]
"get_grid.grid" = "quarry::types::Array<i32>"

[derive]
rows = ["serde::Serialize"]
"#,
        q = queries.display()
    );
    let file = dir.path().join("quarry.toml");
    std::fs::write(&file, toml).unwrap();

    let library = quarry_codegen::Config::from_file(&file)
        .unwrap()
        .generate(&Layout::Files)
        .unwrap();
    let out = dir.path().join("out");
    let run = cargo_quarry(&[
        "generate",
        "--config",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    for generated in &library {
        let written = std::fs::read_to_string(out.join(&generated.name)).unwrap();
        assert_eq!(
            written, generated.contents,
            "{} is the same from quarry.toml in both paths",
            generated.name
        );
    }
    let all_types = library.iter().find(|f| f.name == "all_types.rs").unwrap();
    assert!(all_types.contents.contains("#[derive(serde::Serialize)]"));
    assert!(all_types
        .contents
        .contains("::core::result::Result<quarry::types::Array<i32>, ::quarry::Error>"));
    assert!(all_types.contents.contains("pub cash: ::core::option::Option<i64>"));
}

#[test]
fn a_bad_quarry_toml_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quarry.toml");
    std::fs::write(&file, "queries = [\"q\"]\ntime_crate = \"jiff\"\n").unwrap();
    let error = quarry_codegen::Config::from_file(&file).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!(
            "error: unknown time_crate \"jiff\"\n --> {}:2:14\n",
            file.display()
        )),
        "{error}"
    );
    std::fs::write(&file, "querys = [\"q\"]\n").unwrap();
    let error = quarry_codegen::Config::from_file(&file).unwrap_err().to_string();
    assert!(error.contains("unknown field `querys`"), "{error}");
    assert!(error.contains(":1:1\n"), "{error}");
}

#[test]
fn init_sets_up_a_project_that_generates_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    std::fs::write(dir.path().join("build.rs"), "fn main() {}\n").unwrap();
    let first = cargo_quarry(&["init", "--dir", root]);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("quarry: created quarry.toml, queries/schema.sql, queries/authors.sql\nquarry: build.rs exists; left as it is\n"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("build.rs")).unwrap(),
        "fn main() {}\n"
    );
    // Built from this checkout, the next steps add the crates from it, so they work as printed.
    let runtime = std::fs::canonicalize("../runtime").unwrap();
    assert!(
        stderr.contains(&format!("  cargo add quarry-runtime --path {}\n", runtime.display())),
        "{stderr}"
    );

    // The created project generates as it is, on the embedded server.
    let out = dir.path().join("src/db");
    let config = dir.path().join("quarry.toml");
    let generated = cargo_quarry(&[
        "generate",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let authors = std::fs::read_to_string(out.join("authors.rs")).unwrap();
    for function in ["create_author", "get_author", "list_authors", "delete_author"] {
        assert!(authors.contains(&format!("pub async fn {function}")), "{function}");
    }

    let again = cargo_quarry(&["init", "--dir", root, "--quiet"]);
    assert!(again.status.success());
    assert_eq!(
        String::from_utf8_lossy(&again.stderr),
        "",
        "--quiet prints nothing on success"
    );
}

#[test]
fn the_build_rs_that_init_writes_is_valid_rust() {
    let dir = tempfile::tempdir().unwrap();
    assert!(cargo_quarry(&["init", "--dir", dir.path().to_str().unwrap(), "-q"])
        .status
        .success());
    let build_rs = std::fs::read_to_string(dir.path().join("build.rs")).unwrap();
    syn::parse_file(&build_rs).expect("build.rs parses");
    assert!(build_rs.contains("quarry_codegen::Config::load()?.compile()?;"));
}

#[test]
fn help_shows_examples_and_exit_codes() {
    let help = cargo_quarry(&["--help"]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for expected in [
        "Examples:",
        "cargo quarry init",
        "Exit codes:",
        "  3  environment failure",
        "--quiet",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let generate = String::from_utf8_lossy(&cargo_quarry(&["generate", "--help"]).stdout).to_string();
    assert!(generate.contains("cargo quarry generate --out src/db"), "{generate}");
}

#[test]
fn quiet_generation_prints_nothing_and_pipes_get_no_colour() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = [
        "generate",
        "--queries",
        "../queries",
        "--schema",
        "../queries/migrations",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    let quiet = cargo_quarry(&args);
    assert!(quiet.status.success());
    assert_eq!(String::from_utf8_lossy(&quiet.stderr), "");

    std::fs::write(dir.path().join("q.sql"), "-- name: x :one\nSELECT nope;\n").unwrap();
    let failed = cargo_quarry(&[
        "generate",
        "--queries",
        dir.path().join("q.sql").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.starts_with("error[42703]: column \"nope\" does not exist\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "no escape codes when stderr is not a terminal"
    );
}

#[test]
fn type_settings_that_match_nothing_are_warned_about_where_they_were_made() {
    let dir = tempfile::tempdir().unwrap();
    let queries = std::fs::canonicalize("../queries").unwrap();
    let toml = format!(
        "queries = [\"{q}\"]\nschema = [\"{q}/migrations\"]\ndatabase_url_env = \"\"\n\n[types]\n\"pubic.mood\" = \"crate::Mood\"\n\n[query_columns]\n\"list_tasks.titel\" = \"crate::Title\"\n\"list_tasks.title\" = \"crate::Title\"\n",
        q = queries.display()
    );
    let config = dir.path().join("quarry.toml");
    std::fs::write(&config, toml).unwrap();
    let out = dir.path().join("out");
    let run = cargo_quarry(&[
        "generate",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "warnings do not fail generation: {stderr}");
    assert!(
        stderr.contains("warning: type override `pubic.mood` = `crate::Mood` matched nothing: no parameter or column of any query has that type"),
        "{stderr}"
    );
    assert!(
        stderr.contains("quarry.toml:6:16"),
        "at the value in quarry.toml: {stderr}"
    );
    assert!(
        stderr.contains("warning: query column type `list_tasks.titel` = `crate::Title` matched nothing: no query has that result column or parameter"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("`list_tasks.title`"),
        "the used setting is not reported: {stderr}"
    );

    // Set from code (build.rs), the warning points at the call.
    let mut builder = quarry_codegen::Config::new();
    builder
        .queries("../queries")
        .schema("../queries/migrations")
        .read_database_url_from_env(false);
    let line = line!() + 1;
    builder.column_type("taks.title", "crate::Title");
    let warnings = builder.run(&Layout::Files).unwrap().model.warnings;
    let warning = warnings
        .iter()
        .find(|w| w.message.contains("column type `taks.title`"))
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert_eq!((warning.file.as_str(), warning.line), ("cli/tests/cli.rs", line));
    assert!(
        warning.source_line.contains("builder.column_type(\"taks.title\""),
        "{warning}"
    );
}

/// Runs `cargo quarry generate --out out` in `dir`; returns (exit code, stderr).
#[test]
fn quarry_files_warn_about_statements_without_a_header() {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("schema.sql"), "CREATE TABLE t (id int);\n").unwrap();
    std::fs::create_dir(project.path().join("q")).unwrap();
    std::fs::write(
        project.path().join("q/t.sql"),
        "\u{feff}SET search_path = public;\n-- name: ids :many\nSELECT id FROM t;\nDELETE FROM t;\n",
    )
    .unwrap();
    let (code, stderr) = generate_in(project.path(), &["--queries", "q", "--schema", "schema.sql"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: statement without a query header is skipped"),
        "{stderr}"
    );
    assert!(
        stderr.contains("q/t.sql:1:1"),
        "the byte-order mark is no column: {stderr}"
    );
    assert!(stderr.contains("q/t.sql:4:1"), "{stderr}");
    let generated = std::fs::read_to_string(project.path().join("out/t.rs")).unwrap();
    assert!(generated.contains("pub async fn ids"), "{generated}");
    assert!(!generated.contains("DELETE"), "the skipped statement is not generated");
}

#[test]
fn generation_against_a_server_that_never_answers_fails_at_the_deadline() {
    // Accepts TCP connections and never answers (a stuck server, a half-open firewall).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args([
            "quarry",
            "generate",
            "--queries",
            "../queries",
            "--schema",
            "../queries/migrations",
            "--out",
        ])
        .arg(out.path().join("db"))
        .args(["--database-url", &format!("postgresql://app@127.0.0.1:{port}/app")])
        .env("QUARRY_CONNECT_TIMEOUT", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A guard against the hang this test is about, not a timing assertion.
    let mut waited = 0;
    while child.try_wait().unwrap().is_none() {
        assert!(waited < 600, "cargo quarry generate still waiting after 60 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "environment: {stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port} accepted no PostgreSQL session within 1s")),
        "{stderr}"
    );
    assert!(
        stderr.contains("QUARRY_CONNECT_TIMEOUT"),
        "the setting is named: {stderr}"
    );
    assert!(!out.path().join("db").exists(), "nothing written");
}
