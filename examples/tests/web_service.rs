//! The web service example started on 127.0.0.1 against the throwaway server and driven over
//! real HTTP: create, list, conflict, not found, health, pool exhaustion, graceful shutdown.

use quarry_examples::{web, ExampleDb};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Both tests open a pool named `app`, and the metrics recorder is one per process: the
/// metrics test's `quarry_pool_max_size{pool="app"}` would read the other test's pool if they
/// overlapped, so they run one at a time.
static ONE_POOL_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One HTTP/1.1 request (`Connection: close`); returns the status and the body.
async fn request(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect to the service");
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().expect("a status code");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The running service: its address, its pool, and how to stop it.
struct Service {
    addr: SocketAddr,
    pool: quarry::Pool,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts the service on a free port of 127.0.0.1, as the example binary does.
async fn start(url: &str, max_size: usize, wait: Duration) -> Service {
    let pool = web::open_pool(url, max_size, wait)
        .await
        .expect("open the pool and verify the queries");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(web::serve(listener, pool.clone(), async {
        let _ = stopped.await;
    }));
    Service { addr, pool, stop, task }
}

impl Service {
    /// Graceful shutdown: the server task ends and the pool is closed.
    async fn shut_down(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
        assert!(self.pool.get().await.is_err(), "the pool is closed at shutdown");
        assert!(TcpStream::connect(self.addr).await.is_err(), "no longer listening");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_answers_over_http_with_typed_statuses() {
    let _alone = ONE_POOL_AT_A_TIME.lock().await;
    let db = ExampleDb::open().await.unwrap();
    let service = start(&db.url, 4, Duration::from_secs(2)).await;
    let addr = service.addr;

    let (status, body) = request(addr, "GET", "/health", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"ok\""), "{body}");

    // Create, then the same email again: UniqueViolation → 409, naming the constraint only.
    let ada = r#"{"email":"ada@example.com","name":"Ada","bio":"first programmer"}"#;
    let (status, body) = request(addr, "POST", "/users", Some(ada)).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("\"email\":\"ada@example.com\""), "{body}");
    let (status, body) = request(addr, "POST", "/users", Some(ada)).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("users_email_key"), "{body}");

    // Found, and not found (a `:opt` query's None → 404).
    let (status, body) = request(addr, "GET", "/users/ada@example.com", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"bio\":\"first programmer\""), "{body}");
    let (status, body) = request(addr, "GET", "/users/nobody@example.com", None).await;
    assert_eq!(status, 404, "{body}");

    // Tasks: create two, list all and by status; a `:one` query's missing row → 404.
    for title in ["write", "review"] {
        let (status, body) = request(addr, "POST", "/tasks", Some(&format!(r#"{{"title":"{title}"}}"#))).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = request(addr, "GET", "/tasks", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"title\":\"write\"") && body.contains("\"title\":\"review\""),
        "{body}"
    );
    let (_, pending) = request(addr, "GET", "/tasks?status=pending", None).await;
    let (_, done) = request(addr, "GET", "/tasks?status=done", None).await;
    assert!(pending.contains("write") && done == "[]", "{pending} / {done}");
    let (status, body) = request(addr, "GET", "/tasks/1/title", None).await;
    assert_eq!((status, body.as_str()), (200, "write"));
    let (status, body) = request(addr, "GET", "/tasks/999/title", None).await;
    assert_eq!(status, 404, "{body}");

    // A malformed body is axum's 4xx, before any query runs.
    let (status, _) = request(addr, "POST", "/users", Some("{")).await;
    assert!((400..500).contains(&status), "{status}");

    // The operator's view of all that: latency histograms per query and outcome, the pool.
    let (status, metrics) = request(addr, "GET", "/metrics", None).await;
    assert_eq!(status, 200, "{metrics}");
    let line = |prefix: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in\n{metrics}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    let created =
        r#"quarry_query_duration_seconds_count{query="create_user",file="../queries/users.sql",outcome="ok"}"#;
    let conflicted =
        r#"quarry_query_duration_seconds_count{query="create_user",file="../queries/users.sql",outcome="error"}"#;
    assert_eq!((line(created), line(conflicted)), (1.0, 1.0));
    assert_eq!(
        line(r#"quarry_query_duration_seconds_count{query="add_task",file="../queries/tasks.sql",outcome="ok"}"#),
        2.0
    );
    assert!(line(r#"quarry_pool_checkouts_total{pool="app"}"#) >= 10.0);
    assert_eq!(line(r#"quarry_pool_max_size{pool="app"}"#), 4.0);

    service.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_is_503_not_a_hang() {
    let _alone = ONE_POOL_AT_A_TIME.lock().await;
    let db = ExampleDb::open().await.unwrap();
    // One connection, 100 ms to wait for it; the test holds it.
    let service = start(&db.url, 1, Duration::from_millis(100)).await;
    let held = service.pool.get().await.unwrap();
    let (status, body) = request(service.addr, "GET", "/health", None).await;
    assert_eq!(status, 503, "answered once the pool's wait ran out: {body}");
    assert!(body.contains("\"error\":\"unavailable\""), "{body}");
    drop(held);
    let (status, body) = request(service.addr, "GET", "/health", None).await;
    assert_eq!(status, 200, "healthy again once the connection is back: {body}");
    service.shut_down().await;
}
