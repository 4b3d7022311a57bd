//! Faults under load: every pooled backend killed while 16 tasks write through the pool. No
//! panic, every error the tasks see is the typed connection error, no acknowledged write is
//! lost, and afterwards the pool is back to full health with no connection leaked.

use quarry::{ErrorKind, Pool, PoolOptions};
use quarry_tests::asynchronous::tasks;
use quarry_tests::db::fresh_database;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const TASKS: usize = 16;
const POOL: usize = 8;

/// Backends connected to the test database, other than the asking one.
async fn backends(admin: &quarry::Client) -> i64 {
    admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_every_pooled_backend_under_load_loses_no_acknowledged_write() {
    let url = fresh_database();
    let pool = Pool::connect(
        &url,
        PoolOptions {
            max_size: POOL,
            wait_timeout: Some(Duration::from_secs(10)),
            ..PoolOptions::default()
        },
    )
    .await
    .unwrap();
    let admin = quarry::Client::connect(&url).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));

    let workers: Vec<_> = (0..TASKS)
        .map(|worker| {
            let (pool, stop) = (pool.clone(), stop.clone());
            tokio::spawn(async move {
                let (mut acked, mut lost_connection) = (Vec::new(), 0);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) || n < 20 {
                    n += 1;
                    let title = format!("w{worker}-{n}");
                    let result = async {
                        let conn = pool.get().await?;
                        tasks::add_task(&conn, &title, "").await
                    }
                    .await;
                    match result {
                        Ok(id) => acked.push((id, title)),
                        Err(e) if e.kind() == ErrorKind::Connection => lost_connection += 1,
                        Err(e) => panic!("worker {worker}: unexpected error {e} ({:?})", e.kind()),
                    }
                }
                (acked, lost_connection)
            })
        })
        .collect();

    // Three waves: kill every backend of the pool while the workers run.
    let mut killed = 0i64;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        killed += admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0);
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    stop.store(true, Ordering::Relaxed);

    let mut acked = Vec::new();
    let mut lost = 0;
    for worker in workers {
        let (mut a, l) = worker.await.expect("no worker panicked");
        acked.append(&mut a);
        lost += l;
    }
    assert!(killed > 0, "the waves killed backends");
    eprintln!(
        "killed {killed} backends; {} writes acknowledged, {lost} calls failed with a connection error",
        acked.len()
    );

    // Every acknowledged write is in the table, exactly as written.
    let rows = admin.query("SELECT id, title FROM tasks", &[]).await.unwrap();
    let stored: BTreeSet<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    for write in &acked {
        assert!(stored.contains(write), "acknowledged write {write:?} is missing");
    }

    // Back to full health: all POOL connections usable at once, none leaked.
    let conns: Vec<_> = futures_util::future::join_all((0..POOL).map(|_| pool.get())).await;
    for conn in &conns {
        let conn = conn.as_ref().expect("a healthy connection");
        tasks::count_tasks(conn, None).await.unwrap();
    }
    let stats = pool.stats();
    assert!(stats.size <= POOL, "{stats:?}");
    assert!(stats.connections_lost > 0, "{stats:?}");
    assert!(backends(&admin).await <= POOL as i64);
    drop(conns);
    drop(pool);
    // Dropping the pool closes its connections.
    for _ in 0..50 {
        if backends(&admin).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("connections left behind after the pool was dropped");
}
