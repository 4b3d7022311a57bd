//! A flaky network between quarry and a real server: a TCP proxy under the test's control
//! (`quarry_tests::proxy`) adds latency, stalls connections mid-call, resets them and leaves
//! them half-open. Nothing may hang (every wait below is bounded by a deadline that fails the
//! test), timeouts fire, the cancel request reaches the server, the pool throws broken
//! connections away and recovers, the `Listener` reconnects, and no acknowledged write is
//! lost.

use futures_util::StreamExt;
use quarry::{ClientOptions, ErrorKind, ListenEvent, Pool, PoolOptions};
use quarry_tests::asynchronous::{ops, tasks};
use quarry_tests::db::{dbname, fresh_database, tcp_address};
use quarry_tests::proxy::Proxy;
use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

/// Fails the test instead of hanging it.
async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), future)
        .await
        .unwrap_or_else(|_| panic!("{what} hung for 30 s"))
}

/// A fresh database and a proxy in front of the server.
fn setup() -> (String, Proxy) {
    let direct = fresh_database();
    let proxy = Proxy::start(tcp_address());
    (direct, proxy)
}

fn pool_config(max_size: usize) -> PoolOptions {
    PoolOptions {
        max_size,
        wait_timeout: Some(Duration::from_secs(5)),
        connect_timeout: Some(Duration::from_secs(2)),
        check_timeout: Duration::from_millis(500),
        ..PoolOptions::default()
    }
}

/// Whether any backend runs `pg_sleep`, asked on a direct connection.
async fn sleeping(direct: &quarry::Client) -> bool {
    quarry_tests::db::running_sleeps(direct).await > 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_slows_every_call_and_loses_nothing() {
    let (direct, proxy) = setup();
    proxy.set_latency(Duration::from_millis(20));
    let pool = Pool::connect(&proxy.url(dbname(&direct)), pool_config(4))
        .await
        .unwrap();
    let writers = (0..16).map(|i| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let conn = pool.get().await?;
            tasks::add_task(&*conn, &format!("slow {i}"), "").await
        })
    });
    for writer in futures_util::future::join_all(writers).await {
        writer.unwrap().unwrap();
    }
    let conn = pool.get().await.unwrap();
    let items: Vec<(String, String)> = (0..50).map(|i| (format!("batch {i}"), String::new())).collect();
    let ids = bounded(
        "a batch under latency",
        tasks::add_tasks(
            &*conn,
            items
                .iter()
                .map(|(title, description)| tasks::AddTasksParams { title, description }),
        ),
    )
    .await
    .unwrap();
    assert_eq!(ids.len(), 50);
    let observer = quarry::Client::connect(&direct).await.unwrap();
    assert_eq!(tasks::count_tasks(&observer, None).await.unwrap(), 66);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_connection_times_out_cancels_on_the_server_and_is_replaced() {
    let (direct, proxy) = setup();
    let observer = quarry::Client::connect(&direct).await.unwrap();
    let pool = Pool::connect(&proxy.url(dbname(&direct)), pool_config(2))
        .await
        .unwrap();
    let conn = pool.get().await.unwrap();
    tasks::count_tasks(&*conn, None).await.unwrap();

    // The query reaches the server, then the network stalls with its answer in flight.
    let call = quarry::with_timeout(&*conn, Duration::from_secs(1), ops::sleep(&*conn, 30.0));
    let stall = async {
        while !sleeping(&observer).await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        proxy.stall();
    };
    let (result, ()) = bounded("a call on a stalled connection", async { tokio::join!(call, stall) }).await;
    assert_eq!(result.unwrap_err().kind(), ErrorKind::StatementTimeout);
    // The cancel request went over a new connection, which the stall does not hold.
    bounded("the cancel reaching the server", async {
        while sleeping(&observer).await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;

    // Back in the pool, the stalled connection fails its checkout check within
    // check_timeout and is replaced by a new one.
    drop(conn);
    let before = pool.stats().connections_lost;
    let conn = bounded("a checkout past a stalled connection", pool.get())
        .await
        .unwrap();
    assert_eq!(pool.stats().connections_lost, before + 1);
    tasks::add_task(&*conn, "after the stall", "").await.unwrap();
    assert_eq!(tasks::count_tasks(&observer, None).await.unwrap(), 1);
    proxy.resume();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resets_under_load_lose_no_acknowledged_write_and_the_pool_recovers() {
    let (direct, proxy) = setup();
    let pool = Pool::connect(&proxy.url(dbname(&direct)), pool_config(4))
        .await
        .unwrap();
    // Resets are paced by the writers' progress, not by the clock, so each one lands while
    // writes go on (on a fast machine the writers would otherwise finish first).
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writers = (0..8).map(|w| {
        let pool = pool.clone();
        let progress = progress.clone();
        tokio::spawn(async move {
            let (mut acknowledged, mut failures) = (Vec::new(), Vec::new());
            for i in 0..40 {
                let title = format!("w{w} #{i}");
                let result = async {
                    let conn = pool.get().await?;
                    tasks::add_task(&*conn, &title, "").await
                };
                match result.await {
                    Ok(_) => acknowledged.push(title),
                    Err(e) => failures.push(e.kind()),
                }
                progress.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            (acknowledged, failures)
        })
    });
    let load = futures_util::future::join_all(writers);
    let resets = async {
        for round in 1..=3 {
            while progress.load(std::sync::atomic::Ordering::SeqCst) < round * 60 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            proxy.reset();
        }
    };
    let (results, ()) = bounded("writers through resets", async { tokio::join!(load, resets) }).await;
    let mut acknowledged = BTreeSet::new();
    let mut failures = Vec::new();
    for result in results {
        let (ok, failed) = result.unwrap();
        acknowledged.extend(ok);
        failures.extend(failed);
    }
    assert!(
        failures
            .iter()
            .all(|k| matches!(k, ErrorKind::Connection | ErrorKind::Pool | ErrorKind::PoolTimeout)),
        "only connection-class errors: {failures:?}"
    );
    // The resets were felt: calls in flight failed, or idle connections were found broken at
    // checkout and replaced — more connections accepted than the pool holds (which of the two
    // depends on timing; one of them must happen).
    assert!(
        !failures.is_empty() || proxy.accepted() > 4,
        "the resets were felt: {failures:?}, {} connections accepted",
        proxy.accepted()
    );
    println!(
        "3 resets: {} writes acknowledged, {} calls failed ({failures:?}), {} connections accepted",
        acknowledged.len(),
        failures.len(),
        proxy.accepted()
    );
    let observer = quarry::Client::connect(&direct).await.unwrap();
    let stored: BTreeSet<String> = tasks::list_tasks(&observer)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.title)
        .collect();
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged and missing: {lost:?}");
    // Recovered: all four connections usable at once.
    let conns = bounded("four checkouts after the resets", async {
        futures_util::future::try_join_all((0..4).map(|_| pool.get())).await
    })
    .await
    .unwrap();
    for conn in &conns {
        tasks::count_tasks(&**conn, None).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_open_server_fails_connects_at_their_deadline_and_the_pool_recovers() {
    let (direct, proxy) = setup();
    let url = proxy.url(dbname(&direct));
    proxy.set_half_open(true);
    let options = ClientOptions {
        connect_timeout: Some(Duration::from_millis(500)),
        ..ClientOptions::default()
    };
    let error = bounded(
        "a connect to a half-open server",
        quarry::Client::connect_with(&url, options),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection, "{error}");

    let pool = Pool::connect(
        &url,
        PoolOptions {
            connect_timeout: Some(Duration::from_millis(500)),
            ..pool_config(2)
        },
    )
    .await
    .unwrap();
    let error = bounded("a checkout while every connect hangs", pool.get())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Connection | ErrorKind::Pool | ErrorKind::PoolTimeout
        ),
        "{error}"
    );
    proxy.set_half_open(false);
    proxy.reset();
    let conn = bounded("a checkout once the network is back", pool.get())
        .await
        .unwrap();
    tasks::count_tasks(&*conn, None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_reconnects_after_a_reset_and_hears_what_comes_after() {
    let (direct, proxy) = setup();
    let observer = quarry::Client::connect(&direct).await.unwrap();
    let mut listener = quarry::Listener::connect(&proxy.url(dbname(&direct)), &["jobs"])
        .await
        .unwrap();
    quarry::notify(&observer, "jobs", "before").await.unwrap();
    match bounded("the first notification", listener.next()).await {
        Some(ListenEvent::Notification(n)) => assert_eq!(n.payload, "before"),
        other => panic!("{other:?}"),
    }
    proxy.reset();
    match bounded("the reconnection", listener.next()).await {
        Some(ListenEvent::Reconnected { .. }) => {}
        other => panic!("{other:?}"),
    }
    quarry::notify(&observer, "jobs", "after").await.unwrap();
    match bounded("a notification after the reconnection", listener.next()).await {
        Some(ListenEvent::Notification(n)) => assert_eq!(n.payload, "after"),
        other => panic!("{other:?}"),
    }
    assert!(proxy.accepted() >= 2, "the listener came back through the proxy");
}
