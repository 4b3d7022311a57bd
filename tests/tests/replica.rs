//! A primary and a streaming-replication standby (`pg_basebackup -R`) on loopback, each a
//! server this test starts: `quarry::ReplicatedPool` sends plain SELECTs to the replica and
//! everything else to the primary; a multi-host connection string with
//! `target_session_attrs=read-write` never writes to the standby, and fails over to it once it
//! is promoted after the primary stops.

use quarry::{ErrorKind, Pool, PoolOptions, ReplicatedPool};
use quarry_codegen::embedded::{EmbeddedServer, ServerOptions};
use quarry_tests::asynchronous::{ops, tasks};
use quarry_tests::db::{free_port, SCHEMA};
use std::time::{Duration, Instant};

struct Pair {
    primary: EmbeddedServer,
    /// Held only to keep the standby running as long as the pair.
    _standby: EmbeddedServer,
    primary_port: u16,
    standby_port: u16,
}

fn tcp(port: u16) -> ServerOptions {
    ServerOptions {
        tcp_port: Some(port),
        ..ServerOptions::default()
    }
}

fn url(port: u16) -> String {
    format!("host=127.0.0.1 port={port} user=postgres dbname=app connect_timeout=5")
}

/// A primary holding the schema of `queries/migrations` in database `app`, and its standby.
fn pair() -> Pair {
    let primary_port = free_port();
    let primary = EmbeddedServer::start_with(&tcp(primary_port)).expect("start the primary");
    let admin = primary.connection_string("postgres");
    let app = primary.connection_string("app");
    std::thread::spawn(move || {
        let mut admin = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        admin.batch_execute("CREATE DATABASE app").unwrap();
        let mut app = postgres::Client::connect(&app, postgres::NoTls).unwrap();
        app.batch_execute(SCHEMA).unwrap();
    })
    .join()
    .unwrap();
    let standby_port = free_port();
    let standby = EmbeddedServer::start_standby(&primary, &tcp(standby_port)).expect("start the standby");
    Pair {
        primary,
        _standby: standby,
        primary_port,
        standby_port,
    }
}

/// Waits until the replica has replayed everything the primary has written so far (the
/// insert position: the embedded servers commit with `synchronous_commit=off`).
async fn caught_up(primary: &quarry::Client, replica: &quarry::Client) {
    let lsn: String = primary
        .query_one("SELECT pg_current_wal_insert_lsn()::text", &[])
        .await
        .unwrap()
        .get(0);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let replayed: bool = replica
            .query_one("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", &[&lsn])
            .await
            .unwrap()
            .get(0);
        if replayed {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the standby did not replay {lsn} within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn is_connection_class(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::Connection | ErrorKind::Pool | ErrorKind::PoolTimeout)
}

#[tokio::test]
async fn reads_go_to_the_replica_and_writes_to_the_primary() {
    let pair = pair();
    let config = PoolOptions {
        max_size: 4,
        ..PoolOptions::default()
    };
    let db = ReplicatedPool::connect(&url(pair.primary_port), &url(pair.standby_port), config)
        .await
        .unwrap();
    let conn = db.get().await.unwrap();

    // Reads: the plain SELECT ran on the standby, the one marked `route: primary` did not.
    let read = ops::in_recovery(&conn).await.unwrap();
    assert_eq!((read.standby, read.port), (true, i32::from(pair.standby_port)));
    let marked = ops::in_recovery_on_primary(&conn).await.unwrap();
    assert_eq!((marked.standby, marked.port), (false, i32::from(pair.primary_port)));

    // Writes reach the primary (the standby refuses them: SQLSTATE 25006).
    let titles: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let ids: Vec<i32> = futures_util::future::try_join_all(titles.iter().map(|t| tasks::add_task(&conn, t, "")))
        .await
        .unwrap();
    let refused = tasks::add_task(conn.replica(), "on the standby", "").await.unwrap_err();
    assert_eq!(refused.code().map(|c| c.code()), Some("25006"), "{refused}");

    // Once replayed, routed reads see them.
    caught_up(conn.primary(), conn.replica()).await;
    assert_eq!(tasks::count_tasks(&conn, None).await.unwrap(), 20);
    assert_eq!(tasks::find_task(&conn, ids[7]).await.unwrap().unwrap().title, "t7");

    // A transaction is on the primary, so it reads its own writes.
    let mut conn = conn;
    let transaction = conn.primary_mut().transaction().await.unwrap();
    tasks::add_task(&transaction, "in a transaction", "").await.unwrap();
    assert_eq!(tasks::count_tasks(&transaction, None).await.unwrap(), 21);
    transaction.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_host_read_write_strings_fail_over_to_a_promoted_standby() {
    let mut pair = pair();
    // The standby is listed first: read-write skips it while it is read-only.
    let failover = format!(
        "host=127.0.0.1,127.0.0.1 port={},{} user=postgres dbname=app connect_timeout=5 target_session_attrs=read-write",
        pair.standby_port, pair.primary_port
    );
    let pool = Pool::connect(
        &failover,
        PoolOptions {
            max_size: 4,
            wait_timeout: Some(Duration::from_secs(5)),
            ..PoolOptions::default()
        },
    )
    .await
    .unwrap();
    let mut acknowledged = Vec::new();
    for i in 0..50 {
        let conn = pool.get().await.unwrap();
        acknowledged.push(tasks::add_task(&*conn, &format!("before {i}"), "").await.unwrap());
    }
    let on = ops::in_recovery(&*pool.get().await.unwrap()).await.unwrap();
    assert_eq!((on.standby, on.port), (false, i32::from(pair.primary_port)));

    // The primary stops (fast shutdown: its WAL is sent to the standby first).
    pair.primary.stop_fast();
    let while_down = async {
        let conn = pool.get().await?;
        tasks::add_task(&*conn, "while down", "").await
    }
    .await
    .unwrap_err();
    assert!(
        is_connection_class(while_down.kind()),
        "no read-write server: a connection error, never a write to the standby: {while_down} ({:?})",
        while_down.kind()
    );

    // Promote the standby; the same connection string now finds it read-write.
    let standby = quarry::Client::connect(&url(pair.standby_port)).await.unwrap();
    let promoted: bool = standby.query_one("SELECT pg_promote()", &[]).await.unwrap().get(0);
    assert!(promoted);
    let deadline = Instant::now() + Duration::from_secs(30);
    let id = loop {
        let attempt = async {
            let conn = pool.get().await?;
            tasks::add_task(&*conn, "after failover", "").await
        }
        .await;
        match attempt {
            Ok(id) => break id,
            Err(e) if is_connection_class(e.kind()) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("after promotion: {e} ({:?})", e.kind()),
        }
    };
    let conn = pool.get().await.unwrap();
    let on = ops::in_recovery(&*conn).await.unwrap();
    assert_eq!((on.standby, on.port), (false, i32::from(pair.standby_port)));
    // Every write acknowledged before the failover is on the new primary.
    for &before in &acknowledged {
        assert!(
            tasks::find_task(&*conn, before).await.unwrap().is_some(),
            "task {before} lost"
        );
    }
    assert_eq!(tasks::count_tasks(&*conn, None).await.unwrap(), 51);
    assert!(id > *acknowledged.last().unwrap());
}
