//! `cargo quarry`: the command-line face of [`quarry_codegen::Config`].
//!
//! Exit codes (also in `--help` and docs/build.md): 0 success; 1 the inputs have problems
//! (located diagnostics) or `check` found drift; 2 usage or configuration error; 3 the
//! environment failed (database unreachable, embedded server, file system).

mod init;
mod migrate;
mod ui;

use clap::{Args, Parser, Subcommand};
use quarry_codegen::emit::Layout;
use quarry_codegen::model::Model;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use ui::Ui;

/// Cargo runs `cargo-quarry quarry <args>`; the first word is the subcommand's own name.
#[derive(Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum Cargo {
    /// Typed Rust from annotated PostgreSQL queries.
    Quarry(Cli),
}

#[derive(Args)]
#[command(
    version,
    about = "Typed Rust from annotated PostgreSQL queries",
    after_help = "\
Examples:
  cargo quarry init                      set up quarry.toml, queries/ and build.rs here
  cargo quarry generate --out src/db     write Rust modules from ./quarry.toml's queries
  cargo quarry regenerate                refresh quarry.snapshot.json (builds then need no database)
  cargo quarry check                     CI drift gate after a migration
  cargo quarry explain tasks::find       why each column is (not) nullable
  cargo quarry migrate run               apply the migrations folder to $DATABASE_URL

Exit codes:
  0  success
  1  problems in the queries, schema or quarry.toml (each shown at file:line:col),
     or `check` found drift
  2  usage or configuration error
  3  environment failure: database unreachable, embedded PostgreSQL, file system

Colour is used only when stderr is a terminal and NO_COLOR is unset."
)]
struct Cli {
    /// Print only errors and warnings (no progress, no summary).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create quarry.toml, queries/ with an example schema and queries, and build.rs.
    #[command(after_help = "\
Examples:
  cargo quarry init              in the folder holding Cargo.toml
  cargo quarry init --dir app    in another crate's folder

Existing files are never overwritten: init reports them and leaves them as they are.")]
    Init {
        /// The crate folder (the one with Cargo.toml).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Generate Rust modules from .sql files into a folder.
    #[command(after_help = "\
Examples:
  cargo quarry generate --out src/db
  cargo quarry generate --queries queries --schema queries/schema.sql --out src/db
  cargo quarry generate --out src/db     in an sqlc project: reads sqlc.yaml, one module per entry
  DATABASE_URL=postgres://localhost/app cargo quarry generate --out src/db --sync")]
    Generate {
        #[command(flatten)]
        input: Input,
        /// Output folder: gets mod.rs and one file per .sql file.
        #[arg(long)]
        out: PathBuf,
        /// Emit blocking functions (`quarry::sync`) instead of async ones.
        #[arg(long)]
        sync: bool,
    },
    /// Introspect every query against the database and write the offline snapshot
    /// (`snapshot` in quarry.toml, or --snapshot), so builds need no database.
    #[command(after_help = "\
Examples:
  cargo quarry regenerate
  cargo quarry regenerate --snapshot quarry.snapshot.json --queries queries --schema queries/schema.sql")]
    Regenerate {
        #[command(flatten)]
        input: Input,
        /// Snapshot file to write (default: `snapshot` from quarry.toml, else quarry.snapshot.json).
        #[arg(long)]
        snapshot: Option<PathBuf>,
    },
    /// Drift gate for CI: compare every query against the schema (or DATABASE_URL) with the
    /// snapshot; exit 1 listing each query whose types or nullability would change, or that no
    /// longer prepares.
    #[command(after_help = "\
Examples:
  cargo quarry check                                   schema files on a throwaway server
  DATABASE_URL=postgres://ci@db/app cargo quarry check   the migrated database itself")]
    Check {
        #[command(flatten)]
        input: Input,
        /// Snapshot file to compare with (default: `snapshot` from quarry.toml, else quarry.snapshot.json).
        #[arg(long)]
        snapshot: Option<PathBuf>,
    },
    /// Apply, revert, list or add migrations: the folder codegen reads, applied as the app's
    /// `quarry::migrations!` applies it (docs/migrations.md).
    #[command(after_help = "\
Examples:
  cargo quarry migrate add create_users                 next file, in the folder's own format
  DATABASE_URL=postgres://localhost/app cargo quarry migrate run
  cargo quarry migrate status --dir db/migrations --database-url postgres://localhost/app
  cargo quarry migrate adopt                            take over goose's or golang-migrate's history

Exit codes: 0 success; 1 a migration failed (rolled back), or the history disagrees with the
folder (an applied file edited, missing, out of order); 2 usage; 3 database unreachable.")]
    Migrate {
        #[command(subcommand)]
        action: migrate::Action,
        /// The migrations folder.
        #[arg(long, default_value = "migrations", global = true)]
        dir: PathBuf,
        /// The database; defaults to $DATABASE_URL.
        #[arg(long, global = true)]
        database_url: Option<String>,
    },
    /// Print each result column's type, nullability and the reason for it.
    #[command(after_help = "\
Examples:
  cargo quarry explain
  cargo quarry explain tasks::find_task")]
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
    /// Type array elements not proven non-null as `Option` (`Vec<Option<T>>`).
    #[arg(long)]
    nullable_array_elements: bool,
    /// Give each domain a Rust newtype (types::Email) instead of its base type.
    #[arg(long)]
    domain_newtypes: bool,
}

impl Input {
    /// The sqlc project to read instead of quarry's own settings: `--config sqlc.yaml` (any
    /// `.yaml`, `.yml` or `.json` name), or,
    /// with neither quarry.toml nor --queries, an sqlc.yaml / sqlc.yml / sqlc.json here.
    fn sqlc_project(&self) -> Result<Option<quarry_codegen::sqlc::Project>, quarry_codegen::Error> {
        // quarry.toml is TOML; a `.yaml`, `.yml` or `.json` file is an sqlc file, whatever its name.
        let named_sqlc = |p: &PathBuf| {
            p.extension()
                .is_some_and(|e| ["yaml", "yml", "json"].contains(&e.to_string_lossy().as_ref()))
        };
        let path = match &self.config {
            Some(path) if named_sqlc(path) => Some(path.clone()),
            Some(_) => None,
            None if self.queries.is_empty() && !PathBuf::from(quarry_codegen::config_file::FILE_NAME).exists() => {
                quarry_codegen::sqlc::find(std::path::Path::new("."))
            }
            None => None,
        };
        path.map(quarry_codegen::sqlc::Project::load).transpose()
    }

    /// Applies the flags that are not about where the inputs are.
    fn apply_flags(&self, config: &mut quarry_codegen::Config) {
        if let Some(url) = &self.database_url {
            config.database_url(url);
        }
        // A setting that matches nothing is warned about at its flag on the command line.
        let args: Vec<String> = std::env::args().skip(1).collect();
        let command_line =
            quarry_codegen::diagnostic::SourceFile::new("command line", format!("cargo {}", args.join(" ")));
        let at_flag = |config: &mut quarry_codegen::Config, key: &str, rust: &str| {
            let flag = format!("{key}={rust}");
            if let Some(start) = command_line.text.find(&flag) {
                config.last_setting_at(&command_line, start..start + flag.len());
            }
        };
        for (key, rust) in &self.type_override {
            config.type_override(key, rust);
            at_flag(config, key, rust);
        }
        for (key, rust) in &self.column_type {
            config.column_type(key, rust);
            at_flag(config, key, rust);
        }
        if self.time_crate {
            config.time_crate(quarry_codegen::TimeCrate::Time);
        }
        if self.geo_types {
            config.geo_types(true);
        }
        if self.nullable_array_elements {
            config.nullable_array_elements(true);
        }
        if self.domain_newtypes {
            config.domain_newtypes(true);
        }
    }

    /// The settings: quarry.toml (if any), then the flags, with the progress bar attached.
    fn config(&self, ui: &Ui) -> Result<quarry_codegen::Config, quarry_codegen::Error> {
        let default_file = PathBuf::from(quarry_codegen::config_file::FILE_NAME);
        let file = self
            .config
            .clone()
            .or_else(|| default_file.exists().then_some(default_file));
        let mut config = match &file {
            Some(path) => quarry_codegen::Config::from_file(path)?,
            None if self.queries.is_empty() => {
                let sqlc = quarry_codegen::sqlc::find(std::path::Path::new(".")).map_or(String::new(), |path| {
                    format!(
                        " ({} is read by `generate` and `explain` only: the snapshot's commands need a quarry.toml, see docs/from-sqlc.md)",
                        path.display()
                    )
                });
                return Err(quarry_codegen::Error::Config(format!(
                    "no queries: pass --queries <folder>, or write a quarry.toml (see docs/build.md){sqlc}"
                )));
            }
            None => quarry_codegen::Config::new(),
        };
        for q in &self.queries {
            config.queries(q);
        }
        for s in &self.schema {
            config.schema(s);
        }
        self.apply_flags(&mut config);
        ui.attach_progress(&mut config);
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
    let ui = Ui::new(cli.quiet);
    if let Command::Migrate {
        action,
        dir,
        database_url,
    } = &cli.command
    {
        return match migrate::run(action, dir, database_url.as_deref(), &ui) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                eprintln!("error: {}", failure.message);
                ExitCode::from(failure.code)
            }
        };
    }
    let result = match cli.command {
        Command::Migrate { .. } => unreachable!("handled above"),
        Command::Init { dir } => init::run(&dir, &ui),
        Command::Generate { input, out, sync } => generate(&input, &out, sync, &ui),
        Command::Explain { input, query } => explain(&input, query.as_deref(), &ui),
        Command::Regenerate { input, snapshot } => regenerate(&input, snapshot, &ui),
        Command::Check { input, snapshot } => check(&input, snapshot, &ui),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            ui.error(&e);
            ExitCode::from(exit_code(&e))
        }
    }
}

/// The documented exit code of a failure.
fn exit_code(error: &quarry_codegen::Error) -> u8 {
    use quarry_codegen::Error;
    match error {
        Error::Diagnostics(_) | Error::Emit(_) => 1,
        Error::Config(_) => 2,
        _ => 3,
    }
}

fn generate(input: &Input, out: &PathBuf, sync: bool, ui: &Ui) -> Result<(), quarry_codegen::Error> {
    let started = Instant::now();
    let report = match input.sqlc_project()? {
        Some(mut project) => {
            for message in &project.skipped {
                ui.status(&format!("quarry: {message}"));
            }
            for package in &mut project.packages {
                input.apply_flags(&mut package.config);
                package.config.sync(sync);
                ui.attach_progress(&mut package.config);
            }
            project.write_to(out)?
        }
        None => {
            let mut config = input.config(ui)?;
            if sync {
                config.sync(true);
            }
            config.write_to(out)?
        }
    };
    ui.finish_progress();
    ui.warnings(&report.warnings);
    ui.status(&format!(
        "quarry: {} written, {} unchanged, {} removed in {} ({:.2} s)",
        report.written.len(),
        report.unchanged.len(),
        report.removed.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn check(input: &Input, snapshot: Option<PathBuf>, ui: &Ui) -> Result<(), quarry_codegen::Error> {
    let mut config = input.config(ui)?;
    set_snapshot(&mut config, snapshot);
    let drifts = config.check()?;
    ui.finish_progress();
    if drifts.is_empty() {
        ui.status("quarry: the snapshot matches every query");
        return Ok(());
    }
    Err(quarry_codegen::Error::Diagnostics(drifts))
}

/// `--snapshot`, else quarry.toml's `snapshot`, else `quarry.snapshot.json` here (the name the
/// README and `cargo quarry init` use).
fn set_snapshot(config: &mut quarry_codegen::Config, flag: Option<PathBuf>) {
    match flag {
        Some(path) => {
            config.snapshot(path);
        }
        None if config.snapshot_path().is_none() => {
            config.snapshot(DEFAULT_SNAPSHOT);
        }
        None => {}
    }
}

/// The snapshot file when nothing names one.
const DEFAULT_SNAPSHOT: &str = "quarry.snapshot.json";

fn regenerate(input: &Input, snapshot: Option<PathBuf>, ui: &Ui) -> Result<(), quarry_codegen::Error> {
    let started = Instant::now();
    let mut config = input.config(ui)?;
    set_snapshot(&mut config, snapshot);
    let (path, changed) = config.regenerate()?;
    ui.finish_progress();
    ui.status(&format!(
        "quarry: snapshot {} {} ({:.2} s)",
        path.display(),
        if changed { "written" } else { "unchanged" },
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn explain(input: &Input, only: Option<&str>, ui: &Ui) -> Result<(), quarry_codegen::Error> {
    let (mut text, mut warnings) = (String::new(), Vec::new());
    match input.sqlc_project()? {
        // An sqlc project: every package, its queries named `package::file::query`.
        Some(mut project) => {
            for package in &mut project.packages {
                input.apply_flags(&mut package.config);
                ui.attach_progress(&mut package.config);
                let generated = package.config.run(&Layout::Files)?;
                text.push_str(&render_explain(&generated.model, only, Some(&package.module)));
                warnings.extend(generated.model.warnings);
            }
        }
        None => {
            let generated = input.config(ui)?.run(&Layout::Files)?;
            text = render_explain(&generated.model, only, None);
            warnings = generated.model.warnings;
        }
    }
    ui.finish_progress();
    ui.warnings(&warnings);
    if text.is_empty() {
        return Err(quarry_codegen::Error::Config(format!(
            "no query named `{}`",
            only.unwrap_or_default()
        )));
    }
    print!("{text}");
    Ok(())
}

/// The queries of `model` (all, or the one named `only`: `query`, `file::query`, or with an
/// sqlc package, `package::file::query`).
fn render_explain(model: &Model, only: Option<&str>, package: Option<&str>) -> String {
    let mut out = String::new();
    for module in &model.modules {
        for query in &module.queries {
            let in_module = format!("{}::{}", module.name, query.fn_name);
            let full = package.map_or(in_module.clone(), |p| format!("{p}::{in_module}"));
            if only.is_some_and(|o| o != query.fn_name && o != in_module && o != full) {
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
