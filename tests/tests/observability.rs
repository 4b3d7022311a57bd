//! `tracing` spans per call and the health checks for readiness probes.

use quarry_tests::asynchronous::tasks;
use quarry_tests::db::fresh_database;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing_subscriber::fmt::format::FmtSpan;

/// A `MakeWriter` collecting everything the subscriber prints.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// The `quarry.query` spans' close lines, in order.
fn closed_query_spans(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("quarry.query") && l.contains("close"))
        .collect()
}

/// Every span and event at DEBUG, written to a buffer, while the guard lives.
fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn every_call_is_a_span_with_name_rows_cache_outcome_and_time() {
    let (captured, _guard) = capture();

    let client = quarry::Client::connect(&fresh_database()).await.unwrap();
    tasks::add_task(&client, "traced", "").await.unwrap();
    tasks::list_tasks(&client).await.unwrap();
    tasks::list_tasks(&client).await.unwrap();
    tasks::task_title(&client, -1).await.unwrap_err();

    let log = captured.text();
    let spans = closed_query_spans(&log);
    assert_eq!(spans.len(), 4, "{log}");
    assert!(
        spans[0].contains("query=\"add_task\"") && spans[0].contains("cache_hit=false") && spans[0].contains("rows=1"),
        "{}",
        spans[0]
    );
    assert!(
        spans[1].contains("query=\"list_tasks\"") && spans[1].contains("cache_hit=false"),
        "{}",
        spans[1]
    );
    assert!(
        spans[2].contains("cache_hit=true") && spans[2].contains("rows=1") && spans[2].contains("elapsed_us="),
        "{}",
        spans[2]
    );
    assert!(spans[2].contains("source=\"../queries/tasks.sql:8\""), "{}", spans[2]);
    assert!(log.contains("query failed") && log.contains("RowCount"), "{log}");
}

/// The same spans from quarry's own driver (`quarry::wire`), pipelined calls included.
#[tokio::test]
async fn the_own_driver_traces_the_same_spans() {
    let (captured, _guard) = capture();

    let conn = quarry::wire::Connection::connect(&fresh_database()).await.unwrap();
    tasks::add_task(&conn, "traced", "").await.unwrap();
    let (listed, title) = quarry::pipeline!(tasks::list_tasks(&conn), tasks::task_title(&conn, -1));
    listed.unwrap();
    title.unwrap_err();
    tasks::list_tasks(&conn).await.unwrap();

    let log = captured.text();
    let spans = closed_query_spans(&log);
    assert_eq!(spans.len(), 4, "{log}");
    assert!(
        spans[0].contains("query=\"add_task\"") && spans[0].contains("cache_hit=false") && spans[0].contains("rows=1"),
        "{}",
        spans[0]
    );
    let last = spans[3];
    assert!(
        last.contains("query=\"list_tasks\"")
            && last.contains("cache_hit=true")
            && last.contains("rows=1")
            && last.contains("elapsed_us="),
        "{last}"
    );
    assert!(log.contains("query failed") && log.contains("RowCount"), "{log}");
}

#[tokio::test]
async fn health_checks_answer_within_their_deadline() {
    let url = fresh_database();
    let client = quarry::Client::connect(&url).await.unwrap();
    let took = quarry::health_check(&client, Duration::from_secs(5)).await.unwrap();
    assert!(took < Duration::from_secs(5));
    let conn = quarry::wire::Connection::connect(&url).await.unwrap();
    quarry::health_check(&conn, Duration::from_secs(5)).await.unwrap();

    let pool = quarry::Pool::connect(&url, quarry::PoolOptions::default())
        .await
        .unwrap();
    pool.health_check(Duration::from_secs(5)).await.unwrap();

    // A pool that cannot connect fails its probe with a typed error instead of hanging.
    let dead = quarry::Pool::connect(
        "host=/nonexistent/quarry user=postgres",
        quarry::PoolOptions {
            connect_timeout: Some(Duration::from_millis(200)),
            ..quarry::PoolOptions::default()
        },
    )
    .await
    .unwrap();
    let error = dead.health_check(Duration::from_secs(2)).await.unwrap_err();
    assert_eq!(error.kind(), quarry::ErrorKind::Connection, "{error}");
}
