//! Deadlines, cancellation on drop, `SET LOCAL statement_timeout`, and connection strings.

use quarry::ErrorKind;
use quarry_tests::asynchronous::{ops, tasks};
use quarry_tests::db::fresh_database;
use std::time::Duration;

/// Waits (up to 10 s) until no backend is running `pg_sleep`.
async fn no_sleep_running(client: &quarry::Client) {
    for _ in 0..100 {
        if quarry_tests::db::running_sleeps(client).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("a pg_sleep is still running on the server");
}

#[tokio::test]
async fn with_timeout_cancels_the_query_on_the_server() {
    let url = fresh_database();
    let client = quarry::Client::connect(&url).await.unwrap();
    let error = quarry::with_timeout(&client, Duration::from_millis(200), ops::sleep(&client, 30.0))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::StatementTimeout);
    assert!(error.to_string().contains("did not finish within 200ms"), "{error}");
    let observer = quarry::Client::connect(&url).await.unwrap();
    no_sleep_running(&observer).await;
    assert_eq!(
        tasks::count_tasks(&client, None).await.unwrap(),
        0,
        "the connection is usable again"
    );
}

#[tokio::test]
async fn dropping_a_call_cancels_its_query() {
    let url = fresh_database();
    let client = std::sync::Arc::new(quarry::Client::connect(&url).await.unwrap());
    let task = tokio::spawn({
        let client = client.clone();
        async move { quarry::cancel_on_drop(&*client, ops::sleep(&*client, 30.0)).await }
    });
    let observer = quarry::Client::connect(&url).await.unwrap();
    // The query must be running on the server before the call is dropped, or there would be
    // nothing to cancel and the check below would pass vacuously.
    for _ in 0..100 {
        if quarry_tests::db::running_sleeps(&observer).await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        quarry_tests::db::running_sleeps(&observer).await > 0,
        "the query never started"
    );
    task.abort();
    no_sleep_running(&observer).await;
}

#[tokio::test]
async fn set_local_statement_timeout_applies_to_the_transaction_only() {
    let mut client = quarry::Client::connect(&fresh_database()).await.unwrap();
    let tx = client.transaction().await.unwrap();
    tx.statement_timeout(Duration::from_millis(100)).await.unwrap();
    let error = ops::sleep(&tx, 5.0).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::StatementTimeout);
    tx.rollback().await.unwrap();
    ops::sleep(&client, 0.2).await.unwrap();
}

/// `host=… port=… user=… dbname=…` → its parts.
fn parts(url: &str) -> std::collections::HashMap<String, String> {
    url.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn settings(client: &quarry::Client) -> (String, String) {
    let row = client
        .query_one(
            "SELECT current_setting('application_name'), current_setting('statement_timeout')",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn connection_strings_in_both_forms_with_options_and_failover() {
    let url = fresh_database();
    let p = parts(&url);
    let (host, port, db) = (&p["host"], &p["port"], &p["dbname"]);

    let key_value = format!(
        "{url} application_name=quarry-app options='-c statement_timeout=1234' connect_timeout=5 keepalives=1 keepalives_idle=30"
    );
    let client = quarry::Client::connect(&key_value).await.unwrap();
    assert_eq!(settings(&client).await, ("quarry-app".into(), "1234ms".into()));

    let encoded_host = host.replace('/', "%2F");
    let uri = format!(
        "postgresql://postgres@{encoded_host}:{port}/{db}?application_name=quarry-uri&options=-c%20statement_timeout%3D4321&connect_timeout=5"
    );
    let client = quarry::Client::connect(&uri).await.unwrap();
    assert_eq!(settings(&client).await, ("quarry-uri".into(), "4321ms".into()));

    // Several hosts: the first does not exist, the second is a read-write primary.
    let failover = format!(
        "host=/nonexistent/quarry,{host} port={port},{port} user=postgres dbname={db} target_session_attrs=read-write"
    );
    let client = quarry::Client::connect(&failover).await.unwrap();
    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 0);
}

/// A TCP listener on 127.0.0.1 that accepts connections and never answers: a stuck server or
/// a half-open firewall. Connections are held until the listener is dropped.
fn silent_server() -> (std::net::SocketAddr, std::sync::Arc<std::sync::atomic::AtomicBool>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = stop.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
            if let Ok((conn, _)) = listener.accept() {
                held.push(conn);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    (addr, stop)
}

#[tokio::test]
async fn connecting_to_a_server_that_never_answers_gives_up_at_the_deadline() {
    let (addr, stop) = silent_server();
    let url = format!("host={} port={} user=postgres dbname=x", addr.ip(), addr.port());
    let options = quarry::ClientOptions {
        connect_timeout: Some(Duration::from_millis(300)),
        ..quarry::ClientOptions::default()
    };
    let error = match quarry::Client::connect_with(&url, options).await {
        Ok(_) => panic!("connected to a server that never answers"),
        Err(e) => e,
    };
    assert_eq!(error.kind(), ErrorKind::Connection, "{error}");
    assert!(
        error.to_string().contains("no PostgreSQL session within 300ms"),
        "{error}"
    );
    assert_eq!(
        quarry::ClientOptions::default().connect_timeout,
        Some(Duration::from_secs(30))
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
}
