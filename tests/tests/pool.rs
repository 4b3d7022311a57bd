//! `quarry::Pool` on a real server: limits and timeouts, the statement cache surviving
//! checkouts, reset of transactions left open, lost connections, idle and lifetime limits,
//! and `stats()`.

use quarry::pool::Recycling;
use quarry::{ErrorKind, Pool, PoolOptions};
use quarry_tests::asynchronous::tasks;
use quarry_tests::db::fresh_database;
use std::time::Duration;

async fn pool(config: PoolOptions) -> (Pool, String) {
    let url = fresh_database();
    (Pool::connect(&url, config).await.unwrap(), url)
}

async fn backend_pid(conn: &quarry::tokio_postgres::Client) -> i32 {
    conn.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn generated_functions_take_pooled_connections_and_the_cache_survives_checkouts() {
    let (pool, _) = pool(PoolOptions {
        max_size: 1,
        ..PoolOptions::default()
    })
    .await;
    let conn = pool.get().await.unwrap();
    let id = tasks::add_task(&conn, "Pooled", "").await.unwrap();
    let pid = backend_pid(&conn).await;
    drop(conn);

    let conn = pool.get().await.unwrap();
    assert_eq!(backend_pid(&conn).await, pid, "the same connection came back");
    assert_eq!(
        conn.statement_cache().len(),
        1,
        "its prepared statement is still cached"
    );
    assert_eq!(tasks::task_title(&conn, id).await.unwrap(), "Pooled");
}

#[tokio::test]
async fn a_full_pool_times_out_with_a_typed_error_and_counts_it() {
    let (pool, _) = pool(PoolOptions {
        max_size: 2,
        wait_timeout: Some(Duration::from_millis(200)),
        ..PoolOptions::default()
    })
    .await;
    let a = pool.get().await.unwrap();
    let b = pool.get().await.unwrap();
    let error = pool.get().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PoolTimeout);
    assert!(
        error
            .to_string()
            .contains("no pooled connection became free within 200ms"),
        "{error}"
    );
    let stats = pool.stats();
    assert_eq!((stats.size, stats.available, stats.max_size), (2, 0, 2));
    assert_eq!((stats.requests, stats.waits, stats.timeouts), (3, 1, 1));
    drop((a, b));
    assert_eq!(pool.stats().available, 2);
    pool.get().await.unwrap();
}

#[tokio::test]
async fn transactions_left_open_are_rolled_back_on_checkout() {
    let (pool, _) = pool(PoolOptions {
        max_size: 1,
        ..PoolOptions::default()
    })
    .await;
    let conn = pool.get().await.unwrap();
    conn.batch_execute("BEGIN; INSERT INTO tasks (title) VALUES ('never committed')")
        .await
        .unwrap();
    drop(conn);
    let conn = pool.get().await.unwrap();
    assert_eq!(tasks::count_tasks(&conn, None).await.unwrap(), 0);
    drop(conn);

    // An aborted transaction too.
    let conn = pool.get().await.unwrap();
    conn.batch_execute("BEGIN").await.unwrap();
    conn.batch_execute("SELECT 1/0").await.unwrap_err();
    drop(conn);
    let conn = pool.get().await.unwrap();
    assert_eq!(tasks::count_tasks(&conn, None).await.unwrap(), 0);
    assert_eq!(pool.stats().rollbacks, 2);
}

#[tokio::test]
async fn a_killed_connection_is_replaced_and_counted() {
    let (pool, url) = pool(PoolOptions {
        max_size: 1,
        ..PoolOptions::default()
    })
    .await;
    let conn = pool.get().await.unwrap();
    let pid = backend_pid(&conn).await;
    drop(conn);
    let admin = quarry::Client::connect(&url).await.unwrap();
    admin.execute("SELECT pg_terminate_backend($1)", &[&pid]).await.unwrap();
    let conn = pool.get().await.unwrap();
    assert_ne!(backend_pid(&conn).await, pid);
    assert_eq!(tasks::count_tasks(&conn, None).await.unwrap(), 0);
    assert_eq!(pool.stats().connections_lost, 1);
}

#[tokio::test]
async fn min_size_idle_time_and_lifetime() {
    let (pool, _) = pool(PoolOptions {
        max_size: 4,
        min_size: 2,
        max_idle_time: Some(Duration::from_millis(300)),
        ..PoolOptions::default()
    })
    .await;
    assert_eq!(pool.stats().size, 2, "min_size connections are opened up front");
    let conns: Vec<_> = take(&pool, 4).await;
    assert_eq!(pool.stats().size, 4);
    drop(conns);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(pool.stats().size, 2, "idle connections close down to min_size");

    let (pool, _) = pool_with_lifetime().await;
    let conn = pool.get().await.unwrap();
    let pid = backend_pid(&conn).await;
    drop(conn);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let conn = pool.get().await.unwrap();
    assert_ne!(
        backend_pid(&conn).await,
        pid,
        "a connection past max_lifetime is replaced"
    );
}

async fn pool_with_lifetime() -> (Pool, String) {
    pool(PoolOptions {
        max_size: 1,
        max_lifetime: Some(Duration::from_millis(300)),
        ..PoolOptions::default()
    })
    .await
}

async fn take(pool: &Pool, n: usize) -> Vec<quarry::PooledClient> {
    let mut conns = Vec::new();
    for _ in 0..n {
        conns.push(pool.get().await.unwrap());
    }
    conns
}

#[tokio::test]
async fn clean_recycling_discards_session_state_but_keeps_the_statements() {
    let (pool, _) = pool(PoolOptions {
        max_size: 1,
        recycling: Recycling::Clean,
        ..PoolOptions::default()
    })
    .await;
    let conn = pool.get().await.unwrap();
    tasks::count_tasks(&conn, None).await.unwrap();
    conn.batch_execute("SET application_name = 'dirty'").await.unwrap();
    drop(conn);
    let conn = pool.get().await.unwrap();
    assert!(
        !conn.statement_cache().is_empty(),
        "quarry's statements are not session state"
    );
    let name: String = conn.query_one("SHOW application_name", &[]).await.unwrap().get(0);
    assert_eq!(name, "");
    assert_eq!(tasks::count_tasks(&conn, None).await.unwrap(), 0);
}
