//! One throwaway PostgreSQL per test binary, and a fresh database per test.
//!
//! Tests never touch the machine's shared server: the embedded server is started on first
//! use, `queries/migrations/0001_schema.sql` is loaded into `template1`, and every test gets its own
//! `CREATE DATABASE` copy — so tests run in parallel without seeing each other's rows.
//! The server is never dropped (it lives in a static); quarry's watchdog stops it and
//! deletes its folder when the test process exits.

use quarry_codegen::embedded::{EmbeddedServer, ServerOptions};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The schema every test database starts with.
pub const SCHEMA: &str = include_str!("../../queries/migrations/0001_schema.sql");

static SERVER: OnceLock<EmbeddedServer> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);
static TCP_PORT: AtomicU16 = AtomicU16::new(0);

/// The per-process server, with the schema in `template1`. It listens on its Unix socket
/// (what [`fresh_database`]'s strings name) and on a 127.0.0.1 port ([`tcp_address`]).
pub fn server() -> &'static EmbeddedServer {
    SERVER.get_or_init(|| {
        let port = free_port();
        let options = ServerOptions {
            tcp_port: Some(port),
            ..ServerOptions::default()
        };
        let server = EmbeddedServer::start_with(&options).expect("start the embedded PostgreSQL");
        TCP_PORT.store(port, Ordering::SeqCst);
        let url = server.connection_string("template1");
        on_own_thread(move || {
            let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect to template1");
            admin
                .batch_execute(SCHEMA)
                .expect("load queries/migrations/0001_schema.sql");
            admin.close().expect("close the template1 connection");
        });
        server
    })
}

/// The server's TCP address, for tests that put something (a proxy) in between.
pub fn tcp_address() -> SocketAddr {
    server();
    SocketAddr::from(([127, 0, 0, 1], TCP_PORT.load(Ordering::SeqCst)))
}

/// The `dbname` of a connection string from [`fresh_database`].
pub fn dbname(url: &str) -> &str {
    url.split_whitespace()
        .find_map(|kv| kv.strip_prefix("dbname="))
        .expect("a dbname")
}

/// Creates a new database holding the schema; returns its connection string.
pub fn fresh_database() -> String {
    create_database("")
}

/// Creates an empty database (from `template0`, without the schema of `queries/migrations`) and runs each
/// of `scripts` in it; returns its connection string.
pub fn fresh_database_with(scripts: &[&str]) -> String {
    let url = create_database(" TEMPLATE template0");
    let (script_url, scripts) = (url.clone(), scripts.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    on_own_thread(move || {
        let mut client = postgres::Client::connect(&script_url, postgres::NoTls).expect("connect to the new database");
        for script in scripts {
            client.batch_execute(&script).expect("run setup script");
        }
    });
    url
}

fn create_database(options: &str) -> String {
    let server = server();
    let name = format!("test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let admin_url = server.connection_string("postgres");
    let create = format!("CREATE DATABASE {name}{options}");
    on_own_thread(move || {
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).expect("connect as admin");
        // A just-closed template1 session can linger for a moment (SQLSTATE 55006).
        for attempt in 0.. {
            match admin.batch_execute(&create) {
                Ok(()) => break,
                Err(e) if attempt < 50 && e.code() == Some(&postgres::error::SqlState::OBJECT_IN_USE) => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => panic!("{create}: {e}"),
            }
        }
    });
    server.connection_string(&name)
}

/// Runs blocking `postgres` calls off any tokio runtime the caller may be on.
fn on_own_thread(f: impl FnOnce() + Send + 'static) {
    std::thread::spawn(f).join().expect("database setup thread panicked");
}

/// Named statements on the server, counted with the simple protocol (which prepares nothing).
pub async fn server_side_statements(client: &quarry::tokio_postgres::Client) -> usize {
    let messages = client
        .simple_query("SELECT count(*) FROM pg_prepared_statements")
        .await
        .expect("count prepared statements");
    messages
        .iter()
        .find_map(|m| match m {
            quarry::tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(|v| v.parse().unwrap()),
            _ => None,
        })
        .expect("one row")
}

/// Backends running a `pg_sleep` query now in `client`'s database (the tests' stand-in for
/// a long query).
pub async fn running_sleeps(client: &quarry::Client) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%' AND datname = current_database()",
            &[],
        )
        .await
        .expect("count running pg_sleep calls")
        .get(0)
}

/// A TCP port free on 127.0.0.1 right now, for a server a test starts itself.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}
