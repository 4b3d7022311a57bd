//! TLS (feature `tls`) against a throwaway server with a certificate signed by a test CA:
//! verify-full, require, wrong host, wrong CA, and the pool.

use quarry::tls::TlsMode;
use quarry_codegen::embedded::{EmbeddedServer, ServerOptions};
use quarry_tests::db::free_port;

struct Pki {
    ca: String,
    server_cert: String,
    server_key: String,
}

fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    Pki {
        ca: ca.pem(),
        server_cert: server.pem(),
        server_key: server_key.serialize_pem(),
    }
}

fn tls_server(pki: &Pki) -> (EmbeddedServer, u16) {
    let port = free_port();
    let options = ServerOptions {
        tcp_port: Some(port),
        settings: vec![
            ("ssl".into(), "on".into()),
            ("ssl_cert_file".into(), "{dir}/server.crt".into()),
            ("ssl_key_file".into(), "{dir}/server.key".into()),
        ],
        files: vec![
            ("server.crt".into(), pki.server_cert.clone().into_bytes()),
            ("server.key".into(), pki.server_key.clone().into_bytes()),
        ],
    };
    (EmbeddedServer::start_with(&options).expect("start a TLS server"), port)
}

async fn uses_tls(client: &quarry::Client) -> bool {
    client
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn verify_full_require_and_their_failures() {
    let pki = pki();
    let (_server, port) = tls_server(&pki);
    let url = |host: &str| format!("host={host} port={port} user=postgres dbname=postgres sslmode=require");
    let verify = TlsMode::verify_full_pem(pki.ca.as_bytes()).unwrap();
    let options = quarry::ClientOptions::default();

    let client = quarry::Client::connect_tls(&url("localhost"), &verify, options)
        .await
        .unwrap();
    assert!(uses_tls(&client).await);

    let wrong_host = quarry::Client::connect_tls(&url("127.0.0.1"), &verify, options)
        .await
        .unwrap_err();
    assert_eq!(wrong_host.kind(), quarry::ErrorKind::Connection, "{wrong_host}");

    let other_ca = TlsMode::verify_full_pem(self::pki().ca.as_bytes()).unwrap();
    let untrusted = quarry::Client::connect_tls(&url("localhost"), &other_ca, options)
        .await
        .unwrap_err();
    assert_eq!(untrusted.kind(), quarry::ErrorKind::Connection, "{untrusted}");

    let encrypted = quarry::Client::connect_tls(&url("127.0.0.1"), &TlsMode::Require, options)
        .await
        .unwrap();
    assert!(uses_tls(&encrypted).await, "require encrypts without verifying");

    let plain = quarry::Client::connect(&url("localhost")).await.unwrap_err();
    assert_eq!(
        plain.kind(),
        quarry::ErrorKind::Connection,
        "sslmode=require refuses a plain connection: {plain}"
    );

    let pool = quarry::Pool::connect(
        &url("localhost"),
        quarry::PoolOptions {
            tls: Some(verify),
            ..quarry::PoolOptions::default()
        },
    )
    .await
    .unwrap();
    let conn = pool.get().await.unwrap();
    assert!(uses_tls(&conn).await);
}

/// quarry's own driver (`quarry::wire`) over TLS: verify-full, a wrong host refused, require,
/// and a pipeline on the encrypted session.
#[tokio::test]
async fn the_own_driver_speaks_tls() {
    use quarry_tests::asynchronous::tasks;
    let pki = pki();
    let (_server, port) = tls_server(&pki);
    let setup = quarry::Client::connect(&format!("host=127.0.0.1 port={port} user=postgres dbname=postgres"))
        .await
        .unwrap();
    setup
        .batch_execute(include_str!("../../queries/migrations/0001_schema.sql"))
        .await
        .unwrap();
    let url = |host: &str| format!("host={host} port={port} user=postgres dbname=postgres sslmode=require");
    let verify = TlsMode::verify_full_pem(pki.ca.as_bytes()).unwrap();
    let options = quarry::ClientOptions::default();
    let conn = quarry::wire::Connection::connect_tls(&url("localhost"), &verify, options)
        .await
        .unwrap();
    let ssl = conn
        .simple_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .await
        .unwrap();
    assert_eq!(ssl[0][0].as_deref(), Some("t"), "the session is encrypted");
    let (id, count) = quarry::pipeline!(tasks::add_task(&conn, "over TLS", ""), tasks::count_tasks(&conn, None));
    assert!(id.unwrap() > 0);
    assert_eq!(count.unwrap(), 1);

    let wrong_host = quarry::wire::Connection::connect_tls(&url("127.0.0.1"), &verify, options)
        .await
        .unwrap_err();
    assert_eq!(wrong_host.kind(), quarry::ErrorKind::Connection, "{wrong_host}");
    let plain = quarry::wire::Connection::connect(&url("127.0.0.1")).await.unwrap_err();
    assert!(plain.to_string().contains("sslmode=require needs TLS"), "{plain}");
    let encrypted = quarry::wire::Connection::connect_tls(&url("127.0.0.1"), &TlsMode::Require, options)
        .await
        .unwrap();
    assert_eq!(tasks::count_tasks(&encrypted, None).await.unwrap(), 1);
}
