//! Shared set-up and reporting: one throwaway server, medians, Markdown rows.

use quarry_codegen::embedded::EmbeddedServer;
use std::future::Future;
use std::time::{Duration, Instant};

/// The server every figure runs against, and how many times each variant is repeated.
pub struct Bench {
    pub server: EmbeddedServer,
    pub url: String,
    pub runs: usize,
}

impl Bench {
    /// A fresh tokio-postgres connection (the hand-written baseline).
    pub async fn raw(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client
    }

    /// A fresh quarry client.
    pub async fn quarry(&self) -> quarry::Client {
        quarry::Client::connect(&self.url).await.expect("connect")
    }
}

/// Median wall time of `runs` runs of `run` (after one warm-up run), each after an untimed
/// `setup`.
pub async fn median_with_setup<S, SFut, F, Fut>(runs: usize, mut setup: S, mut run: F) -> Duration
where
    S: FnMut() -> SFut,
    SFut: Future<Output = ()>,
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    setup().await;
    run().await;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        setup().await;
        let start = Instant::now();
        run().await;
        times.push(start.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// Median wall time of `runs` runs of `run` (after one warm-up run).
pub async fn median<F, Fut>(runs: usize, mut run: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    run().await;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        run().await;
        times.push(start.elapsed());
    }
    times.sort();
    times[runs / 2]
}

/// Prints a table header.
pub fn header(title: &str, unit: &str) {
    println!("\n### {title}\n");
    println!("| variant | {unit} | ratio |");
    println!("|---|---:|---:|");
}

/// Prints one row: `count` operations in `time`, as a rate, with its ratio to `base`.
pub fn rate_row(name: &str, count: u64, time: Duration, base: Option<f64>) -> f64 {
    let rate = count as f64 / time.as_secs_f64();
    let ratio = base.map_or_else(|| "1.00×".to_string(), |b| format!("{:.2}×", rate / b));
    println!("| {name} | {} | {ratio} |", human(rate));
    rate
}

fn human(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.2} M/s", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.1} k/s", rate / 1e3)
    } else {
        format!("{rate:.0}/s")
    }
}

/// A PostgreSQL client binary (psql, pgbench) next to the server the bench started.
pub fn pg_binary(name: &str) -> Option<std::path::PathBuf> {
    let dirs = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    let mut candidates: Vec<_> = dirs
        .filter_map(|d| d.ok())
        .map(|d| d.path().join("bin").join(name))
        .collect();
    candidates.sort();
    candidates.into_iter().rev().find(|p| p.exists())
}
