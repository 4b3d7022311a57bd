//! `cargo quarry init`: a working starting point in an existing crate — quarry.toml, an
//! example schema and queries, and a build.rs. Existing files are never overwritten, so running
//! it twice is harmless.

use crate::ui::Ui;
use quarry_codegen::Error;
use std::path::Path;

const QUARRY_TOML: &str = r#"# quarry settings, read by build.rs (`Config::load`) and by `cargo quarry`.
# Every key is optional; the full list is in quarry's docs/build.md.
queries = ["queries"]                 # folders of annotated .sql files
schema = ["queries/schema.sql"]       # loaded, in order, into a throwaway PostgreSQL
snapshot = "quarry.snapshot.json"     # `cargo quarry regenerate` writes it; builds then need no database
"#;

const SCHEMA_SQL: &str = "\
-- The schema quarry loads into a throwaway PostgreSQL to learn your queries' types.
-- Replace it with your own DDL, or list your migration files under `schema` in quarry.toml.
CREATE TABLE authors (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    bio        text,
    created_at timestamptz NOT NULL DEFAULT now()
);
";

const AUTHORS_SQL: &str = "\
-- Each query gets a header: `-- name: <function name> :<kind>`.
-- :one = exactly one row, :opt = zero or one, :many = all rows, :exec = rows affected.
-- `:name` is a parameter; `:name?` may be NULL (an Option).

-- name: create_author :one
INSERT INTO authors (name, bio) VALUES (:name, :bio?) RETURNING id;

-- name: get_author :opt
SELECT id, name, bio, created_at FROM authors WHERE id = :id;

-- name: list_authors :many
SELECT id, name FROM authors ORDER BY name LIMIT :limit;

-- name: delete_author :exec
DELETE FROM authors WHERE id = :id;
";

const BUILD_RS: &str = "\
// Turns the .sql files named in quarry.toml into typed Rust in $OUT_DIR/quarry/;
// use them with `quarry::include_queries!();`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    quarry_codegen::Config::load()?.compile()?;
    Ok(())
}
";

/// The `cargo add` lines: from crates.io, or — for a `cargo quarry` built from a quarry
/// checkout that is still there (`cargo install --path cli`) — from that checkout, so the
/// printed steps work before and after the crates are published.
fn add_lines() -> String {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .filter(|c| c.join("runtime/Cargo.toml").is_file());
    let from = |krate: &str| match checkout {
        Some(root) => format!(" --path {}", root.join(krate).display()),
        None => String::new(),
    };
    format!(
        "  cargo add quarry-runtime{}\n  cargo add tokio --features rt-multi-thread,macros\n  cargo add --build quarry-codegen{}\n",
        from("runtime"),
        from("codegen")
    )
}

const NEXT_STEPS: &str = "
  // src/main.rs
  quarry::include_queries!();

  #[tokio::main]
  async fn main() -> Result<(), quarry::Error> {
      let client = quarry::Client::connect(\"postgres://localhost/app\").await?;
      let id = authors::create_author(&client, \"Ada\", None).await?;
      println!(\"{:?}\", authors::get_author(&client, id).await?);
      Ok(())
  }

`cargo build` checks every query against queries/schema.sql on a throwaway PostgreSQL;
`cargo quarry regenerate` writes quarry.snapshot.json so builds (and CI) need no database.";

/// The files `init` creates, relative to the crate folder.
pub(crate) const FILES: [(&str, &str); 4] = [
    ("quarry.toml", QUARRY_TOML),
    ("queries/schema.sql", SCHEMA_SQL),
    ("queries/authors.sql", AUTHORS_SQL),
    ("build.rs", BUILD_RS),
];

/// Creates the missing files; reports the ones already there.
pub(crate) fn run(dir: &Path, ui: &Ui) -> Result<(), Error> {
    if !dir.is_dir() {
        return Err(Error::Config(format!("{} is not a folder", dir.display())));
    }
    let mut created = Vec::new();
    let mut kept = Vec::new();
    for (name, contents) in FILES {
        let path = dir.join(name);
        if path.exists() {
            kept.push(name);
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::Io {
                path: parent.to_path_buf(),
                source: e,
            })?;
        }
        std::fs::write(&path, contents).map_err(|e| Error::Io { path, source: e })?;
        created.push(name);
    }
    if !created.is_empty() {
        ui.status(&format!("quarry: created {}", created.join(", ")));
    }
    for name in &kept {
        ui.status(&format!("quarry: {name} exists; left as it is"));
    }
    if kept.contains(&"build.rs") {
        ui.status("  add this to your build.rs's main():\n    quarry_codegen::Config::load()?.compile()?;");
    }
    if !dir.join("Cargo.toml").exists() {
        ui.status(&format!(
            "quarry: note: {} has no Cargo.toml; build.rs takes effect once it is a crate (`cargo init`)",
            dir.display()
        ));
    }
    ui.status(&format!("Next steps:\n{}{NEXT_STEPS}", add_lines()));
    Ok(())
}
