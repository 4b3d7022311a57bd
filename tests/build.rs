//! Generates, from the same model code:
//! - the async and the sync flavour of `../queries`;
//! - `time_and_geo/` with the `time` crate and geo-types;
//! - `postgis/`: PostGIS geometry and geography;
//! - `domains/`: a newtype per domain (`domain_newtypes`);
//! - `nested/`: nested results, from table row values and from JSON shapes;
//! - `migrated/`: queries typed against the migrations folder `migrations/app`;
//! - `dynamic/`: optional lines and sort choices (a ticket search), both flavours;
//! - `bulk/`: set-based writes over `unnest` and COPY with upsert, both flavours;
//! - `limits/`: million-item batches, huge values and long streams;
//! - the nullability corpus (`nullability/`), plus `corpus_calls.rs`: one call of every corpus
//!   function, so the soundness test runs each through its generated decoder;
//! - the sqlc project in `sqlc/` (its `sqlc.yaml`, migrations and queries, unchanged);
//! - `sqlc_compat/`: the sqlc layouts and constructs the conformance runner found missing.

use quarry_codegen::emit::Layout;
use quarry_codegen::model::Model;
use quarry_codegen::parse::QueryKind;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    queries_config()?.compile()?;
    queries_config()?.sync(true).include_dir("quarry_sync").compile()?;

    println!("cargo:rerun-if-changed=time_and_geo");
    quarry_codegen::Config::new()
        .queries("time_and_geo")
        .time_crate(quarry_codegen::TimeCrate::Time)
        .geo_types(true)
        .include_dir("time_and_geo")
        .read_database_url_from_env(false)
        .compile()?;

    // PostGIS (tests/postgis.rs): geometry and geography with quarry-runtime's `postgis` feature.
    println!("cargo:rerun-if-changed=postgis");
    quarry_codegen::Config::new()
        .queries("postgis/places.sql")
        .schema("postgis/schema.sql")
        .query_column_type("point_z.p", "quarry::types::Ewkb")
        .include_dir("postgis")
        .read_database_url_from_env(false)
        .compile()?;

    // Domain newtypes (tests/domains.rs).
    println!("cargo:rerun-if-changed=domains");
    quarry_codegen::Config::new()
        .queries("domains/users.sql")
        .schema("domains/schema.sql")
        .domain_newtypes(true)
        .include_dir("domains")
        .read_database_url_from_env(false)
        .compile()?;

    // Queries typed against a migrations folder (tests/migrations.rs): `verify` checks the
    // database's migration history too.
    println!("cargo:rerun-if-changed=migrated");
    println!("cargo:rerun-if-changed=migrations");
    quarry_codegen::Config::new()
        .queries("migrated")
        .schema("migrations/app")
        .include_dir("migrated")
        .read_database_url_from_env(false)
        .compile()?;

    // Nested results (tests/nested.rs): table rows and JSON shapes as structs.
    println!("cargo:rerun-if-changed=nested");
    quarry_codegen::Config::new()
        .queries("nested")
        .schema("nested/schema.sql")
        .include_dir("nested")
        .read_database_url_from_env(false)
        .compile()?;

    // Dynamic queries (tests/dynamic.rs): optional lines and sort choices, both flavours.
    println!("cargo:rerun-if-changed=dynamic");
    for (sync, dir) in [(false, "dynamic"), (true, "dynamic_sync")] {
        quarry_codegen::Config::new()
            .queries("dynamic")
            .schema("dynamic/schema.sql")
            .sync(sync)
            .include_dir(dir)
            .compile()?;
    }

    // Bulk writes (tests/bulk.rs): insert, upsert, update and delete over unnest; both flavours.
    println!("cargo:rerun-if-changed=bulk");
    for (sync, dir) in [(false, "bulk"), (true, "bulk_sync")] {
        quarry_codegen::Config::new()
            .queries("bulk")
            .schema("bulk/schema.sql")
            .sync(sync)
            .include_dir(dir)
            .read_database_url_from_env(false)
            .compile()?;
    }

    // How far one call can go (tests/limits.rs, tests/stream_memory.rs): its own tables.
    println!("cargo:rerun-if-changed=limits");
    quarry_codegen::Config::new()
        .queries("limits")
        .schema("limits/schema.sql")
        .include_dir("limits")
        .read_database_url_from_env(false)
        .compile()?;

    // An sqlc project read as it is (`sqlc/sqlc.yaml`): one module, `library`.
    let mut sqlc = quarry_codegen::sqlc::Project::load("sqlc/sqlc.yaml")?;
    for package in &mut sqlc.packages {
        package.config.read_database_url_from_env(false);
    }
    sqlc.compile()?;

    // sqlc layouts and constructs met in real projects (`sqlc_compat/sqlc.json`): `shop`, `tools`.
    let mut compat = quarry_codegen::sqlc::Project::load("sqlc_compat/sqlc.json")?;
    for package in &mut compat.packages {
        package.config.read_database_url_from_env(false);
    }
    compat.compile()?;

    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed=nullability");
    let corpus = quarry_codegen::Config::new()
        .queries("nullability")
        .schema("nullability/schema.sql")
        .nullable_array_elements(true)
        .read_database_url_from_env(false)
        .run(&Layout::Include { dir: "corpus".into() })?;
    quarry_codegen::write::write_files(&out.join("corpus"), &corpus.files)?;
    std::fs::write(out.join("corpus_calls.rs"), calls(&corpus.model))?;
    Ok(())
}

/// `../queries` with its settings (`queries/quarry.toml`, shared with the examples' build.rs).
fn queries_config() -> Result<quarry_codegen::Config, quarry_codegen::Error> {
    quarry_codegen::Config::from_file("../queries/quarry.toml")
}

/// `pub async fn call_all(client) -> Vec<(name, Result<rows, Error>)>` over every corpus query,
/// with `Default::default()` for non-null parameters and `None` for nullable ones.
fn calls(model: &Model) -> String {
    let mut body = String::new();
    for module in &model.modules {
        for query in &module.queries {
            let args: String = query
                .params
                .iter()
                .map(|p| if p.nullable { ", None" } else { ", Default::default()" })
                .collect();
            let count = match query.kind {
                QueryKind::Many => "r.len()",
                QueryKind::Opt => "usize::from(r.is_some())",
                QueryKind::One => "1",
                QueryKind::Exec => "r as usize",
                batch => panic!("the nullability corpus has no {} queries", batch.name()),
            };
            let name = format!("{}::{}", module.name, query.fn_name);
            writeln!(
                body,
                "    out.push((\"{name}\", crate::corpus::{name}(client{args}).await.map(|r| {{ let _ = &r; {count} }})));"
            )
            .unwrap();
        }
    }
    format!(
        "/// Calls every corpus query once; the number of rows each returned, or its error.\n\
         pub async fn call_all(client: &quarry::Client) -> Vec<(&'static str, Result<usize, quarry::Error>)> {{\n\
         \x20   let mut out = Vec::new();\n{body}    out\n}}\n"
    )
}
