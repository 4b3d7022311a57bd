//! The build-time connection (`quarry_codegen::pg`) against a real server: each password
//! method PostgreSQL offers (SCRAM-SHA-256, MD5, cleartext) over TCP, a wrong password, the
//! Unix socket, a refused statement with its position, pipelined descriptions and the
//! user-defined types they use, and a deadline that fires.

use postgres_types::Kind;
use quarry_codegen::embedded::{EmbeddedServer, ServerOptions};
use quarry_codegen::pg::{parse_config, Connection, PgError};
use std::net::TcpListener;
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A server on a TCP port whose pg_hba.conf asks `scram_user` for SCRAM, `md5_user` for MD5
/// and `plain_user` for a cleartext password; the superuser is trusted on the socket.
fn server_with_passwords() -> (EmbeddedServer, u16) {
    let port = free_port();
    let hba = "local all all trust\n\
               host all scram_user 127.0.0.1/32 scram-sha-256\n\
               host all md5_user 127.0.0.1/32 md5\n\
               host all plain_user 127.0.0.1/32 password\n";
    let server = EmbeddedServer::start_with(&ServerOptions {
        tcp_port: Some(port),
        settings: vec![("hba_file".into(), "{dir}/test_hba.conf".into())],
        files: vec![("test_hba.conf".into(), hba.as_bytes().to_vec())],
    })
    .expect("start");
    let mut admin = connect(&server.connection_string("postgres"));
    admin
        .batch_execute(
            "SET password_encryption = 'scram-sha-256';
             CREATE ROLE scram_user LOGIN PASSWORD 'sc r@m';
             CREATE ROLE plain_user LOGIN PASSWORD 'plain';
             SET password_encryption = 'md5';
             CREATE ROLE md5_user LOGIN PASSWORD 'md5 pass';",
        )
        .unwrap();
    (server, port)
}

fn connect(url: &str) -> Connection {
    Connection::connect(&parse_config(url).unwrap(), Duration::from_secs(10)).unwrap()
}

fn whoami(client: &mut Connection) -> String {
    client.query("SELECT current_user::text").unwrap()[0].get(0)
}

#[test]
fn every_password_method_logs_in_and_a_wrong_password_is_the_servers_error() {
    let (_server, port) = server_with_passwords();
    for (user, password) in [
        ("scram_user", "sc%20r%40m"),
        ("md5_user", "md5%20pass"),
        ("plain_user", "plain"),
    ] {
        let mut client = connect(&format!("postgres://{user}:{password}@127.0.0.1:{port}/postgres"));
        assert_eq!(whoami(&mut client), user);
    }
    let config = parse_config(&format!(
        "host=127.0.0.1 port={port} user=scram_user password=wrong dbname=postgres"
    ))
    .unwrap();
    let Err(e) = Connection::connect(&config, Duration::from_secs(10)) else {
        panic!("a wrong password logged in")
    };
    assert_eq!(e.code(), Some("28P01"), "{e}");
    let config = parse_config(&format!("host=127.0.0.1 port={port} user=md5_user dbname=postgres")).unwrap();
    let Err(PgError::Protocol(message)) = Connection::connect(&config, Duration::from_secs(10)) else {
        panic!("no password, yet no refusal")
    };
    assert!(message.contains("md5_user"), "{message}");
}

#[test]
fn queries_are_described_in_a_pipeline_with_their_user_types() {
    let server = EmbeddedServer::start().expect("start");
    let mut client = connect(&server.connection_string("postgres"));
    client
        .batch_execute(
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
             CREATE DOMAIN positive AS int CHECK (VALUE > 0);
             CREATE TYPE pair AS (left_mood mood, weight positive, tags text[]);
             CREATE TYPE floatrange AS RANGE (subtype = float8);
             CREATE TABLE things (id bigint PRIMARY KEY, mood mood NOT NULL, pairs pair[], span floatrange);",
        )
        .unwrap();
    // More queries than one pipeline round trip holds, one of them refused mid-way.
    let mut sqls =
        vec!["SELECT id, mood, pairs, span, span::floatmultirange AS spans FROM things WHERE mood = $1"; 150];
    sqls[70] = "SELECT id FROM things WHERE nope = $1";
    let mut reported = 0;
    let described = client.prepare_all(&sqls, |done| reported = done).unwrap();
    assert_eq!(reported, 150);
    let refused = described[70].as_ref().unwrap_err();
    assert_eq!(refused.code(), "42703");
    assert_eq!(&sqls[70][refused.position().unwrap() as usize - 1..][..4], "nope");
    let statement = described[149].as_ref().unwrap();
    let Kind::Enum(labels) = statement.params()[0].kind() else {
        panic!("{:?}", statement.params()[0])
    };
    assert_eq!(labels, &["sad", "ok", "happy"]);
    let columns = statement.columns();
    assert_eq!(columns[0].name(), "id");
    assert!(columns[0].table_oid().is_some() && columns[0].column_id() == Some(1));
    let Kind::Array(pair) = columns[2].type_().kind() else {
        panic!()
    };
    let Kind::Composite(fields) = pair.kind() else { panic!() };
    assert_eq!(fields[0].type_().name(), "mood");
    assert!(matches!(fields[1].type_().kind(), Kind::Domain(base) if base.name() == "int4"));
    assert!(matches!(columns[3].type_().kind(), Kind::Range(sub) if sub.name() == "float8"));
    assert!(matches!(columns[4].type_().kind(), Kind::Multirange(sub) if sub.name() == "float8"));
    assert!(columns[4].table_oid().is_none());
    // The connection is still in step after the refusal.
    assert_eq!(whoami(&mut client), "postgres");
}

#[test]
fn a_server_that_never_answers_trips_the_deadline() {
    // Accepts TCP connections and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let config = parse_config(&format!("postgres://u@127.0.0.1:{port}/db")).unwrap();
    let result = Connection::connect(&config, Duration::from_millis(500));
    assert!(matches!(result, Err(PgError::Timeout)), "{:?}", result.err());
    drop(silent);
    // And a deadline set on an open connection bounds each later call.
    let server = EmbeddedServer::start().expect("start");
    let mut client = connect(&server.connection_string("postgres"));
    client.set_deadline(Some(Instant::now() + Duration::from_millis(300)));
    let Err(e) = client.batch_execute("SELECT pg_sleep(5)") else {
        panic!("pg_sleep(5) finished in 300 ms")
    };
    assert!(matches!(e, PgError::Timeout), "{e}");
}
