//! `cargo quarry`: the command-line face of [`quarry_codegen::Config`].

use clap::{Args, Parser, Subcommand};
use quarry_codegen::emit::Layout;
use quarry_codegen::model::Model;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Cargo runs `cargo-quarry quarry <args>`; the first word is the subcommand's own name.
#[derive(Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum Cargo {
    /// Typed Rust from annotated PostgreSQL queries.
    Quarry(Cli),
}

#[derive(Args)]
#[command(version, about = "Typed Rust from annotated PostgreSQL queries")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate Rust modules from .sql files into a folder.
    Generate {
        #[command(flatten)]
        input: Input,
        /// Output folder: gets mod.rs and one file per .sql file.
        #[arg(long)]
        out: PathBuf,
        /// Emit blocking functions (the `postgres` crate) instead of async ones.
        #[arg(long)]
        sync: bool,
    },
    /// Introspect every query against the database and write the offline snapshot
    /// (`snapshot` in quarry.toml, or --snapshot), so builds need no database.
    Regenerate {
        #[command(flatten)]
        input: Input,
        /// Snapshot file to write (default: `snapshot` from quarry.toml).
        #[arg(long)]
        snapshot: Option<PathBuf>,
    },
    /// Drift gate for CI: compare every query against the schema (or DATABASE_URL) with the
    /// snapshot; exit 1 listing each query whose types or nullability would change, or that no
    /// longer prepares.
    Check {
        #[command(flatten)]
        input: Input,
        /// Snapshot file to compare with (default: `snapshot` from quarry.toml).
        #[arg(long)]
        snapshot: Option<PathBuf>,
    },
    /// Print each result column's type, nullability and the reason for it.
    Explain {
        #[command(flatten)]
        input: Input,
        /// Only this query (its name, or `module::name`).
        query: Option<String>,
    },
}

/// Where the queries and the schema come from.
#[derive(Args)]
struct Input {
    /// Settings file; defaults to ./quarry.toml when it exists. Flags add to it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Folder of annotated .sql files (or one file); repeatable. Required without quarry.toml.
    #[arg(long)]
    queries: Vec<PathBuf>,
    /// Schema file loaded into the throwaway server; repeatable, applied in order.
    #[arg(long)]
    schema: Vec<PathBuf>,
    /// Database holding the schema; defaults to $DATABASE_URL, else a throwaway server.
    #[arg(long)]
    database_url: Option<String>,
    /// Map a PostgreSQL type to a Rust type, e.g. `--type-override geometry=my_crate::Geometry`; repeatable.
    #[arg(long, value_name = "PG_TYPE=RUST_TYPE", value_parser = mapping)]
    type_override: Vec<(String, String)>,
    /// Map a table column to a Rust type, e.g. `--column-type users.settings=crate::Settings`; repeatable.
    #[arg(long, value_name = "TABLE.COLUMN=RUST_TYPE", value_parser = mapping)]
    column_type: Vec<(String, String)>,
    /// Date/time types from the `time` crate instead of chrono.
    #[arg(long)]
    time_crate: bool,
    /// Map point, box and path to geo-types.
    #[arg(long)]
    geo_types: bool,
}

impl Input {
    fn config(&self) -> Result<quarry_codegen::Config, quarry_codegen::Error> {
        let default_file = PathBuf::from(quarry_codegen::config_file::FILE_NAME);
        let file = self
            .config
            .clone()
            .or_else(|| default_file.exists().then_some(default_file));
        let mut config = match &file {
            Some(path) => quarry_codegen::Config::from_file(path)?,
            None if self.queries.is_empty() => {
                return Err(quarry_codegen::Error::Config(
                    "no queries: pass --queries <folder>, or write a quarry.toml (see docs/build.md)".into(),
                ))
            }
            None => quarry_codegen::Config::new(),
        };
        for q in &self.queries {
            config.queries(q);
        }
        for s in &self.schema {
            config.schema(s);
        }
        if let Some(url) = &self.database_url {
            config.database_url(url);
        }
        for (key, rust) in &self.type_override {
            config.type_override(key, rust);
        }
        for (key, rust) in &self.column_type {
            config.column_type(key, rust);
        }
        if self.time_crate {
            config.time_crate(quarry_codegen::TimeCrate::Time);
        }
        if self.geo_types {
            config.geo_types(true);
        }
        Ok(config)
    }
}

/// Parses `key=rust::Type`.
fn mapping(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, rust)) if !key.is_empty() && !rust.is_empty() => Ok((key.to_string(), rust.to_string())),
        _ => Err(format!("expected `name=rust::Type`, got `{text}`")),
    }
}

fn main() -> ExitCode {
    let Cargo::Quarry(cli) = Cargo::parse();
    let result = match cli.command {
        Command::Generate { input, out, sync } => generate(&input, &out, sync),
        Command::Explain { input, query } => explain(&input, query.as_deref()),
        Command::Regenerate { input, snapshot } => regenerate(&input, snapshot),
        Command::Check { input, snapshot } => check(&input, snapshot),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn generate(input: &Input, out: &PathBuf, sync: bool) -> Result<(), quarry_codegen::Error> {
    let started = Instant::now();
    let mut config = input.config()?;
    if sync {
        config.sync(true);
    }
    let report = config.write_to(out)?;
    for warning in &report.warnings {
        eprintln!("{warning}\n");
    }
    eprintln!(
        "quarry: {} written, {} unchanged, {} removed in {} ({:.2} s)",
        report.written.len(),
        report.unchanged.len(),
        report.removed.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn check(input: &Input, snapshot: Option<PathBuf>) -> Result<(), quarry_codegen::Error> {
    let mut config = input.config()?;
    if let Some(path) = snapshot {
        config.snapshot(path);
    }
    let drifts = config.check()?;
    if drifts.is_empty() {
        eprintln!("quarry: the snapshot matches every query");
        return Ok(());
    }
    Err(quarry_codegen::Error::Diagnostics(drifts))
}

fn regenerate(input: &Input, snapshot: Option<PathBuf>) -> Result<(), quarry_codegen::Error> {
    let started = Instant::now();
    let mut config = input.config()?;
    if let Some(path) = snapshot {
        config.snapshot(path);
    }
    let (path, changed) = config.regenerate()?;
    eprintln!(
        "quarry: snapshot {} {} ({:.2} s)",
        path.display(),
        if changed { "written" } else { "unchanged" },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn explain(input: &Input, only: Option<&str>) -> Result<(), quarry_codegen::Error> {
    let generated = input.config()?.run(&Layout::Files)?;
    for warning in &generated.model.warnings {
        eprintln!("{warning}\n");
    }
    let text = render_explain(&generated.model, only);
    if text.is_empty() {
        return Err(quarry_codegen::Error::Config(format!(
            "no query named `{}`",
            only.unwrap_or_default()
        )));
    }
    print!("{text}");
    Ok(())
}

fn render_explain(model: &Model, only: Option<&str>) -> String {
    let mut out = String::new();
    for module in &model.modules {
        for query in &module.queries {
            let full = format!("{}::{}", module.name, query.fn_name);
            if only.is_some_and(|o| o != query.fn_name && o != full) {
                continue;
            }
            out.push_str(&format!("{full} ({}:{})\n", module.file, query.line));
            for p in &query.params {
                let null = if p.nullable { "nullable" } else { "not null" };
                out.push_str(&format!("  param  {:<16} {:<12} {null}\n", p.name, p.ty.pg_name));
            }
            for c in &query.columns {
                let null = if c.nullable { "nullable" } else { "not null" };
                out.push_str(&format!(
                    "  column {:<16} {:<12} {null:<9} {}\n",
                    c.pg_name, c.ty.pg_name, c.nullability_reason
                ));
            }
            out.push('\n');
        }
    }
    out
}
