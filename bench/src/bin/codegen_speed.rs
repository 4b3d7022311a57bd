//! How fast is generation? 1 000 queries over a 50-table schema, through `cargo quarry
//! generate` as a user runs it, against cornucopia 1.0 on the same queries in its syntax.
//!
//! ```text
//! cd bench && cargo run --release --bin codegen_speed             # 5 runs per variant
//! QUARRY_BENCH_RUNS=9 cargo run --release --bin codegen_speed
//! CORNUCOPIA=/path/to/cornucopia cargo run --release --bin codegen_speed
//! cargo run --release --bin codegen_speed -- --corpus /tmp/corpus   # only write the inputs
//! ```
//!
//! The live database is a throwaway server the benchmark starts (TCP on 127.0.0.1), so every
//! tool pays the same connection cost. cornucopia is looked up as `$CORNUCOPIA`, then on
//! `PATH`; without it its rows say "not installed" (`cargo install cornucopia --version 1.0.1`).
//! Prints a Markdown table for `BENCHMARKS.md`.

use quarry_codegen::embedded::{EmbeddedServer, ServerOptions};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TABLES: usize = 50;
const QUERIES_PER_TABLE: usize = 20;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::var("QUARRY_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, dir] = args.as_slice() {
        if flag == "--corpus" {
            Corpus::write(Path::new(dir))?;
            eprintln!("corpus written to {dir}");
            return Ok(());
        }
    }
    let quarry = build_cli()?;
    let work = tempfile::tempdir()?;
    let corpus = Corpus::write(work.path())?;

    let server = EmbeddedServer::start_with(&ServerOptions {
        tcp_port: Some(free_port()),
        ..Default::default()
    })?;
    let url = tcp_url(&server, "postgres");
    load_schema(&url, &corpus.schema)?;

    let mut table = String::from("| variant (1 000 queries, 50 tables) | median | min | max |\n|---|---:|---:|---:|\n");
    let mut row = |name: &str, times: Vec<Duration>| {
        let (median, min, max) = stats(times);
        let _ = writeln!(table, "| {name} | {median:.2} s | {min:.2} s | {max:.2} s |");
        eprintln!("{name}: median {median:.3} s");
    };

    let out = work.path().join("out");
    // `keep`: leave the previous output in place, so every file compares equal.
    let generate = |extra: &[&str], env: &[(&str, &str)], keep: bool| {
        if !keep {
            let _ = std::fs::remove_dir_all(&out);
        }
        let mut command = Command::new(&quarry);
        command
            .args(["quarry", "generate", "--quiet", "--out"])
            .arg(&out)
            .args(extra)
            .env_remove("DATABASE_URL")
            .env_remove("QUARRY_OFFLINE");
        for (k, v) in env {
            command.env(k, v);
        }
        command
    };
    let queries = corpus.quarry_queries.to_str().unwrap();
    let schema = corpus.schema.to_str().unwrap();

    row(
        "`cargo quarry generate`, live server (`DATABASE_URL`)",
        time(runs, || {
            generate(&["--queries", queries], &[("DATABASE_URL", &url)], false)
        }),
    );
    row(
        "`cargo quarry generate`, embedded server end to end (start, load schema, generate, stop)",
        time(runs, || {
            generate(&["--queries", queries, "--schema", schema], &[], false)
        }),
    );

    // The snapshot paths: regenerate once, then generate with no database at all.
    let config = corpus.root.join("quarry.toml");
    std::fs::write(
        &config,
        "queries = [\"queries\"]\nschema = [\"schema.sql\"]\nsnapshot = \"quarry.snapshot.json\"\n",
    )?;
    let config_arg = config.to_str().unwrap();
    let status = Command::new(&quarry)
        .args(["quarry", "regenerate", "--quiet", "--config", config_arg])
        .env("DATABASE_URL", &url)
        .status()?;
    assert!(status.success(), "regenerate failed");
    row(
        "`cargo quarry generate` from the snapshot, no database (`QUARRY_OFFLINE=true`)",
        time(runs, || {
            generate(&["--config", config_arg], &[("QUARRY_OFFLINE", "true")], false)
        }),
    );
    row(
        "same, nothing changed (what a re-run build.rs costs: hash, compare, write nothing)",
        time(runs, || {
            generate(&["--config", config_arg], &[("QUARRY_OFFLINE", "true")], true)
        }),
    );

    match cornucopia() {
        Some(cornucopia) => {
            let destination = work.path().join("cornucopia.rs");
            let corn_queries = corpus.cornucopia_queries.to_str().unwrap().to_string();
            let live = |cornucopia: &Path| {
                let mut command = Command::new(cornucopia);
                command
                    .args(["live", &url, "-q", &corn_queries, "-d"])
                    .arg(&destination)
                    .current_dir(work.path());
                command
            };
            row(
                "cornucopia 1.0 `live` (same server, same queries)",
                time(runs, || live(&cornucopia)),
            );
            let fresh = |cornucopia: &Path| {
                let mut command = Command::new(cornucopia);
                command
                    .args(["fresh", "-u", &tcp_url_without_db(&server), "-q", &corn_queries, "-d"])
                    .arg(&destination)
                    .arg(schema)
                    .current_dir(work.path());
                command
            };
            row(
                "cornucopia 1.0 `fresh` (temporary database on the running server, not a new server)",
                time(runs, || fresh(&cornucopia)),
            );
        }
        None => {
            let _ = writeln!(table, "| cornucopia 1.0 | not installed | | |");
        }
    }
    drop(server);
    println!("{table}");
    println!("{runs} runs per variant; wall time of the whole process, as a user sees it.");
    Ok(())
}

/// Builds the release `cargo-quarry` of this checkout; returns its path.
fn build_cli() -> Result<PathBuf, Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "-q", "-p", "cargo-quarry"])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        return Err("building cargo-quarry failed".into());
    }
    Ok(root.join("target/release/cargo-quarry"))
}

fn cornucopia() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CORNUCOPIA") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("cornucopia"))
            .find(|candidate| candidate.is_file())
    })
}

/// Runs the command `runs` times (after one warm-up run), checking that it succeeds.
fn time(runs: usize, make: impl Fn() -> Command) -> Vec<Duration> {
    let run = || {
        let mut command = make();
        let started = Instant::now();
        let output = command.output().expect("run the generator");
        let elapsed = started.elapsed();
        assert!(
            output.status.success(),
            "{:?} failed:\n{}",
            command,
            String::from_utf8_lossy(&output.stderr)
        );
        elapsed
    };
    run();
    (0..runs).map(|_| run()).collect()
}

fn stats(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let secs = |d: Duration| d.as_secs_f64();
    (
        secs(times[times.len() / 2]),
        secs(times[0]),
        secs(times[times.len() - 1]),
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn tcp_url(server: &EmbeddedServer, database: &str) -> String {
    format!("{}/{database}", tcp_url_without_db(server))
}

fn tcp_url_without_db(server: &EmbeddedServer) -> String {
    let port = server
        .connection_string("postgres")
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix("port=").map(str::to_string))
        .expect("a port");
    format!("postgresql://postgres@127.0.0.1:{port}")
}

fn load_schema(url: &str, schema: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let sql = std::fs::read_to_string(schema)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        client.batch_execute(&sql).await
    })?;
    Ok(())
}

/// The generated inputs: one schema, the same 1 000 queries in quarry's and cornucopia's syntax.
struct Corpus {
    root: PathBuf,
    schema: PathBuf,
    quarry_queries: PathBuf,
    cornucopia_queries: PathBuf,
}

impl Corpus {
    fn write(root: &Path) -> std::io::Result<Corpus> {
        let corpus = Corpus {
            root: root.to_path_buf(),
            schema: root.join("schema.sql"),
            quarry_queries: root.join("queries"),
            cornucopia_queries: root.join("cornucopia_queries"),
        };
        std::fs::create_dir_all(&corpus.quarry_queries)?;
        std::fs::create_dir_all(&corpus.cornucopia_queries)?;
        std::fs::write(&corpus.schema, schema())?;
        for t in 1..=TABLES {
            let queries = table_queries(t);
            let quarry: String = queries
                .iter()
                .map(|(name, kind, sql)| format!("-- name: {name} :{kind}\n{sql};\n\n"))
                .collect();
            let cornucopia: String = queries
                .iter()
                .map(|(name, _, sql)| format!("--! {name}\n{sql};\n\n"))
                .collect();
            std::fs::write(corpus.quarry_queries.join(format!("t{t:02}.sql")), quarry)?;
            std::fs::write(corpus.cornucopia_queries.join(format!("t{t:02}.sql")), cornucopia)?;
        }
        Ok(corpus)
    }
}

/// 50 tables; each after the first references the previous one.
fn schema() -> String {
    let mut sql = String::new();
    for t in 1..=TABLES {
        let reference = if t == 1 {
            String::new()
        } else {
            format!(",\n    parent_id bigint REFERENCES t{:02} (id)", t - 1)
        };
        let _ = write!(
            sql,
            "CREATE TABLE t{t:02} (\n    id bigserial PRIMARY KEY,\n    name text NOT NULL,\n    note text,\n    \
             amount numeric(12, 2),\n    score int NOT NULL DEFAULT 0,\n    flag boolean NOT NULL DEFAULT false,\n    \
             created_at timestamptz NOT NULL DEFAULT now(){reference}\n);\n\n"
        );
    }
    sql
}

/// Twenty queries on table `t`: lookups, lists, inserts, updates, deletes, aggregates, joins.
fn table_queries(t: usize) -> Vec<(String, &'static str, String)> {
    let table = format!("t{t:02}");
    let parent = format!("t{:02}", if t == 1 { 1 } else { t - 1 });
    let mut queries = Vec::new();
    for i in 0..QUERIES_PER_TABLE / 5 {
        queries.push((
            format!("{table}_by_id_{i}"),
            "opt",
            format!(
                "SELECT id, name, note, amount, score, flag, created_at FROM {table} WHERE id = :id AND score >= {i}"
            ),
        ));
        queries.push((
            format!("{table}_list_{i}"),
            "many",
            format!("SELECT id, name, note FROM {table} WHERE name LIKE :pattern ORDER BY id LIMIT :limit OFFSET {i}"),
        ));
        queries.push((
            format!("{table}_insert_{i}"),
            "one",
            format!("INSERT INTO {table} (name, score) VALUES (:name, :score + {i}) RETURNING id, created_at"),
        ));
        queries.push((
            format!("{table}_update_{i}"),
            "exec",
            format!("UPDATE {table} SET name = :name, flag = NOT flag WHERE id = :id AND score > {i}"),
        ));
        queries.push((
            format!("{table}_with_parent_{i}"),
            "many",
            format!(
                "SELECT c.id, c.name, p.name AS parent_name, count(*) OVER () AS total FROM {table} c \
                 LEFT JOIN {parent} p ON p.id = c.id + {i} WHERE c.flag = :flag"
            ),
        ));
    }
    queries
}
