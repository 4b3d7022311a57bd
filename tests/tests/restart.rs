//! The server stopped (fast shutdown) and started again under load, with a COPY and
//! transactions in flight: only typed connection-class errors, no acknowledged write lost,
//! transactions all-or-nothing, COPY all-or-nothing, and the pool back to full health.
//!
//! This test owns its server (the shared per-binary one must not go down under other tests).

use quarry::{ErrorKind, Pool, PoolOptions};
use quarry_codegen::embedded::EmbeddedServer;
use quarry_tests::asynchronous::all_types::{self, CopyScalarsParams};
use quarry_tests::asynchronous::tasks;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const WRITERS: usize = 12;
const POOL: usize = 8;
const BATCH: usize = 50;

/// Errors a restart may cause: the connection went away, the server was shutting down
/// (SQLSTATE class 57: admin_shutdown, cannot_connect_now), or no connection could be made.
fn expected_during_restart(e: &quarry::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Connection | ErrorKind::Pool | ErrorKind::PoolTimeout
    ) || e.code().is_some_and(|c| c.code().starts_with("57"))
}

fn copy_row(i: i64) -> CopyScalarsParams<'static> {
    CopyScalarsParams {
        b: None,
        i2: None,
        i4: None,
        i8: Some(i),
        f4: None,
        f8: None,
        num: None,
        cash: None,
        t: Some("copied"),
        vc: None,
        by: None,
        u: None,
        jb: None,
        ts: None,
        tstz: None,
        d: None,
        tm: None,
        iv: None,
        ip: None,
        mac: None,
        bits: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_under_load_loses_nothing_acknowledged() {
    let mut server = EmbeddedServer::start().unwrap();
    let url = server.connection_string("postgres");
    {
        let admin = quarry::Client::connect(&url).await.unwrap();
        admin.batch_execute(quarry_tests::db::SCHEMA).await.unwrap();
    }
    let pool = Pool::connect(
        &url,
        PoolOptions {
            max_size: POOL,
            wait_timeout: Some(Duration::from_secs(20)),
            ..PoolOptions::default()
        },
    )
    .await
    .unwrap();
    let stop = Arc::new(AtomicBool::new(false));

    // Writers: single inserts, and transactions of BATCH inserts tagged with one marker.
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (pool, stop) = (pool.clone(), stop.clone());
            tokio::spawn(async move {
                let (mut acked, mut committed, mut failures) = (Vec::new(), Vec::new(), 0);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let marker = format!("tx{w}-{n}");
                    let result = async {
                        let mut conn = pool.get().await?;
                        if n % 4 == 0 {
                            let tx = conn.transaction().await?;
                            for _ in 0..BATCH {
                                tasks::add_task(&tx, &marker, "").await?;
                            }
                            tx.commit().await?;
                            Ok(None)
                        } else {
                            tasks::add_task(&*conn, &marker, "").await.map(Some)
                        }
                    }
                    .await;
                    match result {
                        Ok(Some(id)) => acked.push((id, marker)),
                        Ok(None) => committed.push(marker),
                        Err(e) if expected_during_restart(&e) => failures += 1,
                        Err(e) => panic!("writer {w}: unexpected error {e} ({:?})", e.kind()),
                    }
                }
                (acked, committed, failures)
            })
        })
        .collect();

    // A COPY of 200 000 rows, started just before the stop.
    let copier = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let conn = pool.get().await?;
            all_types::copy_scalars(&*conn, (0..200_000).map(copy_row)).await
        })
    };

    tokio::time::sleep(Duration::from_millis(300)).await;
    server.stop_fast();
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.start_again().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);

    let (mut acked, mut committed, mut failures) = (Vec::new(), Vec::new(), 0);
    for writer in writers {
        let (mut a, mut c, f) = writer.await.expect("no writer panicked");
        acked.append(&mut a);
        committed.append(&mut c);
        failures += f;
    }
    let copied = copier.await.expect("the copier did not panic");

    let admin = quarry::Client::connect(&url).await.unwrap();
    let rows = admin.query("SELECT id, title FROM tasks", &[]).await.unwrap();
    let stored: BTreeSet<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    for write in &acked {
        assert!(stored.contains(write), "acknowledged write {write:?} is missing");
    }
    // Transactions: every marker has 0 or BATCH rows; committed ones have BATCH.
    let per_marker = admin
        .query(
            "SELECT title, count(*) FROM tasks WHERE title LIKE 'tx%' GROUP BY title",
            &[],
        )
        .await
        .unwrap();
    for row in &per_marker {
        let (marker, n): (String, i64) = (row.get(0), row.get(1));
        let single = acked.iter().any(|(_, m)| *m == marker);
        assert!(single || n == BATCH as i64, "transaction {marker} is partial: {n} rows");
    }
    for marker in &committed {
        assert!(
            per_marker.iter().any(|r| r.get::<_, String>(0) == *marker),
            "committed transaction {marker} is missing"
        );
    }
    // COPY: all rows or none.
    let copied_rows: i64 = admin
        .query_one("SELECT count(*) FROM scalars WHERE t = 'copied'", &[])
        .await
        .unwrap()
        .get(0);
    match &copied {
        Ok(n) => assert_eq!(copied_rows, *n as i64),
        Err(e) => {
            assert!(expected_during_restart(e), "COPY failed with {e}");
            assert_eq!(copied_rows, 0, "a failed COPY leaves no rows");
        }
    }
    eprintln!(
        "restart: {} single writes and {} transactions acknowledged, {failures} calls failed as expected, COPY {}",
        acked.len(),
        committed.len(),
        match &copied {
            Ok(n) => format!("completed ({n} rows)"),
            Err(e) => format!("failed ({e}), 0 rows left"),
        }
    );
    assert!(failures > 0 || copied.is_err(), "the restart was felt");

    // The pool recovers: every connection usable at once.
    let conns = futures_util::future::join_all((0..POOL).map(|_| pool.get())).await;
    for conn in &conns {
        tasks::count_tasks(&**conn.as_ref().expect("a healthy connection"), None)
            .await
            .unwrap();
    }
    assert!(pool.stats().size <= POOL);
}
