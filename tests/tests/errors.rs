//! Bad input gets a precise error (file:line:column, the line, a marker, a hint), a non-zero
//! outcome, and leaves nothing half-written. Messages are asserted in full.

use quarry_codegen::Config;
use quarry_tests::db::fresh_database;
use std::path::Path;

/// Writes `files` into a temp folder and generates from it against a fresh database.
fn generate(files: &[(&str, &str)]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let result = Config::new()
        .queries(dir.path())
        .database_url(fresh_database())
        .generate(&quarry_codegen::emit::Layout::Files);
    result.map(|_| ()).map_err(|e| normalize(&e.to_string(), dir.path()))
}

fn normalize(text: &str, dir: &Path) -> String {
    text.replace(&format!("{}/", dir.display()), "")
}

#[test]
fn malformed_header() {
    assert_eq!(
        generate(&[("q.sql", "-- name: list_tasks many\nSELECT 1;\n")]).unwrap_err(),
        "error: malformed query header: the kind must start with `:`
 --> q.sql:1:21
  |
1 | -- name: list_tasks many
  |                     ^^^^
  = hint: a header reads `-- name: <name> :<kind>`, where <kind> is one of :one, :opt, :many, :exec, :iter, :copyfrom, :batchexec, :batchone, :batchmany

quarry: 1 error; nothing was written"
    );
}

#[test]
fn unknown_kind() {
    assert_eq!(
        generate(&[("q.sql", "\n-- name: list_tasks :all\nSELECT 1;\n")]).unwrap_err(),
        "error: unknown query kind `:all`
 --> q.sql:2:21
  |
2 | -- name: list_tasks :all
  |                     ^^^^
  = hint: the kinds are :one (exactly one row), :opt (zero or one row), :many (all rows), :exec (rows affected), :iter (a stream of rows), :copyfrom (bulk load), and :batchexec, :batchone, :batchmany (the same over many parameter sets, pipelined)

quarry: 1 error; nothing was written"
    );
}

#[test]
fn duplicate_query_name() {
    assert_eq!(
        generate(&[(
            "q.sql",
            "-- name: get :one\nSELECT 1;\n\n-- name: get :one\nSELECT 2;\n"
        )])
        .unwrap_err(),
        "error: duplicate query name `get`
 --> q.sql:4:10
  |
4 | -- name: get :one
  |          ^^^
  = hint: `get` is already defined at line 1 of this file; rename one of them

quarry: 1 error; nothing was written"
    );
}

#[test]
fn sql_postgres_rejects_points_at_the_offending_text() {
    let sql = "-- name: find :many\nSELECT id, titel\nFROM tasks WHERE id = :id AND status = :status;\n";
    assert_eq!(
        generate(&[("q.sql", sql)]).unwrap_err(),
        "error: column \"titel\" does not exist
 --> q.sql:2:12
  |
2 | SELECT id, titel
  |            ^^^^^
  = hint: Perhaps you meant to reference the column \"tasks.title\". (SQLSTATE 42703)

quarry: 1 error; nothing was written"
    );
}

#[test]
fn error_positions_survive_parameter_rewriting() {
    // `:a_long_parameter` becomes `$1` in the SQL sent; the position must still land on `nope`.
    let sql = "-- name: q :many\nSELECT id FROM tasks WHERE title = :a_long_parameter AND nope = 1;\n";
    let error = generate(&[("q.sql", sql)]).unwrap_err();
    assert!(
        error.starts_with("error: column \"nope\" does not exist\n --> q.sql:2:58\n"),
        "{error}"
    );
    assert!(
        error.contains("\n  |                                                          ^^^^\n"),
        "{error}"
    );
}

#[test]
fn syntax_errors_are_located() {
    let error = generate(&[("q.sql", "-- name: q :many\nSELECT id FROM tasks WHERE;\n")]).unwrap_err();
    assert_eq!(
        error,
        "error: syntax error at end of input
 --> q.sql:2:27
  |
2 | SELECT id FROM tasks WHERE;
  |                           ^
  = hint: PostgreSQL rejected query `q` while preparing it (SQLSTATE 42601)

quarry: 1 error; nothing was written"
    );
}

#[test]
fn unsupported_type_names_query_column_type_and_override() {
    let error = generate(&[(
        "q.sql",
        "-- name: shape :one\nSELECT polygon '((0,0),(1,1),(1,0))' AS area;\n",
    )])
    .unwrap_err();
    assert_eq!(
        error,

        "error: query `shape`: column `area` has type `polygon`, which quarry cannot map to a Rust type
 --> q.sql:1:10
  |
1 | -- name: shape :one
  |          ^^^^^
  = hint: map it to a Rust type that implements `ToSql` and `FromSql`: `.type_override(\"polygon\", \"your_crate::YourType\")` in build.rs, or `--type-override polygon=your_crate::YourType` with cargo quarry; or cast it in the SQL (e.g. `::text`)

quarry: 1 error; nothing was written"

    );
}

#[test]
fn geometric_types_name_the_geo_types_switch() {
    let error = generate(&[("q.sql", "-- name: origin :one\nSELECT point(0, 0) AS p;\n")]).unwrap_err();
    assert_eq!(error,
        "error: query `origin`: column `p` has type `point`, which quarry cannot map to a Rust type
 --> q.sql:1:10
  |
1 | -- name: origin :one
  |          ^^^^^^
  = hint: geometric types map to geo-types when enabled: call `.geo_types(true)` and enable quarry-runtime's `geo-types` feature; otherwise map it to a Rust type that implements `ToSql` and `FromSql`: `.type_override(\"point\", \"your_crate::YourType\")` in build.rs, or `--type-override point=your_crate::YourType` with cargo quarry; or cast it in the SQL (e.g. `::text`)

quarry: 1 error; nothing was written"
    );
}

#[test]
fn anonymous_records_ask_for_columns_or_a_named_type() {
    let error = generate(&[("q.sql", "-- name: pair :one\nSELECT ROW(1, 'a') AS pair;\n")]).unwrap_err();
    assert_eq!(error,
        "error: query `pair`: column `pair` has type `record`, which quarry cannot map to a Rust type
 --> q.sql:1:10
  |
1 | -- name: pair :one
  |          ^^^^
  = hint: an anonymous record has no field types to generate from; select the fields as columns, or cast the row to a named composite type (`ROW(…)::my_type`)

quarry: 1 error; nothing was written"
    );
}

#[test]
fn a_query_file_cannot_be_named_types() {
    let error = generate(&[("types.sql", "-- name: one :one\nSELECT 1 AS one;\n")]).unwrap_err();
    assert_eq!(
        error,
        "error: `types.sql` would become module `types`, which holds the generated enums and composite types
 --> types.sql:1:1
  |
1 | -- name: one :one
  | ^
  = hint: rename the file, e.g. to `type_queries.sql`

quarry: 1 error; nothing was written"
    );
}

#[test]
fn rows_needed_but_none_returned() {
    let error = generate(&[("q.sql", "-- name: touch :one\nUPDATE tasks SET title = title;\n")]).unwrap_err();
    assert!(
        error.starts_with("error: query `touch` returns no columns, so it cannot be `:one`\n"),
        "{error}"
    );
}

#[test]
fn unnamed_and_clashing_columns() {
    let error = generate(&[("q.sql", "-- name: pair :one\nSELECT 1, 2;\n")]).unwrap_err();
    assert!(
        error.starts_with("error: query `pair`: column `?column?` has no usable Rust field name\n"),
        "{error}"
    );
    let error = generate(&[(
        "q.sql",
        "-- name: ids :many\nSELECT t.id, u.id FROM tasks t, users u;\n",
    )])
    .unwrap_err();
    assert!(
        error.starts_with("error: query `ids`: columns `id` and `id` both become field `id`\n"),
        "{error}"
    );
}

#[test]
fn every_error_in_every_file_is_reported() {
    let error = generate(&[("a.sql", "-- name: x :nope\nSELECT 1;\n"), ("b.sql", "SELECT 1;\n")]).unwrap_err();
    assert!(
        error.contains(" --> a.sql:1:12\n") && error.contains(" --> b.sql:1:1\n"),
        "{error}"
    );
    assert!(error.ends_with("quarry: 2 errors; nothing was written"), "{error}");
}

#[test]
fn unreachable_database() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.sql"), "-- name: one :one\nSELECT 1;\n").unwrap();
    let error = Config::new()
        .queries(dir.path())
        .database_url("postgres://quarry:secret@127.0.0.1:1/nowhere")
        .generate(&quarry_codegen::emit::Layout::Files)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("error: cannot connect to DATABASE_URL (postgres://quarry:***@127.0.0.1:1/nowhere): error connecting to server: "),
        "{error}"
    );
    assert!(error.ends_with("\n  = hint: check that the server is running and the URL is right, or unset DATABASE_URL to let quarry start a throwaway server from the schema files"), "{error}");
}

/// Generates one query against an embedded server loaded with `schema`; the error text.
fn schema_error(schema: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.sql"), schema).unwrap();
    std::fs::write(dir.path().join("q.sql"), "-- name: ids :many\nSELECT id FROM t;\n").unwrap();
    let error = Config::new()
        .queries(dir.path())
        .schema(dir.path().join("schema.sql"))
        .read_database_url_from_env(false)
        .generate(&quarry_codegen::emit::Layout::Files)
        .unwrap_err();
    normalize(&error.to_string(), dir.path())
}

#[test]
fn schema_errors_point_at_the_failing_statement() {
    // PostgreSQL gives no position for a missing referenced table: the statement is marked.
    assert_eq!(
        schema_error("CREATE TABLE t (id int);\nCREATE TABLE u (id int REFERENCES nope);\n"),
        "error: relation \"nope\" does not exist
 --> schema.sql:2:1
  |
2 | CREATE TABLE u (id int REFERENCES nope);
  | ^^^^^^
  = hint: the schema file does not load into a fresh PostgreSQL (SQLSTATE 42P01)

quarry: 1 error; nothing was written"
    );
}

#[test]
fn schema_errors_with_a_position_point_at_it() {
    let error = schema_error("-- tables\nCREATE TABLE t (id int);\nCREATE TABLE u (id nosuchtype);\n");
    assert!(
        error.starts_with("error: type \"nosuchtype\" does not exist\n --> schema.sql:3:20\n"),
        "{error}"
    );
}

#[test]
fn failed_generation_leaves_previous_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let queries = dir.path().join("queries");
    let out = dir.path().join("out");
    std::fs::create_dir(&queries).unwrap();
    std::fs::write(queries.join("a.sql"), "-- name: one :one\nSELECT 1 AS one;\n").unwrap();
    std::fs::write(queries.join("b.sql"), "-- name: two :one\nSELECT 2 AS two;\n").unwrap();
    let url = fresh_database();
    let run = || Config::new().queries(&queries).database_url(url.clone()).write_to(&out);
    let first = run().unwrap();
    assert_eq!(first.written, vec!["mod.rs", "a.rs", "b.rs"]);
    let snapshot = read_dir(&out);

    std::fs::write(queries.join("a.sql"), "-- name: one :one\nSELECT 10 AS one;\n").unwrap();
    std::fs::write(queries.join("b.sql"), "-- name: two :one\nSELECT bogus;\n").unwrap();
    assert!(run().is_err());
    assert_eq!(read_dir(&out), snapshot, "a.rs must not be rewritten when b.sql fails");

    std::fs::write(queries.join("b.sql"), "-- name: two :one\nSELECT 2 AS two;\n").unwrap();
    let again = run().unwrap();
    assert_eq!(
        (again.written, again.unchanged),
        (vec!["a.rs".to_string()], vec!["mod.rs".to_string(), "b.rs".to_string()])
    );
    std::fs::remove_file(queries.join("b.sql")).unwrap();
    assert_eq!(
        run().unwrap().removed,
        vec!["b.rs"],
        "generated files of deleted .sql files are removed"
    );
}

fn read_dir(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn override_contradicting_the_catalog_is_a_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("q.sql"),
        "-- name: bios :many\nSELECT id, bio AS \"bio!\", count(*) OVER () AS \"n?\" FROM users;\n",
    )
    .unwrap();
    let generated = Config::new()
        .queries(dir.path())
        .database_url(fresh_database())
        .run(&quarry_codegen::emit::Layout::Files)
        .unwrap();
    let warnings: Vec<String> = generated
        .model
        .warnings
        .iter()
        .map(|w| normalize(&w.to_string(), dir.path()))
        .collect();
    assert_eq!(
        warnings,
        vec![
            "warning: `!` declares column `bio` non-null, but public.users.bio is nullable
 --> q.sql:2:19
  |
2 | SELECT id, bio AS \"bio!\", count(*) OVER () AS \"n?\" FROM users;
  |                   ^^^^^^
  = hint: a NULL there fails to decode at run time; filter NULLs in the query, or drop the `!`"
        ]
    );
    let columns: Vec<_> = generated.model.modules[0].queries[0]
        .columns
        .iter()
        .map(|c| (c.pg_name.as_str(), c.nullable, c.nullability_reason.as_str()))
        .collect();
    assert_eq!(
        columns,
        vec![
            ("id", false, "public.users.id is NOT NULL"),
            (
                "bio",
                false,
                "override `!` at line 2 (inferred: public.users.bio is nullable)"
            ),
            (
                "n",
                true,
                "override `?` at line 2 (inferred: count() never returns NULL)"
            ),
        ]
    );
}

#[test]
fn unanalysable_sql_falls_back_to_plain_not_null_columns() {
    let dir = tempfile::tempdir().unwrap();
    let sql =
        "-- name: elements :many\nSELECT t.id, t.completed_at, x FROM tasks t, json_array_elements_text('[1]') x;\n";
    std::fs::write(dir.path().join("q.sql"), sql).unwrap();
    let generated = Config::new()
        .queries(dir.path())
        .database_url(fresh_database())
        .run(&quarry_codegen::emit::Layout::Files)
        .unwrap();
    let columns: Vec<_> = generated.model.modules[0].queries[0]
        .columns
        .iter()
        .map(|c| (c.pg_name.as_str(), c.nullable, c.nullability_reason.as_str()))
        .collect();
    let why = "set-returning function json_array_elements_text() in FROM is not analysed";
    assert_eq!(
        columns,
        vec![
            (
                "id",
                false,
                &*format!("NOT NULL table column (SQL not analysed: {why})")
            ),
            (
                "completed_at",
                true,
                &*format!("SQL not analysed ({why}); only plain NOT NULL columns are trusted")
            ),
            (
                "x",
                true,
                &*format!("SQL not analysed ({why}); only plain NOT NULL columns are trusted")
            ),
        ]
    );
}

#[test]
fn a_query_named_like_a_zero_copy_variant_is_a_clash() {
    let error = generate(&[(
        "q.sql",
        "-- name: titles :many\nSELECT title FROM tasks;\n\n-- name: titles_each :many\nSELECT title FROM tasks;\n",
    )])
    .unwrap_err();
    assert_eq!(
        error,
        "error: query `titles_each` has the name of the function generated next to query `titles`
 --> q.sql:4:10
  |
4 | -- name: titles_each :many
  |          ^^^^^^^^^^^
  = hint: rename one of the two queries

quarry: 1 error; nothing was written"
    );
}

#[test]
fn copyfrom_needs_a_plain_insert_of_parameters() {
    let error = generate(&[(
        "q.sql",
        "-- name: load :copyfrom\nINSERT INTO tasks (title, description) VALUES (:title, upper(:description));\n",
    )])
    .unwrap_err();
    assert_eq!(error,
        "error: query `load` cannot be `:copyfrom`: its VALUES are not exactly one parameter per column, in order
 --> q.sql:1:10
  |
1 | -- name: load :copyfrom
  |          ^^^^
  = hint: a :copyfrom query is `INSERT INTO table (col_a, col_b, …) VALUES (:a, :b, …)`: one parameter per listed column, in order, nothing else (no RETURNING, ON CONFLICT or expressions)

quarry: 1 error; nothing was written"
    );
}
