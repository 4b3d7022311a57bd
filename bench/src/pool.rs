//! Figure 6: 32 tasks sharing 8 pooled connections, 100 000 selects in all, one checkout per
//! select (a request handler's pattern): quarry's pool vs plain deadpool-postgres.

use crate::common::{header, Bench};
use crate::people;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TASKS: usize = 32;
const CONNECTIONS: usize = 8;
const SELECTS: usize = 100_000;
const SQL: &str = "SELECT id, name, email, age, created_at FROM people WHERE id = $1";

/// Throughput and p99 latency of one run.
struct Outcome {
    per_second: f64,
    p99: Duration,
}

async fn drive<F, Fut>(call: F) -> Outcome
where
    F: Fn(i64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let call = Arc::new(call);
    let start = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(SELECTS / TASKS);
                for i in 0..SELECTS / TASKS {
                    let begun = Instant::now();
                    call(((t * 7919 + i * 31) as i64 % crate::PEOPLE) + 1).await;
                    latencies.push(begun.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(SELECTS);
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = start.elapsed();
    latencies.sort();
    Outcome {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p99: latencies[latencies.len() * 99 / 100],
    }
}

pub async fn run(bench: &Bench) {
    header(
        &format!("6. Pool: {TASKS} tasks, {CONNECTIONS} connections, {SELECTS} selects (one checkout each)"),
        "selects/s (p99 latency)",
    );
    let mut rows = Vec::new();

    let mut config = deadpool_postgres::Config::new();
    config.host = Some(bench.server.socket_dir().display().to_string());
    config.port = Some(crate::port(&bench.url));
    config.user = Some("postgres".into());
    config.dbname = Some("postgres".into());
    config.manager = Some(deadpool_postgres::ManagerConfig {
        recycling_method: deadpool_postgres::RecyclingMethod::Fast,
    });
    config.pool = Some(deadpool_postgres::PoolConfig::new(CONNECTIONS));
    let deadpool = config
        .create_pool(Some(deadpool_postgres::Runtime::Tokio1), tokio_postgres::NoTls)
        .unwrap();
    let outcome = drive(move |id| {
        let pool = deadpool.clone();
        async move {
            let client = pool.get().await.unwrap();
            let statement = client.prepare_cached(SQL).await.unwrap();
            std::hint::black_box(client.query_one(&statement, &[&id]).await.unwrap());
        }
    })
    .await;
    rows.push(("deadpool-postgres, `prepare_cached`, Fast recycling", outcome));

    for (name, recycling) in [
        ("quarry `Pool`, Fast recycling", quarry::pool::Recycling::Fast),
        (
            "quarry `Pool`, Verified recycling (health check + reset, one round trip)",
            quarry::pool::Recycling::Verified,
        ),
    ] {
        let pool = quarry::Pool::connect(
            &bench.url,
            quarry::PoolOptions {
                max_size: CONNECTIONS,
                recycling,
                ..quarry::PoolOptions::default()
            },
        )
        .await
        .unwrap();
        let outcome = drive(move |id| {
            let pool = pool.clone();
            async move {
                let conn = pool.get().await.unwrap();
                std::hint::black_box(people::get_person(&conn, id).await.unwrap());
            }
        })
        .await;
        rows.push((name, outcome));
    }
    let base = rows[0].1.per_second;
    for (name, outcome) in rows {
        println!(
            "| {name} | {:.1} k/s ({:.2} ms) | {:.2}× |",
            outcome.per_second / 1e3,
            outcome.p99.as_secs_f64() * 1e3,
            outcome.per_second / base
        );
    }
}
