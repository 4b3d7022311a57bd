//! The embedded server cleans up after itself even when its owner is killed outright.

use quarry_codegen::embedded::EmbeddedServer;
use quarry_codegen::pg::{parse_config, Connection};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD: &str = "QUARRY_EMBEDDED_TEST_CHILD";

/// Run as a child process of itself (`CHILD` set), this test holds a server, reports where
/// it lives and waits to be killed; as the parent it kills such a child, with each signal, and
/// checks that the server and its folder go with it.
#[test]
fn killed_owner_leaves_nothing_behind() {
    if std::env::var_os(CHILD).is_some() {
        hold_a_server_until_killed();
    }
    for signal in [libc::SIGKILL, libc::SIGINT] {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "killed_owner_leaves_nothing_behind",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = lines
            .find_map(|l| l.ok().filter(|l| l.contains("READY ")))
            .expect("child reports its server");
        let mut words = ready.split_once("READY ").unwrap().1.split(' ');
        let dir = PathBuf::from(words.next().unwrap());
        let postmaster: i32 = words.next().unwrap().parse().unwrap();
        assert!(dir.exists() && alive(postmaster));

        unsafe { libc::kill(child.id() as i32, signal) };
        child.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        while (dir.exists() || alive(postmaster)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!alive(postmaster), "signal {signal}: the server was stopped");
        assert!(!dir.exists(), "signal {signal}: {} was removed", dir.display());
    }
}

/// The child's part of `killed_owner_leaves_nothing_behind`.
fn hold_a_server_until_killed() -> ! {
    let server = EmbeddedServer::start().expect("start");
    let pid = std::fs::read_to_string(server.socket_dir().join("data/postmaster.pid")).unwrap();
    println!(
        "READY {} {}",
        server.socket_dir().display(),
        pid.lines().next().unwrap()
    );
    std::thread::sleep(Duration::from_secs(120));
    panic!("the parent did not kill this child within 120 s");
}

#[test]
fn dropping_the_server_stops_it_and_removes_its_folder() {
    let server = EmbeddedServer::start().expect("start");
    let dir = server.socket_dir().to_path_buf();
    let pid: i32 = std::fs::read_to_string(dir.join("data/postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(server.started_in() > Duration::ZERO);
    drop(server);
    assert!(!dir.exists());
    assert!(!alive(pid));
}

fn alive(pid: i32) -> bool {
    // A zombie (exited, not yet reaped) counts as gone.
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    !status.is_empty() && !status.lines().any(|l| l.starts_with("State:") && l.contains('Z'))
}

#[test]
fn later_servers_copy_a_pristine_template() {
    let run = |server: &EmbeddedServer, sql: &str| -> i64 {
        let config = parse_config(&server.connection_string("postgres")).unwrap();
        let mut client = Connection::connect(&config, Duration::from_secs(10)).unwrap();
        client.batch_execute(sql).unwrap();
        client
            .query("SELECT count(*) FROM pg_class WHERE relname = 'left_behind'")
            .unwrap()[0]
            .get(0)
    };
    let first = EmbeddedServer::start().expect("start");
    assert_eq!(run(&first, "CREATE TABLE left_behind (id int)"), 1);
    drop(first);
    let second = EmbeddedServer::start().expect("start");
    assert!(
        second.created_from_template(),
        "the first server's cluster became the template"
    );
    // The template is the cluster as initdb made it: nothing a server did is in it.
    assert_eq!(run(&second, "SELECT 1"), 0);
}
