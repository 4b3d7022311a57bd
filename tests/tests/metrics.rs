//! The operator's metrics (feature `metrics`), read back through `metrics-util`'s debugging
//! recorder after real calls on a real server: the per-query latency histogram with its
//! outcome, the pool's counters and gauges, timeouts, and a re-prepare after `ALTER TABLE`.

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use metrics_util::{CompositeKey, MetricKind};
use quarry::{Pool, PoolOptions};
use quarry_tests::asynchronous::tasks;
use quarry_tests::db::fresh_database;
use std::time::Duration;

/// One metric: `(kind, name, sorted labels, value)`.
type Metric = (MetricKind, String, Vec<(String, String)>, DebugValue);

/// Every metric now.
fn read(snapshotter: &Snapshotter) -> Vec<Metric> {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value): (CompositeKey, _, _, _)| {
            let (kind, key) = key.into_parts();
            let mut labels: Vec<(String, String)> = key
                .labels()
                .map(|l| (l.key().to_string(), l.value().to_string()))
                .collect();
            labels.sort();
            (kind, key.name().to_string(), labels, value)
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut labels: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    labels.sort();
    labels
}

fn find<'a>(metrics: &'a [Metric], name: &str, with: &[(&str, &str)]) -> Option<&'a DebugValue> {
    let wanted = labels(with);
    metrics.iter().find(|m| m.1 == name && m.2 == wanted).map(|m| &m.3)
}

fn counter(metrics: &[Metric], name: &str, pool: &str) -> u64 {
    match find(metrics, name, &[("pool", pool)]) {
        Some(DebugValue::Counter(n)) => *n,
        None => 0,
        other => panic!("{name} is {other:?}"),
    }
}

fn gauge(metrics: &[Metric], name: &str, pool: &str) -> f64 {
    match find(metrics, name, &[("pool", pool)]) {
        Some(DebugValue::Gauge(g)) => g.into_inner(),
        other => panic!("{name} is {other:?}"),
    }
}

fn samples(metrics: &[Metric], query: &str, outcome: &str) -> usize {
    let with = [("query", query), ("file", "../queries/tasks.sql"), ("outcome", outcome)];
    match find(metrics, "quarry_query_duration_seconds", &with) {
        Some(DebugValue::Histogram(values)) => {
            assert!(values.iter().all(|v| v.into_inner() > 0.0), "{values:?}");
            values.len()
        }
        None => 0,
        other => panic!("the histogram is {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_and_pools_are_measured_under_their_names() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().expect("the only recorder in this test binary");

    let url = fresh_database();
    let config = PoolOptions {
        name: "orders".into(),
        max_size: 2,
        wait_timeout: Some(Duration::from_millis(200)),
        ..PoolOptions::default()
    };
    let pool = Pool::connect(&url, config).await.unwrap();
    for i in 0..5 {
        let conn = pool.get().await.unwrap();
        tasks::add_task(&*conn, &format!("t{i}"), "").await.unwrap();
    }
    let conn = pool.get().await.unwrap();
    tasks::task_title(&*conn, -1).await.unwrap_err();
    drop(conn);

    let metrics = read(&snapshotter);
    assert_eq!(samples(&metrics, "add_task", "ok"), 5);
    assert_eq!(samples(&metrics, "task_title", "error"), 1);
    assert_eq!(counter(&metrics, "quarry_pool_checkouts_total", "orders"), 6);
    // Every checkout found a connection or room for one: nobody waited.
    assert_eq!(counter(&metrics, "quarry_pool_waits_total", "orders"), 0);
    assert_eq!(gauge(&metrics, "quarry_pool_connections", "orders"), 1.0);
    assert_eq!(gauge(&metrics, "quarry_pool_idle", "orders"), 1.0);
    assert_eq!(gauge(&metrics, "quarry_pool_max_size", "orders"), 2.0);

    // Both connections held: the third checkout waits, then times out.
    let (a, b) = (pool.get().await.unwrap(), pool.get().await.unwrap());
    let metrics = read(&snapshotter);
    assert_eq!(gauge(&metrics, "quarry_pool_connections", "orders"), 2.0);
    assert_eq!(gauge(&metrics, "quarry_pool_idle", "orders"), 0.0);
    pool.get().await.unwrap_err();
    let metrics = read(&snapshotter);
    assert_eq!(counter(&metrics, "quarry_pool_waits_total", "orders"), 1);
    assert_eq!(counter(&metrics, "quarry_pool_timeouts_total", "orders"), 1);

    // A connection whose backend is killed is counted as lost when next checked out.
    let pid: i32 = a.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
    b.execute("SELECT pg_terminate_backend($1)", &[&pid]).await.unwrap();
    drop(a);
    drop(b);
    // Statement caches are per connection: warm the survivor's, then change the table.
    let conn = pool.get().await.unwrap();
    tasks::list_tasks(&*conn).await.unwrap();
    conn.batch_execute("ALTER TABLE tasks ALTER COLUMN title TYPE text")
        .await
        .unwrap();
    tasks::list_tasks(&*conn).await.unwrap();
    drop(conn);
    let metrics = read(&snapshotter);
    assert!(counter(&metrics, "quarry_pool_connections_lost_total", "orders") >= 1);
    match find(
        &metrics,
        "quarry_statements_reprepared_total",
        &[("query", "list_tasks")],
    ) {
        Some(DebugValue::Counter(1)) => {}
        other => panic!("re-prepares of list_tasks: {other:?}"),
    }
}
