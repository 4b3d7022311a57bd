//! `cargo quarry`: the command-line face of [`quarry_codegen::Config`].

use clap::{Args, Parser, Subcommand};
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
    Generate(Generate),
}

#[derive(Args)]
struct Generate {
    /// Folder of annotated .sql files (or one file); repeatable.
    #[arg(long, required = true)]
    queries: Vec<PathBuf>,
    /// Schema file loaded into the throwaway server; repeatable, applied in order.
    #[arg(long)]
    schema: Vec<PathBuf>,
    /// Output folder: gets mod.rs and one file per .sql file.
    #[arg(long)]
    out: PathBuf,
    /// Emit blocking functions (the `postgres` crate) instead of async ones.
    #[arg(long)]
    sync: bool,
    /// Database holding the schema; defaults to $DATABASE_URL, else a throwaway server.
    #[arg(long)]
    database_url: Option<String>,
}

fn main() -> ExitCode {
    let Cargo::Quarry(cli) = Cargo::parse();
    match cli.command {
        Command::Generate(args) => generate(args),
    }
}

fn generate(args: Generate) -> ExitCode {
    let started = Instant::now();
    let mut config = quarry_codegen::Config::new();
    for q in &args.queries {
        config.queries(q);
    }
    for s in &args.schema {
        config.schema(s);
    }
    config.sync(args.sync);
    if let Some(url) = &args.database_url {
        config.database_url(url);
    }
    match config.write_to(&args.out) {
        Ok(report) => {
            eprintln!(
                "quarry: {} written, {} unchanged, {} removed in {} ({:.2} s)",
                report.written.len(),
                report.unchanged.len(),
                report.removed.len(),
                args.out.display(),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
