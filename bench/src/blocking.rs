//! Figure 8: the blocking flavour's per-call cost — 20 000 sequential selects by primary key
//! through generated blocking code (`quarry::sync`, the async engine under `block_on`)
//! against hand-written code on the `postgres` crate (tokio-postgres under `block_on` too),
//! and a batch of them, pipelined by the blocking flavour, which `postgres` cannot do.

use crate::common::{header, rate_row, Bench};
use crate::select::SELECTS;
use crate::sync_generated::people::{self, GetPeopleParams};
use chrono::{DateTime, Utc};
use std::hint::black_box;
use std::time::{Duration, Instant};

const SQL: &str = "SELECT id, name, email, age, created_at FROM people WHERE id = $1";

type Person = (i64, String, String, i32, DateTime<Utc>);

fn id(i: i64) -> i64 {
    (i * 7919) % crate::PEOPLE + 1
}

/// Median wall time of `runs` runs (after one warm-up run).
fn median(runs: usize, mut run: impl FnMut()) -> Duration {
    run();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// Runs on a thread of its own: blocking clients refuse to run inside the bench's runtime.
pub fn run(bench: &Bench) {
    let url = bench.url.clone();
    let runs = bench.runs;
    std::thread::scope(|scope| {
        scope
            .spawn(|| figures(&url, runs))
            .join()
            .expect("the blocking figure panicked");
    });
}

fn figures(url: &str, runs: usize) {
    header(
        &format!("8. Blocking: {SELECTS} sequential selects by primary key (median of {runs} runs)"),
        "selects/s",
    );
    let mut raw = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let statement = raw.prepare(SQL).unwrap();
    let hand = median(runs, || {
        for i in 0..SELECTS {
            let row = raw.query_one(&statement, &[&id(i)]).unwrap();
            let person: Person = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
            black_box(person);
        }
    });
    let client = quarry::sync::Client::connect(url).unwrap();
    let generated = median(runs, || {
        for i in 0..SELECTS {
            black_box(people::get_person(&client, id(i)).unwrap());
        }
    });
    let batched = median(runs, || {
        let params = (0..SELECTS).map(|i| GetPeopleParams { id: id(i) });
        black_box(people::get_people(&client, params).unwrap());
    });
    let base = rate_row(
        "postgres 0.19 (blocking), hand-written, prepared statement reused",
        SELECTS as u64,
        hand,
        None,
    );
    let per_call = rate_row(
        "quarry blocking `get_person` (cached statement)",
        SELECTS as u64,
        generated,
        Some(base),
    );
    rate_row(
        "quarry blocking `get_people` (`:batchone`, pipelined)",
        SELECTS as u64,
        batched,
        Some(base),
    );
    pooled(url, runs);
    let base_us = 1e6 / base;
    let call_us = 1e6 / per_call;
    println!(
        "\nper call: postgres {base_us:.1} µs, quarry blocking {call_us:.1} µs ({:+.1} µs)",
        call_us - base_us
    );
}

/// Threads sharing a blocking pool: every thread runs its share of the selects on a pooled
/// client, against one `postgres` connection per thread.
fn pooled(url: &str, runs: usize) {
    const THREADS: i64 = 4;
    let share = SELECTS / THREADS;
    let hand = median(runs, || {
        std::thread::scope(|scope| {
            for t in 0..THREADS {
                scope.spawn(move || {
                    let mut raw = postgres::Client::connect(url, postgres::NoTls).unwrap();
                    let statement = raw.prepare(SQL).unwrap();
                    for i in t * share..(t + 1) * share {
                        black_box(raw.query_one(&statement, &[&id(i)]).unwrap());
                    }
                });
            }
        });
    });
    let own = median(runs, || {
        std::thread::scope(|scope| {
            for t in 0..THREADS {
                scope.spawn(move || {
                    let client = quarry::sync::Client::connect(url).unwrap();
                    for i in t * share..(t + 1) * share {
                        black_box(people::get_person(&client, id(i)).unwrap());
                    }
                });
            }
        });
    });
    let settings = quarry::PoolOptions {
        max_size: THREADS as usize,
        min_size: THREADS as usize,
        ..quarry::PoolOptions::default()
    };
    let pool = quarry::sync::Pool::connect(url, settings).unwrap();
    let generated = median(runs, || {
        std::thread::scope(|scope| {
            for t in 0..THREADS {
                let pool = &pool;
                scope.spawn(move || {
                    let client = pool.get().unwrap();
                    for i in t * share..(t + 1) * share {
                        black_box(people::get_person(&client, id(i)).unwrap());
                    }
                });
            }
        });
    });
    let base = rate_row(
        &format!("postgres 0.19, {THREADS} threads, a connection each (connect included)"),
        SELECTS as u64,
        hand,
        None,
    );
    rate_row(
        &format!("quarry blocking, {THREADS} threads, a `sync::Client` each (connect included)"),
        SELECTS as u64,
        own,
        Some(base),
    );
    rate_row(
        &format!("quarry blocking pool, {THREADS} threads, a pooled client each"),
        SELECTS as u64,
        generated,
        Some(base),
    );
}
