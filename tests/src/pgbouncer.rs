//! A PgBouncer in transaction-pooling mode in front of the test server, for the pooler tests.
//!
//! Started from the Debian package's binary (`scripts/test.sh`, the README's test command,
//! installs `pgbouncer` when it is missing) as the account the embedded PostgreSQL runs as, listening on 127.0.0.1 only, with
//! its configuration and log in a temporary folder. Stopped when dropped.

use crate::db::free_port;
use quarry_codegen::embedded::{server_account, EmbeddedServer};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running PgBouncer.
pub struct PgBouncer {
    process: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl PgBouncer {
    /// Starts PgBouncer in transaction mode in front of `server`, keeping at most
    /// `server_connections` server connections per database and user.
    pub fn start(server: &EmbeddedServer, server_connections: usize) -> PgBouncer {
        let binary = find_binary();
        let account = server_account().expect("an account to run PgBouncer as");
        let dir = tempfile::Builder::new()
            .prefix("quarry-pgbouncer-")
            .tempdir()
            .expect("temp dir");
        let port = free_port();
        // The server's own host (its socket folder) and port, from its connection string.
        let connection = server.connection_string("postgres");
        let target: Vec<&str> = connection
            .split_whitespace()
            .filter(|part| part.starts_with("host=") || part.starts_with("port="))
            .collect();
        let config = format!(
            "[databases]\n\
             * = {target}\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = trust\n\
             auth_file = {dir}/users.txt\n\
             pool_mode = transaction\n\
             default_pool_size = {server_connections}\n\
             max_client_conn = 500\n\
             ignore_startup_parameters = extra_float_digits\n\
             logfile = {dir}/pgbouncer.log\n\
             pidfile = {dir}/pgbouncer.pid\n",
            target = target.join(" "),
            dir = dir.path().display(),
        );
        std::fs::write(dir.path().join("pgbouncer.ini"), config).expect("write pgbouncer.ini");
        std::fs::write(dir.path().join("users.txt"), "\"postgres\" \"\"\n").expect("write users.txt");
        if let Some((uid, gid)) = account {
            for path in [
                dir.path().to_path_buf(),
                dir.path().join("pgbouncer.ini"),
                dir.path().join("users.txt"),
            ] {
                std::os::unix::fs::chown(&path, Some(uid), Some(gid)).expect("chown");
            }
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
        let mut command = Command::new(&binary);
        command
            .arg(dir.path().join("pgbouncer.ini"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        if let Some((uid, gid)) = account {
            command.uid(uid).gid(gid);
        }
        let process = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut bouncer = PgBouncer { process, dir, port };
        bouncer.wait_ready();
        bouncer
    }

    /// A connection string to `database` through PgBouncer.
    pub fn connection_string(&self, database: &str) -> String {
        format!("host=127.0.0.1 port={} user=postgres dbname={database}", self.port)
    }

    /// A connection string for `database` taken from `url` (a `fresh_database()` string).
    pub fn connection_string_for(&self, url: &str) -> String {
        let database = url
            .split_whitespace()
            .find_map(|part| part.strip_prefix("dbname="))
            .expect("dbname= in the connection string");
        self.connection_string(database)
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.process.try_wait() {
                panic!("PgBouncer exited during start-up ({status}):\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "PgBouncer not listening after 30 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// PgBouncer's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// `$PGBOUNCER`, then `pgbouncer` on `PATH`, then Debian's `/usr/sbin/pgbouncer`.
fn find_binary() -> PathBuf {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PGBOUNCER").map(PathBuf::from).into_iter().collect();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| dir.join("pgbouncer")));
    }
    candidates.push("/usr/sbin/pgbouncer".into());
    candidates.into_iter().find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "PgBouncer not found: install it (`apt-get install pgbouncer`; `bash scripts/test.sh` does) or set PGBOUNCER to its path"
        )
    })
}
