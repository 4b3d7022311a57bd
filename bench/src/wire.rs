//! Figure 13 (issue 26): quarry's own driver, `quarry::wire::Connection`, whose `:batch*`
//! functions send one Sync per chunk of 1 024 calls — against quarry on tokio-postgres (a Sync
//! per call), hand-written tokio-postgres and pgbench's pipeline mode, in the same run.

use crate::common::{header, median, median_with_setup, rate_row, Bench};
use crate::counting;
use crate::generated::people::{self, GetPeopleParams, InsertPeopleLoggedParams, InsertPeopleParams};
use crate::insert::person;
use crate::select::{batch_selects, id, pgbench_pipeline, SELECTS};
use std::hint::black_box;

const INSERTS: i64 = 20_000;

async fn wire(bench: &Bench) -> quarry::wire::Connection {
    quarry::wire::Connection::connect(&bench.url).await.expect("connect")
}

pub async fn run(bench: &Bench) {
    pipelined_selects(bench).await;
    sequential_selects(bench).await;
    inserts(bench).await;
}

async fn pipelined_selects(bench: &Bench) {
    header(
        &format!(
            "13a. {SELECTS} pipelined selects, `:batchone` (median of {} runs)",
            bench.runs
        ),
        "selects/s",
    );
    let client = bench.quarry().await;
    let conn = wire(bench).await;
    let today = batch_selects(bench, &client).await;
    let own = batch_selects(bench, &conn).await;
    let base = rate_row(
        "quarry::Client `:batchone` (tokio-postgres: a Sync per call)",
        SELECTS as u64,
        today,
        None,
    );
    let rate = rate_row(
        "quarry::wire::Connection `:batchone` (a Sync per 1 024 calls)",
        SELECTS as u64,
        own,
        Some(base),
    );
    if let Some(floor) = crate::common::pg_binary("pgbench").and_then(|p| pgbench_pipeline(bench, &p)) {
        println!(
            "| pgbench, `\\startpipeline` of 100 prepared selects (floor) | {:.1} k/s | {:.2}× |",
            floor / 1e3,
            floor / base
        );
        println!(
            "\nquarry::wire `:batchone` ÷ pgbench pipeline: **{:.2}×**",
            rate / floor
        );
    }
}

async fn sequential_selects(bench: &Bench) {
    header(
        &format!(
            "13b. {SELECTS} sequential selects by primary key, each awaited (median of {} runs)",
            bench.runs
        ),
        "selects/s",
    );
    let hand = crate::select::hand_sequential(bench).await;
    let client = bench.quarry().await;
    let today = median(bench.runs, || async {
        for i in 0..SELECTS {
            black_box(people::get_person(&client, id(i)).await.unwrap());
        }
    })
    .await;
    let conn = wire(bench).await;
    let own = median(bench.runs, || async {
        for i in 0..SELECTS {
            black_box(people::get_person(&conn, id(i)).await.unwrap());
        }
    })
    .await;
    let base = rate_row("tokio-postgres, hand-written, prepared", SELECTS as u64, hand, None);
    rate_row("quarry::Client `get_person`", SELECTS as u64, today, Some(base));
    rate_row("quarry::wire::Connection `get_person`", SELECTS as u64, own, Some(base));
}

/// Single-row inserts on the bench's server (fsync off, so a commit costs CPU only) and on a
/// durable one (fsync and synchronous_commit on: a commit waits for its WAL flush).
async fn inserts(bench: &Bench) {
    insert_rows(bench, "the bench server (fsync=off: a commit costs CPU only)", INSERTS).await;
    let durable = quarry_codegen::embedded::EmbeddedServer::start_with(&quarry_codegen::embedded::ServerOptions {
        tcp_port: None,
        settings: vec![
            ("fsync".into(), "on".into()),
            ("synchronous_commit".into(), "on".into()),
            ("full_page_writes".into(), "on".into()),
        ],
        files: Vec::new(),
    })
    .expect("start a durable server");
    let url = durable.connection_string("postgres");
    let durable = Bench {
        server: durable,
        url,
        runs: bench.runs,
    };
    durable
        .raw()
        .await
        .batch_execute(include_str!("../queries/schema.sql"))
        .await
        .unwrap();
    if std::env::var_os("QUARRY_BENCH_PIN").is_some() {
        crate::pin_to_cpu0(&durable).await;
    }
    // Fewer rows: each sequential commit waits for the disk.
    insert_rows(
        &durable,
        "a durable server (fsync=on, synchronous_commit=on: a commit waits for the disk)",
        INSERTS / 10,
    )
    .await;
}

async fn insert_rows(bench: &Bench, server: &str, count: i64) {
    header(
        &format!(
            "13c. {count} single-row inserts into a logged table, {server} (median of {} runs)",
            bench.runs
        ),
        "rows/s",
    );
    let raw = bench.raw().await;
    let truncate = || async { raw.batch_execute("TRUNCATE people_logged").await.unwrap() };
    let rows: Vec<_> = (0..count).map(person).collect();
    let client = bench.quarry().await;
    let conn = wire(bench).await;
    let sequential = median_with_setup(bench.runs, truncate, || async {
        for p in &rows {
            people::insert_person_logged(&conn, p.id, &p.name, &p.email, p.age, p.created_at)
                .await
                .unwrap();
        }
    })
    .await;
    let items = || {
        rows.iter().map(|p| InsertPeopleLoggedParams {
            id: p.id,
            name: &p.name,
            email: &p.email,
            age: p.age,
            created_at: p.created_at,
        })
    };
    let today = median_with_setup(bench.runs, truncate, || async {
        people::insert_people_logged(&client, items()).await.unwrap();
    })
    .await;
    let own = median_with_setup(bench.runs, truncate, || async {
        people::insert_people_logged(&conn, items()).await.unwrap();
    })
    .await;
    let base = rate_row(
        "quarry::wire::Connection `insert_person`, sequential (a commit each)",
        count as u64,
        sequential,
        None,
    );
    rate_row(
        "quarry::Client `:batchexec` (a Sync, so a commit, per call)",
        count as u64,
        today,
        Some(base),
    );
    rate_row(
        "quarry::wire::Connection `:batchexec` (a Sync, so a commit, per 1 024 calls)",
        count as u64,
        own,
        Some(base),
    );
    let stored: i64 = raw
        .query_one("SELECT count(*) FROM people_logged", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, count);
}

/// A batch of 1 000 000 inserts on one connection: the peak heap stays that of the chunks in
/// flight, plus the returned `Vec<u64>` (8 bytes per call).
pub async fn memory(bench: &Bench) {
    println!("\n### 13d. Memory of `:batchexec` pipelines up to 1 000 000 calls (one run each)\n");
    println!("| variant | peak heap | rate |");
    println!("|---|---:|---:|");
    let raw = bench.raw().await;
    let conn = wire(bench).await;
    for calls in [10_000i64, 100_000, 1_000_000] {
        raw.batch_execute("TRUNCATE people_load").await.unwrap();
        let created_at = person(0).created_at;
        let items = (0..calls).map(|i| InsertPeopleParams {
            id: i,
            name: "name",
            email: "e@example.org",
            age: 30,
            created_at,
        });
        counting::reset_peak();
        let started = std::time::Instant::now();
        let affected = people::insert_people(&conn, items).await.unwrap();
        let elapsed = started.elapsed();
        let peak = counting::peak_mib();
        let output = (affected.len() * 8) as f64 / (1024.0 * 1024.0);
        assert_eq!(affected.len(), calls as usize);
        println!(
            "| quarry::wire `:batchexec`, {calls} calls | {peak:.1} MiB ({:.1} MiB besides the returned Vec) | {:.0} k rows/s |",
            peak - output,
            calls as f64 / elapsed.as_secs_f64() / 1e3
        );
    }
    let count: i64 = raw
        .query_one("SELECT count(*) FROM people_load", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1_000_000);
}

/// `wire-profile`: pipelined selects, then sequential selects, on one wire connection, 10 s
/// each, for a profiler; prints the rates.
pub async fn profile(bench: &Bench) {
    let conn = wire(bench).await;
    let started = std::time::Instant::now();
    let mut calls = 0u64;
    while started.elapsed() < std::time::Duration::from_secs(10) {
        let rows = people::get_people(&conn, (0..SELECTS).map(|i| GetPeopleParams { id: id(i) }))
            .await
            .unwrap();
        calls += rows.len() as u64;
    }
    println!(
        "pipelined: {:.1} k/s",
        calls as f64 / started.elapsed().as_secs_f64() / 1e3
    );
    let started = std::time::Instant::now();
    let mut calls = 0u64;
    while started.elapsed() < std::time::Duration::from_secs(10) {
        for i in 0..1000 {
            black_box(people::get_person(&conn, id(i)).await.unwrap());
        }
        calls += 1000;
    }
    println!(
        "sequential: {:.1} k/s",
        calls as f64 / started.elapsed().as_secs_f64() / 1e3
    );
}
