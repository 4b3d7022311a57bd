//! The embedded default: a throwaway PostgreSQL server started from the local binaries.
//!
//! With no `DATABASE_URL`, quarry creates a cluster in a fresh temporary folder (`initdb`, or
//! a copy of a cached pristine one: `embedded/cluster.rs`), starts
//! `postgres` on a Unix socket in that folder (no TCP listener, so nothing else on the
//! machine can reach its trust-authenticated superuser), waits until `postmaster.pid` says
//! `ready`, and on drop stops it (immediate shutdown) and deletes the folder.
//!
//! Why our own ~250 lines rather than the `pgtemp` crate: pgtemp assumes the binaries are on
//! `PATH` and that we are not root, and it listens on TCP. quarry must find Debian's
//! `/usr/lib/postgresql/*/bin`, drop to an unprivileged account when run as root (PostgreSQL
//! refuses to run as root), and clean up even when the process is killed — which Drop cannot
//! do. For the last point a tiny watchdog shell process (its own process group, so Ctrl-C
//! does not reach it) waits for our process to exit and then stops the server and removes
//! the folder.
//!
//! Measured on the 2-core CI machine (`docs/embedded.md`): cluster + start to ready takes
//! about 0.3 s from the cached template in `/dev/shm`, 1.1–2 s with a fresh `initdb` on disk.

mod cluster;
mod scratch;

use scratch::ScratchDir;

use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running throwaway server. Dropping it stops the server and deletes its files.
pub struct EmbeddedServer {
    dir: Option<ScratchDir>,
    server: Child,
    watchdog: Option<Child>,
    port: u16,
    started_in: Duration,
    from_template: bool,
    /// What `start_again` needs to spawn the same server.
    restart: Restart,
}

struct Restart {
    bin: PathBuf,
    account: Option<(u32, u32)>,
    options: ServerOptions,
}

impl Restart {
    fn new(bin: PathBuf, account: Option<(u32, u32)>, options: &ServerOptions) -> Self {
        Restart {
            bin,
            account,
            options: options.clone(),
        }
    }
}

/// Why the embedded server could not start.
#[derive(Debug)]
pub struct EmbeddedError {
    message: String,
}

impl fmt::Display for EmbeddedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EmbeddedError {}

fn fail(message: impl Into<String>) -> EmbeddedError {
    EmbeddedError {
        message: message.into(),
    }
}

/// The superuser created by `initdb`; connections use it.
pub const SUPERUSER: &str = "postgres";

/// Port number used for the socket file name; with no TCP listener any number works, so a
/// fixed one keeps connection strings predictable.
const SOCKET_PORT: u16 = 5432;

/// Extra start-up options, for tests that need TCP or TLS.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Also listen on 127.0.0.1 at this TCP port (the socket file takes the same number).
    pub tcp_port: Option<u16>,
    /// Extra `-c name=value` settings; `{dir}` in a value is replaced by the server's folder.
    pub settings: Vec<(String, String)>,
    /// Files written into the server's folder before it starts, readable only by the server.
    pub files: Vec<(String, Vec<u8>)>,
}

impl fmt::Debug for EmbeddedServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedServer")
            .field("dir", &self.dir.as_ref().map(ScratchDir::path))
            .field("pid", &self.server.id())
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl EmbeddedServer {
    /// Creates a cluster in a temporary folder, starts it, and waits until it accepts
    /// connections (30 s at most).
    pub fn start() -> Result<Self, EmbeddedError> {
        EmbeddedServer::start_with(&ServerOptions::default())
    }

    /// [`start`](EmbeddedServer::start) with extra options.
    pub fn start_with(options: &ServerOptions) -> Result<Self, EmbeddedError> {
        let started = Instant::now();
        let bin = find_bindir()?;
        let account = server_account()?;
        let dir = server_dir(account)?;
        let from_template = cluster::create(&bin, &dir.path().join("data"), dir.path(), account)?;
        EmbeddedServer::launch(started, Restart::new(bin, account, options), dir, from_template)
    }

    /// Starts a streaming-replication standby of `primary` (a hot standby: it serves reads
    /// and refuses writes): `pg_basebackup -R` copies the primary's data over a replication
    /// connection on its socket and configures the standby to follow it. For replica and
    /// failover tests; promote it with `SELECT pg_promote()`.
    pub fn start_standby(primary: &EmbeddedServer, options: &ServerOptions) -> Result<Self, EmbeddedError> {
        let started = Instant::now();
        let bin = primary.restart.bin.clone();
        let account = primary.restart.account;
        let dir = server_dir(account)?;
        let mut command = Command::new(bin.join("pg_basebackup"));
        command
            .arg("--pgdata")
            .arg(dir.path().join("data"))
            .arg("--host")
            .arg(primary.socket_dir())
            .args(["--port", &primary.port.to_string(), "--username", SUPERUSER])
            .args([
                "--write-recovery-conf",
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-sync",
            ]);
        run_tool(command, "pg_basebackup", account, dir.path())?;
        EmbeddedServer::launch(started, Restart::new(bin, account, options), dir, false)
    }

    /// Writes the option files into `dir`, starts the server on `dir/data` and waits for it.
    fn launch(started: Instant, restart: Restart, dir: ScratchDir, from_template: bool) -> Result<Self, EmbeddedError> {
        let Restart { bin, account, options } = &restart;
        for (name, contents) in &options.files {
            write_private(&dir.path().join(name), contents, *account)?;
        }
        let server = spawn_postgres(bin, &dir.path().join("data"), dir.path(), *account, options)?;
        let watchdog = spawn_watchdog(server.id(), dir.path());
        let mut this = EmbeddedServer {
            dir: Some(dir),
            server,
            watchdog,
            port: options.tcp_port.unwrap_or(SOCKET_PORT),
            started_in: Duration::ZERO,
            from_template,
            restart,
        };
        this.wait_ready(Duration::from_secs(30))?;
        this.started_in = started.elapsed();
        Ok(this)
    }

    /// The folder holding the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.as_ref().expect("dir lives until drop").path()
    }

    /// A libpq-style connection string for `database` (e.g. `"postgres"`).
    pub fn connection_string(&self, database: &str) -> String {
        format!(
            "host={} port={} user={SUPERUSER} dbname={database}",
            self.socket_dir().display(),
            self.port
        )
    }

    /// Whether the cluster was copied from the cached pristine template instead of `initdb`.
    pub fn created_from_template(&self) -> bool {
        self.from_template
    }

    /// How long creating the cluster plus start-up took.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// Stops the server with a fast shutdown (SIGINT, what `pg_ctl stop -m fast` sends): open
    /// transactions are rolled back and clients disconnected; the data stays. For fault
    /// tests; [`start_again`](EmbeddedServer::start_again) brings it back.
    pub fn stop_fast(&mut self) {
        // SAFETY: plain signal to our own child.
        unsafe { libc::kill(self.server.id() as libc::pid_t, libc::SIGINT) };
        let _ = self.server.wait();
    }

    /// Starts a stopped server again on the same data, socket and port; waits until ready.
    pub fn start_again(&mut self) -> Result<(), EmbeddedError> {
        let dir = self.socket_dir().to_path_buf();
        let Restart { bin, account, options } = &self.restart;
        self.server = spawn_postgres(bin, &dir.join("data"), &dir, *account, options)?;
        // The watchdog follows the server's pid: replace it.
        if let Some(mut old) = self.watchdog.take() {
            let _ = old.kill();
            let _ = old.wait();
        }
        self.watchdog = spawn_watchdog(self.server.id(), &dir);
        self.wait_ready(Duration::from_secs(30))
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), EmbeddedError> {
        let pid_file = self.socket_dir().join("data").join("postmaster.pid");
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(text) = std::fs::read_to_string(&pid_file) {
                if text.lines().nth(7).is_some_and(|status| status.trim() == "ready") {
                    return Ok(());
                }
            }
            if let Ok(Some(status)) = self.server.try_wait() {
                return Err(fail(format!(
                    "the embedded PostgreSQL exited during start-up ({status}):\n{}",
                    self.log()
                )));
            }
            if Instant::now() > deadline {
                return Err(fail(format!(
                    "the embedded PostgreSQL was not ready after {timeout:?}:\n{}",
                    self.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.socket_dir().join("server.log")).unwrap_or_default()
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        // SIGQUIT = immediate shutdown: nothing here is worth a checkpoint.
        unsafe { libc::kill(self.server.id() as libc::pid_t, libc::SIGQUIT) };
        let _ = self.server.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        drop(self.dir.take());
    }
}

/// Finds a folder holding both `initdb` and `postgres`: `$QUARRY_PG_BINDIR`, then `PATH`
/// (following symlinks such as Debian's `/usr/local/bin/initdb`), then `pg_config --bindir`,
/// then the newest `/usr/lib/postgresql/*/bin` and other usual install folders.
pub fn find_bindir() -> Result<PathBuf, EmbeddedError> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("QUARRY_PG_BINDIR") {
        candidates.push(dir.into());
        // Lets tests (and users who want certainty) forbid the fallbacks below.
        if std::env::var_os("QUARRY_PG_SEARCH_ONLY_BINDIR").is_some() {
            return candidates.into_iter().find(|d| is_bindir(d)).ok_or_else(no_binaries);
        }
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        if let Ok(real) = std::fs::canonicalize(dir.join("initdb")) {
            candidates.extend(real.parent().map(Path::to_path_buf));
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").stderr(Stdio::null()).output() {
        candidates.push(String::from_utf8_lossy(&out.stdout).trim().into());
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .collect();
    versioned.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    candidates.extend(versioned.into_iter().map(|(_, p)| p));
    candidates.extend(
        [
            "/usr/local/pgsql/bin",
            "/opt/homebrew/bin",
            "/usr/local/bin",
            "/usr/bin",
        ]
        .map(PathBuf::from),
    );
    candidates.into_iter().find(|d| is_bindir(d)).ok_or_else(no_binaries)
}

fn is_bindir(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("postgres").is_file()
}

fn no_binaries() -> EmbeddedError {
    fail(
                "no PostgreSQL server binaries found (looked for `initdb` and `postgres` in $QUARRY_PG_BINDIR, PATH, \
                 `pg_config --bindir` and /usr/lib/postgresql/*/bin).\n\
                 hint: install the server package (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql`), \
                 set QUARRY_PG_BINDIR to the folder holding them, or set DATABASE_URL to use an existing database",
    )
}

/// The uid/gid the embedded server runs as: `None` when we are not root, else `postgres` (or
/// `nobody`). Tests that start other PostgreSQL tools (PgBouncer, `pg_basebackup`) next to it
/// use the same account.
pub fn server_account() -> Result<Option<(u32, u32)>, EmbeddedError> {
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    for name in [c"postgres", c"nobody"] {
        let entry = unsafe { libc::getpwnam(name.as_ptr()) };
        if !entry.is_null() {
            let entry = unsafe { &*entry };
            return Ok(Some((entry.pw_uid, entry.pw_gid)));
        }
    }
    Err(fail("running as root, but neither a `postgres` nor a `nobody` account exists to run the embedded PostgreSQL (it refuses to run as root)\nhint: create one (`useradd postgres`) or set DATABASE_URL"))
}

/// Runs one of PostgreSQL's tools (`initdb`, `pg_basebackup`) as the server's account; its
/// output becomes the error when it fails.
fn run_tool(mut command: Command, name: &str, account: Option<(u32, u32)>, cwd: &Path) -> Result<(), EmbeddedError> {
    as_account(&mut command, account, cwd);
    let out = command
        .output()
        .map_err(|e| fail(format!("cannot run {}: {e}", command.get_program().to_string_lossy())))?;
    if !out.status.success() {
        return Err(fail(format!(
            "{name} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}

fn as_account(command: &mut Command, account: Option<(u32, u32)>, cwd: &Path) {
    command
        .current_dir(cwd)
        .env_remove("PGDATA")
        .env_remove("PGHOST")
        .env_remove("PGPORT");
    if let Some((uid, gid)) = account {
        command.uid(uid).gid(gid);
    }
}

/// A new private folder for one server, owned by the server's account.
fn server_dir(account: Option<(u32, u32)>) -> Result<ScratchDir, EmbeddedError> {
    let dir = ScratchDir::new_in(&cluster::base_dir(), "quarry-pg-").map_err(|e| {
        fail(format!(
            "cannot create a temporary folder for the embedded PostgreSQL: {e}"
        ))
    })?;
    if let Some((uid, gid)) = account {
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).map_err(|e| {
            fail(format!(
                "cannot hand {} to the postgres account: {e}",
                dir.path().display()
            ))
        })?;
    }
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .map_err(|e| fail(format!("cannot restrict {}: {e}", dir.path().display())))?;
    Ok(dir)
}

/// Writes a file only the server's account can read.
fn write_private(path: &Path, contents: &[u8], account: Option<(u32, u32)>) -> Result<(), EmbeddedError> {
    let failed = |e: std::io::Error| fail(format!("cannot write {}: {e}", path.display()));
    std::fs::write(path, contents).map_err(failed)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(failed)?;
    if let Some((uid, gid)) = account {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(failed)?;
    }
    Ok(())
}

fn spawn_postgres(
    bin: &Path,
    data: &Path,
    dir: &Path,
    account: Option<(u32, u32)>,
    options: &ServerOptions,
) -> Result<Child, EmbeddedError> {
    let log = std::fs::File::create(dir.join("server.log"))
        .map_err(|e| fail(format!("cannot create the server log: {e}")))?;
    if let Some((uid, gid)) = account {
        let _ = std::os::unix::fs::chown(dir.join("server.log"), Some(uid), Some(gid));
    }
    let mut command = Command::new(bin.join("postgres"));
    command
        .arg("-D")
        .arg(data)
        .arg("-k")
        .arg(dir)
        .args(["-p", &options.tcp_port.unwrap_or(SOCKET_PORT).to_string()])
        .args([
            "-c",
            if options.tcp_port.is_some() {
                "listen_addresses=127.0.0.1"
            } else {
                "listen_addresses="
            },
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ])
        .args([
            "-c",
            "shared_buffers=16MB",
            "-c",
            "max_connections=50",
            "-c",
            "unix_socket_permissions=0700",
        ]);
    for (name, value) in &options.settings {
        let value = value.replace("{dir}", &dir.display().to_string());
        command.args(["-c", &format!("{name}={value}")]);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .process_group(0);
    as_account(&mut command, account, dir);
    command
        .spawn()
        .map_err(|e| fail(format!("cannot start {}: {e}", bin.join("postgres").display())))
}

/// Stops the server and removes `dir` once this process is gone, however it ends.
fn spawn_watchdog(server_pid: u32, dir: &Path) -> Option<Child> {
    let script = r#"while kill -0 "$1" 2>/dev/null; do sleep 0.2; done
kill -QUIT "$2" 2>/dev/null
i=0; while kill -0 "$2" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
rm -rf "$3""#;
    Command::new("sh")
        .args(["-c", script, "quarry-pg-watchdog"])
        .arg(std::process::id().to_string())
        .arg(server_pid.to_string())
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()
}
