//! Figures 1 and 2: 20 000 single-row selects by primary key, sequential and pipelined.

use crate::common::{header, median, pg_binary, rate_row, Bench};
use crate::people::{self, GetPeopleParams};
use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use std::hint::black_box;

pub const SELECTS: i64 = 20_000;
pub const SQL: &str = "SELECT id, name, email, age, created_at FROM people WHERE id = $1";

/// What each variant decodes per row (the same five columns everywhere).
type Person = (i64, String, String, i32, DateTime<Utc>);

pub fn id(i: i64) -> i64 {
    (i * 7919) % crate::PEOPLE + 1
}

/// `SELECTS` selects by one `:batchone` call on `client` (figures 2, 12 and 13a): median time.
pub async fn batch_selects<C: quarry::GenericClient + ?Sized>(bench: &Bench, client: &C) -> std::time::Duration {
    median(bench.runs, || async {
        let rows = people::get_people(client, (0..SELECTS).map(|i| GetPeopleParams { id: id(i) }))
            .await
            .unwrap();
        black_box(rows);
    })
    .await
}

/// `SELECTS` sequential selects with hand-written tokio-postgres (the baseline of figures 1 and
/// 13b): median time.
pub async fn hand_sequential(bench: &Bench) -> std::time::Duration {
    let raw = bench.raw().await;
    let statement = raw.prepare(SQL).await.unwrap();
    median(bench.runs, || async {
        for i in 0..SELECTS {
            let row = raw.query_one(&statement, &[&id(i)]).await.unwrap();
            let person: Person = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
            black_box(person);
        }
    })
    .await
}

pub async fn sequential(bench: &Bench) {
    header(
        &format!(
            "1. {SELECTS} sequential selects by primary key (median of {} runs)",
            bench.runs
        ),
        "selects/s",
    );
    let hand = hand_sequential(bench).await;
    let client = bench.quarry().await;
    let generated = median(bench.runs, || async {
        for i in 0..SELECTS {
            black_box(people::get_person(&client, id(i)).await.unwrap());
        }
    })
    .await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(sqlx_options(bench))
        .await
        .unwrap();
    let sqlx_time = median(bench.runs, || async {
        for i in 0..SELECTS {
            let person: Person = sqlx::query_as(SQL).bind(id(i)).fetch_one(&pool).await.unwrap();
            black_box(person);
        }
    })
    .await;
    let base = rate_row(
        "tokio-postgres, hand-written, prepared statement reused",
        SELECTS as u64,
        hand,
        None,
    );
    let quarry_rate = rate_row(
        "quarry generated `get_person` (cached statement)",
        SELECTS as u64,
        generated,
        Some(base),
    );
    let sqlx_rate = rate_row(
        "sqlx 0.8 `query_as`, pool of one connection",
        SELECTS as u64,
        sqlx_time,
        Some(base),
    );
    println!("\nquarry ÷ sqlx: {:.2}×", quarry_rate / sqlx_rate);
}

pub fn sqlx_options(bench: &Bench) -> sqlx::postgres::PgConnectOptions {
    sqlx::postgres::PgConnectOptions::new()
        .socket(bench.server.socket_dir())
        .port(crate::port(&bench.url))
        .username("postgres")
        .database("postgres")
}

pub async fn pipelined(bench: &Bench) {
    header(
        &format!(
            "2. {SELECTS} selects pipelined on one connection (median of {} runs)",
            bench.runs
        ),
        "selects/s",
    );
    let client = bench.quarry().await;
    let raw = bench.raw().await;
    let statement = raw.prepare(SQL).await.unwrap();
    let sequential = median(bench.runs, || async {
        for i in 0..SELECTS {
            black_box(people::get_person(&client, id(i)).await.unwrap());
        }
    })
    .await;
    let hand = median(bench.runs, || async {
        for chunk in (0..SELECTS).collect::<Vec<_>>().chunks(1000) {
            let calls = chunk.iter().map(|&i| {
                let statement = &statement;
                let raw = &raw;
                async move { raw.query_one(statement, &[&id(i)]).await.unwrap() }
            });
            black_box(join_all(calls).await);
        }
    })
    .await;
    let batch = batch_selects(bench, &client).await;
    let base = rate_row(
        "quarry, sequential (for the ×8 target)",
        SELECTS as u64,
        sequential,
        None,
    );
    rate_row(
        "tokio-postgres, hand-written, 1 000 futures in flight",
        SELECTS as u64,
        hand,
        Some(base),
    );
    rate_row(
        "quarry `:batchone` (pipelined, 1 024 per chunk)",
        SELECTS as u64,
        batch,
        Some(base),
    );
    pgbench_row(bench, SELECTS as f64 / sequential.as_secs_f64());
}

/// The pgbench pipeline row of a selects table, against `base` (selects/s), when pgbench is here.
pub fn pgbench_row(bench: &Bench, base: f64) {
    if let Some(rate) = pg_binary("pgbench").and_then(|pgbench| pgbench_pipeline(bench, &pgbench)) {
        println!(
            "| pgbench, `\\startpipeline` of 100 prepared selects (floor) | {:.1} k/s | {:.2}× |",
            rate / 1e3,
            rate / base
        );
    }
}

/// pgbench's pipeline mode against the same server: 100 prepared selects per pipeline.
pub fn pgbench_pipeline(bench: &Bench, pgbench: &std::path::Path) -> Option<f64> {
    let dir = tempfile_dir();
    let script = dir.join("pipeline.sql");
    let mut text = String::from("\\set aid random(1, 100000)\n\\startpipeline\n");
    for _ in 0..100 {
        text.push_str("SELECT id, name, email, age, created_at FROM people WHERE id = :aid;\n");
    }
    text.push_str("\\endpipeline\n");
    std::fs::write(&script, text).ok()?;
    let output = std::process::Command::new(pgbench)
        .args(["-n", "-M", "prepared", "-c", "1", "-j", "1", "-T", "5", "-f"])
        .arg(&script)
        .args(["-h"])
        .arg(bench.server.socket_dir())
        .args(["-p", &crate::port(&bench.url).to_string(), "-U", "postgres", "postgres"])
        .output()
        .ok()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let tps: f64 = stdout
        .lines()
        .find(|l| l.starts_with("tps = "))?
        .trim_start_matches("tps = ")
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(tps * 100.0)
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("quarry-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
