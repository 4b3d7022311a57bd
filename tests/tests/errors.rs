//! Bad input gets a precise error (file:line:column, the line, a marker, PostgreSQL's report,
//! quarry's help), a non-zero outcome, and leaves nothing half-written.
//!
//! The rendered (colourless) text of every distinct error is pinned with insta in
//! `tests/snapshots/errors__*.snap`; review changes with `cargo insta review`, or re-pin with
//! `INSTA_UPDATE=always cargo test -p quarry-tests --test errors`.

use quarry_codegen::emit::Layout;
use quarry_codegen::Config;
use quarry_tests::db::{fresh_database, fresh_database_with};
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
        .generate(&Layout::Files);
    result.map(|_| ()).map_err(|e| normalize(&e.to_string(), dir.path()))
}

/// The error text of generating one file `q.sql`.
fn error(sql: &str) -> String {
    generate(&[("q.sql", sql)]).unwrap_err()
}

fn normalize(text: &str, dir: &Path) -> String {
    text.replace(&format!("{}/", dir.display()), "")
}

#[test]
fn malformed_header() {
    insta::assert_snapshot!(error("-- name: list_tasks many\nSELECT 1;\n"));
}

#[test]
fn unknown_kind() {
    insta::assert_snapshot!(error("\n-- name: list_tasks :all\nSELECT 1;\n"));
}

#[test]
fn duplicate_query_name() {
    insta::assert_snapshot!(error("-- name: get :one\nSELECT 1;\n\n-- name: get :one\nSELECT 2;\n"));
}

#[test]
fn query_name_not_an_identifier() {
    insta::assert_snapshot!(error("-- name: 2fast :one\nSELECT 1 AS one;\n"));
}

#[test]
fn unterminated_string() {
    insta::assert_snapshot!(error("-- name: q :one\nSELECT 'abc AS x;\n"));
}

#[test]
fn unterminated_block_comment() {
    insta::assert_snapshot!(error("-- name: q :one\nSELECT 1 /* never closed\n"));
}

#[test]
fn non_ascii_parameter_name() {
    insta::assert_snapshot!(error("-- name: q :one\nSELECT :été AS x;\n"));
}

#[test]
fn header_without_sql() {
    insta::assert_snapshot!(error("-- name: q :one\n"));
}

#[test]
fn file_without_queries() {
    insta::assert_snapshot!(error("SELECT 1;\n"));
}

#[test]
fn not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.sql"), b"-- name: q :one\nSELECT '\xff' AS x;\n").unwrap();
    let error = Config::new()
        .queries(dir.path())
        .database_url(fresh_database())
        .generate(&Layout::Files)
        .unwrap_err();
    insta::assert_snapshot!(normalize(&error.to_string(), dir.path()));
}

#[test]
fn column_postgres_cannot_find_with_its_hint() {
    insta::assert_snapshot!(error(
        "-- name: find :many\nSELECT id, titel\nFROM tasks WHERE id = :id AND status = :status;\n"
    ));
}

#[test]
fn error_positions_survive_parameter_rewriting() {
    // `:a_long_parameter` becomes `$1` in the SQL sent; the position must still land on `nope`.
    insta::assert_snapshot!(error(
        "-- name: q :many\nSELECT id FROM tasks WHERE title = :a_long_parameter AND nope = 1;\n"
    ));
}

#[test]
fn syntax_error() {
    insta::assert_snapshot!(error("-- name: q :many\nSELECT id FROM tasks WHERE;\n"));
}

#[test]
fn unsupported_type() {
    // Every built-in type a column can have maps; a planner statistic is the rare one left.
    insta::assert_snapshot!(error(
        "-- name: statistics :many\nSELECT stxdndistinct AS n FROM pg_statistic_ext_data;\n"
    ));
}

#[test]
fn aclitem_has_no_binary_format() {
    insta::assert_snapshot!(error("-- name: grants :many\nSELECT relacl AS acl FROM pg_class;\n"));
}

#[test]
fn anonymous_record() {
    insta::assert_snapshot!(error("-- name: pair :one\nSELECT ROW(1, 'a') AS pair;\n"));
}

#[test]
fn query_file_named_types() {
    insta::assert_snapshot!(generate(&[("types.sql", "-- name: one :one\nSELECT 1 AS one;\n")]).unwrap_err());
}

#[test]
fn one_without_columns() {
    insta::assert_snapshot!(error("-- name: touch :one\nUPDATE tasks SET title = title;\n"));
}

#[test]
fn unnamed_column() {
    insta::assert_snapshot!(error("-- name: pair :one\nSELECT 1, 2;\n"));
}

#[test]
fn unusable_column_name_points_at_the_column() {
    insta::assert_snapshot!(error("-- name: marks :one\nSELECT 1 AS a,\n       2 AS \"***\";\n"));
}

#[test]
fn columns_clash_on_field_name() {
    insta::assert_snapshot!(error("-- name: ids :many\nSELECT t.id, u.id FROM tasks t, users u;\n"));
}

#[test]
fn query_named_like_a_generated_companion() {
    insta::assert_snapshot!(error(
        "-- name: titles :many\nSELECT title FROM tasks;\n\n-- name: titles_each :many\nSELECT title FROM tasks;\n"
    ));
}

#[test]
fn copyfrom_that_is_not_a_plain_insert() {
    insta::assert_snapshot!(error(
        "-- name: load :copyfrom\nINSERT INTO tasks (title, description) VALUES (:title, upper(:description));\n"
    ));
}

#[test]
fn every_error_in_every_file_is_reported() {
    let error = generate(&[
        ("a.sql", "-- name: x :nope\nSELECT 1;\n"),
        ("b.sql", "SELECT 1;\n"),
        ("c.sql", "-- name: y :one\nSELECT nope;\n"),
    ])
    .unwrap_err();
    assert!(error.ends_with("quarry: 3 errors; nothing was written"), "{error}");
    insta::assert_snapshot!(error);
}

#[test]
fn every_query_postgres_rejects_is_reported() {
    insta::assert_snapshot!(error(
        "-- name: a :one\nSELECT nope;\n\n-- name: b :one\nSELECT id FROM nowhere;\n"
    ));
}

#[test]
fn unreachable_database() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.sql"), "-- name: one :one\nSELECT 1;\n").unwrap();
    let error = Config::new()
        .queries(dir.path())
        .database_url("postgres://quarry:secret@127.0.0.1:1/nowhere")
        .generate(&Layout::Files)
        .unwrap_err();
    insta::assert_snapshot!(error.to_string());
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
        .generate(&Layout::Files)
        .unwrap_err();
    normalize(&error.to_string(), dir.path())
}

#[test]
fn schema_statement_that_fails() {
    // PostgreSQL gives no position for a missing referenced table: the statement is marked;
    // with a position (an unknown type) the marker lands on it.
    let both = format!(
        "{}\n\n{}",
        schema_error("CREATE TABLE t (id int);\nCREATE TABLE u (id int REFERENCES nope);\n"),
        schema_error("-- tables\nCREATE TABLE t (id int);\nCREATE TABLE u (id nosuchtype);\n")
    );
    insta::assert_snapshot!(both);
}

/// The error text of reading a quarry.toml.
fn config_error(toml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("quarry.toml"), toml).unwrap();
    let error = Config::from_file(dir.path().join("quarry.toml")).unwrap_err();
    normalize(&error.to_string(), dir.path())
}

#[test]
fn quarry_toml_unknown_key() {
    insta::assert_snapshot!(config_error("queries = [\"queries\"]\nshema = [\"schema.sql\"]\n"));
}

#[test]
fn quarry_toml_invalid_values_are_all_reported() {
    insta::assert_snapshot!(config_error(
        "time_crate = \"jiff\"\n[types]\nvector = \"not a type!\"\n[derive]\nrows = [\"serde::Serialize\", \"1bad\"]\n"
    ));
}

#[test]
fn nullability_override_contradicting_the_catalog_warns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("q.sql"),
        "-- name: bios :many\nSELECT id, bio AS \"bio!\", count(*) OVER () AS \"n?\" FROM users;\n",
    )
    .unwrap();
    let generated = Config::new()
        .queries(dir.path())
        .database_url(fresh_database())
        .run(&Layout::Files)
        .unwrap();
    insta::assert_snapshot!(warnings(&generated.model, dir.path()));
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

const NOTES: &str = "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, tag text);";
const NOTE_QUERIES: &str = "-- name: notes :many\nSELECT id, body, tag FROM notes;\n";

/// A query folder and a snapshot regenerated against a database holding `NOTES`.
fn snapshotted_project() -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.sql"), NOTE_QUERIES).unwrap();
    let mut config = Config::new();
    config
        .queries(dir.path())
        .snapshot(dir.path().join("quarry.snapshot.json"))
        .database_url(fresh_database_with(&[NOTES]));
    config.regenerate().unwrap();
    (dir, config)
}

#[test]
fn stale_snapshot_when_offline() {
    let (dir, mut config) = snapshotted_project();
    std::fs::write(
        dir.path().join("notes.sql"),
        format!("{NOTE_QUERIES}\n-- name: tags :many\nSELECT tag FROM notes;\n"),
    )
    .unwrap();
    let error = config.offline(true).generate(&Layout::Files).unwrap_err();
    insta::assert_snapshot!(normalize(&error.to_string(), dir.path()));
}

#[test]
fn drift_after_a_migration() {
    let (dir, mut config) = snapshotted_project();
    config.database_url(fresh_database_with(&[
        "CREATE TABLE notes (id bigserial PRIMARY KEY, body varchar(10), tag text NOT NULL);",
    ]));
    let drifts = config.check().unwrap();
    let text: Vec<String> = drifts.iter().map(|d| normalize(&d.to_string(), dir.path())).collect();
    insta::assert_snapshot!(text.join("\n\n"));

    config.database_url(fresh_database_with(&[
        "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);",
    ]));
    let error = config.check().unwrap_err();
    insta::assert_snapshot!(
        "drift_after_a_migration_dropped_column",
        normalize(&error.to_string(), dir.path())
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
fn unanalysable_sql_falls_back_to_plain_not_null_columns() {
    let dir = tempfile::tempdir().unwrap();
    let sql =
        "-- name: elements :many\nSELECT t.id, t.completed_at, x FROM tasks t, ROWS FROM (generate_series(1, 2)) AS x;\n";
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
    // `ROWS FROM (…)` is beyond the SQL parser; its own message stays out of the docs.
    let why = "a construct the SQL analysis does not read";
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

// Dynamic queries (docs/dynamic.md): shapes refused, and variants that do not prepare.

#[test]
fn dynamic_or_line_cannot_be_optional() {
    insta::assert_snapshot!(error(
        "-- name: q :many\nSELECT id FROM tasks\nWHERE owner_id = 1\n   OR title = :title -- optional\n;\n"
    ));
}

#[test]
fn dynamic_right_join_cannot_be_optional() {
    insta::assert_snapshot!(error(
        "-- name: q :many\nSELECT t.id FROM tasks t\nRIGHT JOIN users u ON u.id = t.owner_id -- optional: with_users\nWHERE true\n;\n"
    ));
}

#[test]
fn dynamic_optional_parameter_cannot_be_nullable() {
    insta::assert_snapshot!(error(
        "-- name: q :many\nSELECT id FROM tasks\nWHERE true\n  AND title = :title? -- optional\n;\n"
    ));
}

#[test]
fn dynamic_optional_line_needs_one_parameter() {
    insta::assert_snapshot!(error(
        "-- name: q :many\nSELECT id FROM tasks\nWHERE true\n  AND created_at BETWEEN :from AND :to -- optional\n;\n"
    ));
}

#[test]
fn dynamic_parameter_both_required_and_optional() {
    insta::assert_snapshot!(error(
        "-- name: q :many\nSELECT id FROM tasks\nWHERE title <> :title\n  AND title = :title -- optional\n;\n"
    ));
}

#[test]
fn dynamic_sort_choices_without_a_sort_line() {
    insta::assert_snapshot!(error(
        "-- name: q :many\n-- sort newest: id DESC\nSELECT id FROM tasks ORDER BY id\n;\n"
    ));
}

#[test]
fn dynamic_filter_on_a_table_only_its_join_brings_needs_the_join_tied_to_it() {
    // The join line is turned on by a flag, the filter by its parameter: with only the
    // filter on, `u` is not there, and the error points at the filter's line.
    insta::assert_snapshot!(error(
        "-- name: q :many\nSELECT t.id FROM tasks t\nJOIN users u ON u.id = t.owner_id -- optional: with_owner\nWHERE true\n  AND u.email = :email -- optional\n;\n"
    ));
}

#[test]
fn dynamic_sort_choice_that_does_not_prepare() {
    insta::assert_snapshot!(error(
        "-- name: q :many\n-- sort newest: created_at DESC\n-- sort broken: no_such_column\nSELECT id FROM tasks\nORDER BY created_at DESC -- sort\n;\n"
    ));
}

#[test]
fn dynamic_keyset_sort_mixing_directions() {
    insta::assert_snapshot!(error(
        "-- name: q :many\n-- sort newest: created_at DESC, id ASC\nSELECT id FROM tasks\nWHERE true\n  -- after\nORDER BY created_at DESC -- sort\n;\n"
    ));
}

#[test]
fn bulk_update_without_a_key() {
    insta::assert_snapshot!(error("-- name: q :bulkexec\nUPDATE tasks SET status = :status;\n"));
}

#[test]
fn bulk_insert_of_several_values_rows() {
    insta::assert_snapshot!(error(
        "-- name: q :bulkexec\nINSERT INTO tasks (title) VALUES (:a), (:b);\n"
    ));
}

#[test]
fn bulk_one_insert_that_may_skip_rows() {
    insta::assert_snapshot!(error(
        "-- name: q :bulkone\nINSERT INTO tasks (id, title) VALUES (:id, :title)\nON CONFLICT (id) DO NOTHING RETURNING id;\n"
    ));
}

#[test]
fn bulk_many_insert() {
    insta::assert_snapshot!(error(
        "-- name: q :bulkmany\nINSERT INTO tasks (title) VALUES (:title) RETURNING id;\n"
    ));
}

#[test]
fn bulk_parameter_in_on_conflict_that_is_no_column_value() {
    insta::assert_snapshot!(error(
        "-- name: q :bulkexec\nINSERT INTO tasks (id, title) VALUES (:id, lower(:title))\nON CONFLICT (id) DO UPDATE SET title = :title;\n"
    ));
}

#[test]
fn copy_upsert_with_a_parameter_in_on_conflict() {
    insta::assert_snapshot!(error(
        "-- name: q :copyfrom\nINSERT INTO tasks (id, title) VALUES (:id, :title)\nON CONFLICT (id) DO UPDATE SET title = :title;\n"
    ));
}

#[test]
fn bulk_query_named_like_another_ones_with_function() {
    insta::assert_snapshot!(error(
        "-- name: rename :bulkexec\nUPDATE tasks SET title = :title WHERE id = :id;\n\n-- name: rename_with :exec\nUPDATE tasks SET title = 'x';\n"
    ));
}

/// The model's warnings, as `cargo quarry` prints them, paths relative to `dir`.
fn warnings(model: &quarry_codegen::model::Model, dir: &std::path::Path) -> String {
    let warnings: Vec<String> = model.warnings.iter().map(|w| normalize(&w.to_string(), dir)).collect();
    warnings.join("\n\n")
}

/// Nested results (docs/nested.md): an array of outer-joined rows says how to get `Vec<Book>`;
/// a JSON shape holding a value with no exact JSON form says which value, and stays JSON.
#[test]
fn nested_results_warn_with_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("q.sql"),
        "-- name: authors_books :many\nSELECT a.id, array_agg(b) AS books FROM authors a LEFT JOIN books b ON b.author_id = a.id GROUP BY a.id;\n\n\
         -- name: photos :one\nSELECT json_agg(json_build_object('id', p.id, 'photo', p.photo)) AS photos FROM products p;\n",
    )
    .unwrap();
    let url = quarry_tests::db::fresh_database_with(&[quarry_tests::nested::SCHEMA]);
    let generated = Config::new()
        .queries(dir.path())
        .database_url(url)
        .run(&Layout::Files)
        .unwrap();
    insta::assert_snapshot!(warnings(&generated.model, dir.path()));
    let photos = &generated.model.modules[0].queries[1].columns[0];
    assert_eq!(photos.ty.owned, "::quarry::serde_json::Value");
}
