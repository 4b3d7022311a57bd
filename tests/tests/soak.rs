//! Soak: 64 tasks share a 16-connection pool for a fixed time with a mix of reads, writes,
//! transactions (committed and rolled back) and pipelines. Zero unexpected errors, row counts
//! exactly as acknowledged, and throughput with p50/p99 latency printed.
//!
//! `QUARRY_SOAK_SECS` sets the duration (CI: the default 20 s; longer by hand, e.g.
//! `QUARRY_SOAK_SECS=600 cargo test -p quarry-tests --test soak -- --nocapture`).

use quarry::{Pool, PoolOptions};
use quarry_tests::asynchronous::tasks;
use quarry_tests::db::fresh_database;
use std::time::{Duration, Instant};

const TASKS: usize = 64;
const POOL: usize = 16;

/// What one task did: tasks rows it knows were committed, and each operation's latency.
#[derive(Default)]
struct Tally {
    committed_rows: i64,
    operations: [u64; 4],
    latencies: Vec<Duration>,
}

/// One operation of the mix, chosen by `n`; returns the rows it committed.
async fn operation(pool: &Pool, worker: usize, n: u64) -> Result<(usize, i64), quarry::Error> {
    let mut conn = pool.get().await?;
    match n % 10 {
        // 50 %: reads.
        0..=4 => {
            tasks::count_tasks(&*conn, None).await?;
            tasks::find_task(&*conn, (n % 1000) as i32).await?;
            Ok((0, 0))
        }
        // 25 %: single-row writes.
        5..=7 => {
            let id = tasks::add_task(&*conn, &format!("w{worker}-{n}"), "soak").await?;
            assert_eq!(tasks::task_title(&*conn, id).await?, format!("w{worker}-{n}"));
            Ok((1, 1))
        }
        // 10 %: a transaction of two inserts, committed or (every other time) rolled back.
        8 => {
            let tx = conn.transaction().await?;
            tasks::add_task(&tx, &format!("t{worker}-{n}-a"), "").await?;
            tasks::add_task(&tx, &format!("t{worker}-{n}-b"), "").await?;
            if n % 20 == 8 {
                tx.commit().await?;
                Ok((2, 2))
            } else {
                tx.rollback().await?;
                Ok((2, 0))
            }
        }
        // 10 %: three calls pipelined in one round trip.
        _ => {
            let title = format!("p{worker}-{n}");
            let (count, added, listed) = quarry::pipeline!(
                tasks::count_tasks(&*conn, None),
                tasks::add_task(&*conn, &title, ""),
                tasks::find_task(&*conn, (n % 1000) as i32),
            );
            count?;
            added?;
            listed?;
            Ok((3, 1))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_tasks_through_the_pool_without_one_unexpected_error() {
    let seconds: u64 = std::env::var("QUARRY_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let url = fresh_database();
    let pool = Pool::connect(
        &url,
        PoolOptions {
            max_size: POOL,
            ..PoolOptions::default()
        },
    )
    .await
    .unwrap();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..TASKS)
        .map(|worker| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut tally = Tally::default();
                let mut n = worker as u64;
                while Instant::now() < deadline {
                    let began = Instant::now();
                    let (kind, rows) = operation(&pool, worker, n)
                        .await
                        .unwrap_or_else(|e| panic!("worker {worker}, operation {n}: {e}"));
                    tally.latencies.push(began.elapsed());
                    tally.operations[kind] += 1;
                    tally.committed_rows += rows;
                    n += 1;
                }
                tally
            })
        })
        .collect();
    let mut total = Tally::default();
    for worker in workers {
        let tally = worker.await.expect("no worker panicked");
        total.committed_rows += tally.committed_rows;
        for (sum, n) in total.operations.iter_mut().zip(tally.operations) {
            *sum += n;
        }
        total.latencies.extend(tally.latencies);
    }
    let elapsed = started.elapsed();

    let conn = pool.get().await.unwrap();
    assert_eq!(
        tasks::count_tasks(&*conn, None).await.unwrap(),
        total.committed_rows,
        "every acknowledged row, and nothing rolled back"
    );
    total.latencies.sort();
    let at = |q: f64| total.latencies[((total.latencies.len() - 1) as f64 * q) as usize];
    let ops = total.latencies.len();
    eprintln!(
        "soak: {seconds} s, {TASKS} tasks, pool {POOL}: {ops} operations ({:.0}/s; reads {}, writes {}, transactions {}, pipelines {}), \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} rows committed; pool {:?}",
        ops as f64 / elapsed.as_secs_f64(),
        total.operations[0],
        total.operations[1],
        total.operations[2],
        total.operations[3],
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        total.latencies[ops - 1].as_secs_f64() * 1e3,
        total.committed_rows,
        pool.stats(),
    );
    assert!(total.operations.iter().all(|&n| n > 0), "every kind of operation ran");
}
