//! quarry's benchmarks: generated code against hand-written tokio-postgres, sqlx,
//! deadpool-postgres, pgbench and psql — in the same run, on one throwaway server the
//! benchmark starts itself.
//!
//! ```text
//! cd bench && cargo run --release                    # every figure
//! cd bench && cargo run --release -- select decode   # some: select pipeline insert copy decode pool stream blocking dynamic bulk nested protocol wire wire-memory
//! QUARRY_BENCH_RUNS=9 cargo run --release            # runs per variant (default 5; decode uses ≥ 15)
//! QUARRY_BENCH_PIN=1 cargo run --release -- select   # client and server on CPU 0 (per-query cost)
//! ```
//!
//! Prints Markdown tables for `BENCHMARKS.md`.

mod blocking;
mod bulk;
mod common;
mod counting;
mod decode;
mod dynamic;
mod insert;
mod nested;
mod pool;
mod protocol;
mod select;
mod stream;
mod wire;

use common::Bench;
use quarry_codegen::embedded::EmbeddedServer;

#[allow(dead_code)] // `verify` is not benchmarked
mod generated {
    quarry::include_queries!();
}
/// The same queries, blocking (figure 8).
#[allow(dead_code)]
mod sync_generated {
    quarry::include_queries!("quarry_sync");
}
use generated::decode as decode_queries;
use generated::people;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// Rows in `people` (selects pick among them).
pub const PEOPLE: i64 = 100_000;

/// The port in a libpq connection string.
pub fn port(url: &str) -> u16 {
    url.split_whitespace()
        .find_map(|kv| kv.strip_prefix("port="))
        .and_then(|p| p.parse().ok())
        .expect("the connection string names a port")
}

const FIGURES: [&str; 15] = [
    "select", "pipeline", "insert", "copy", "decode", "pool", "stream", "blocking", "dynamic", "bulk", "nested",
    "protocol", "wire", "wire-memory", "wire-profile",
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    for w in &wanted {
        if !FIGURES.contains(&w.as_str()) {
            return Err(format!("unknown figure `{w}`; choose from {FIGURES:?}").into());
        }
    }
    let run = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    let runs = std::env::var("QUARRY_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);

    let server = EmbeddedServer::start()?;
    let url = server.connection_string("postgres");
    let bench = Bench { server, url, runs };
    setup(&bench).await;
    let pinned = std::env::var_os("QUARRY_BENCH_PIN").is_some();
    if pinned {
        pin_to_cpu0(&bench).await;
    }
    println!(
        "Machine: {} CPUs; PostgreSQL over a Unix socket; current-thread tokio runtime{}.",
        num_cpus(),
        if pinned {
            "; client and server pinned to CPU 0"
        } else {
            ""
        }
    );

    if run("select") {
        select::sequential(&bench).await;
    }
    if run("pipeline") {
        select::pipelined(&bench).await;
    }
    if run("insert") {
        insert::inserts(&bench).await;
    }
    if run("copy") {
        insert::copy(&bench).await;
    }
    if run("decode") {
        decode::run(&bench).await;
    }
    if run("pool") {
        pool::run(&bench).await;
    }
    if run("stream") {
        stream::run(&bench).await;
    }
    if run("blocking") {
        blocking::run(&bench);
    }
    if run("dynamic") {
        dynamic::run(&bench).await;
    }
    if run("bulk") {
        bulk::run(&bench).await;
    }
    if run("nested") {
        nested::run(&bench).await;
    }
    if run("protocol") {
        protocol::run(&bench).await;
    }
    if run("wire") {
        wire::run(&bench).await;
    }
    // Alone or last: the peak heap it reports is the process's since the figure started.
    if run("wire-memory") {
        wire::memory(&bench).await;
    }
    // Only when asked: a steady load to attach a profiler to (`perf record -p`).
    if wanted.iter().any(|w| w == "wire-profile") {
        wire::profile(&bench).await;
    }
    Ok(())
}

async fn setup(bench: &Bench) {
    let raw = bench.raw().await;
    raw.batch_execute(include_str!("../queries/schema.sql")).await.unwrap();
    raw.execute(
        "INSERT INTO bench_rows SELECT g, 'name ' || g, 'user' || g || '@example.org', \
         decode(repeat('ab', 32), 'hex'), ARRAY['red', 'green', 'blue'] FROM generate_series(1, $1::int) g",
        &[&decode::ROWS],
    )
    .await
    .unwrap();
    raw.execute(
        "INSERT INTO people SELECT g, format('name_%s', lpad(g::text, 7, '0')), \
         format('u%s@example.org', lpad(g::text, 7, '0')), 18 + (g * 7919) % 63, \
         '2020-01-01 00:00:00+00'::timestamptz + g * interval '37 seconds' FROM generate_series(1, $1::int8) g",
        &[&PEOPLE],
    )
    .await
    .unwrap();
    raw.batch_execute("VACUUM ANALYZE").await.unwrap();
}

/// Pins this process and the server's postmaster (whose later backends inherit it) to CPU 0,
/// so a figure measures per-query cost instead of cross-CPU wake-ups (PERF-FLOOR.md §1).
pub(crate) async fn pin_to_cpu0(bench: &Bench) {
    let raw = bench.raw().await;
    let backend: i32 = raw.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
    let stat = std::fs::read_to_string(format!("/proc/{backend}/stat")).unwrap();
    let postmaster = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    for pid in [postmaster, std::process::id().to_string()] {
        let status = std::process::Command::new("taskset")
            .args(["-apc", "0", &pid])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("taskset (util-linux) is needed for QUARRY_BENCH_PIN");
        assert!(status.success(), "taskset failed for pid {pid}");
    }
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
