//! Applying migrations: the folder the code generator reads is the folder the app migrates
//! with (docs/migrations.md).
//!
//! ```text
//! static MIGRATOR: quarry::migrate::Migrator = quarry::migrations!("migrations");
//! MIGRATOR.run(&client).await?;   // at start-up: applies what is pending, once
//! ```
//!
//! **History.** Applied migrations are rows of `quarry_migrations` (version, description,
//! SHA-256 checksum of the file, when, how long), created on first use.
//!
//! **Exactly once.** Each migration runs in its own transaction that first takes a
//! transaction-level advisory lock (`pg_try_advisory_xact_lock`, key derived from the history
//! table's name) and then re-reads the history: of several instances starting at once, one
//! applies the migration, the others skip it once it is committed. A transaction-level lock is
//! held by the server connection of the transaction, so this also holds through PgBouncer in
//! transaction mode. A migration that cannot run in a transaction (`CREATE INDEX
//! CONCURRENTLY`, goose `NO TRANSACTION`, dbmate `transaction:false`) runs statement by
//! statement under the session-level lock (`pg_try_advisory_lock`) instead, which needs a
//! session: a direct connection or PgBouncer in session mode. The locks are *tried*, with a
//! pause between tries (10 ms doubling to 250 ms), never waited for inside a transaction: a
//! waiting transaction would hold up the lock holder's `CREATE INDEX CONCURRENTLY` (it waits
//! for older transactions to end) — a deadlock the race test found.
//!
//! **Checks before anything runs.** A migration whose file changed after it was applied, a
//! version in the history that is not in the folder, and a pending migration older than the
//! newest applied one (out of order; allowed with [`Migrator::allow_out_of_order`]) are
//! errors naming the file. A failing migration is rolled back and reported at `file:line:column`.
//!
//! Every statement goes through the simple query protocol with values written as literals:
//! nothing is prepared, so any pooler mode works.

mod adopt;
mod error;
mod session;

pub use error::MigrateError;
use session::{execute, finish, first_value, hex, literal, unhex, LockPause};

use std::borrow::Cow;
use std::time::{Duration, Instant};
use tokio_postgres::{Client, SimpleQueryMessage};

/// One migration, as [`crate::migrations!`] embeds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The number its file name starts with.
    pub version: i64,
    /// Its name without version and extension.
    pub description: Cow<'static, str>,
    /// Its file, as errors name it.
    pub file: Cow<'static, str>,
    /// The "up" SQL, positions as in the file (other parts blanked).
    pub up: Cow<'static, str>,
    /// The "down" SQL, when the format has one.
    pub down: Option<Cow<'static, str>>,
    /// Whether it runs in a transaction.
    pub transaction: bool,
    /// SHA-256 of the file (and of its `.down.sql` twin, for golang-migrate).
    pub checksum: Cow<'static, [u8]>,
    /// Byte ranges of the statements of `up`, run one by one.
    pub statements: Cow<'static, [(u32, u32)]>,
    /// Byte ranges of the statements of `down`.
    pub down_statements: Cow<'static, [(u32, u32)]>,
}

/// Applies, checks, reverts and reports a set of migrations. Built by
/// [`crate::migrations!`] at compile time, or from migrations read at run time.
#[derive(Debug, Clone)]
pub struct Migrator {
    migrations: Cow<'static, [Migration]>,
    table: Cow<'static, str>,
    out_of_order: bool,
}

/// The history table's default name.
pub const HISTORY_TABLE: &str = "quarry_migrations";

/// One migration applied by [`Migrator::run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Its version.
    pub version: i64,
    /// Its description.
    pub description: String,
    /// How long it ran.
    pub elapsed: Duration,
}

/// Where a migration stands, for [`Migrator::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Applied, with this file's checksum.
    Applied,
    /// Applied, but the file changed since.
    Changed,
    /// Not applied yet.
    Pending,
    /// In the history, but no file has its version.
    Missing,
}

/// One line of [`Migrator::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The version.
    pub version: i64,
    /// The description (from the file, else from the history).
    pub description: String,
    /// Where it stands.
    pub state: State,
}

impl Migrator {
    /// A migrator over `migrations` (in version order), with history table
    /// `quarry_migrations`. [`crate::migrations!`] calls this.
    pub const fn new(migrations: &'static [Migration]) -> Migrator {
        Migrator {
            migrations: Cow::Borrowed(migrations),
            table: Cow::Borrowed(HISTORY_TABLE),
            out_of_order: false,
        }
    }

    /// A migrator over migrations read at run time (`cargo quarry migrate`), sorted by version.
    pub fn from_migrations(mut migrations: Vec<Migration>) -> Migrator {
        migrations.sort_by_key(|m| m.version);
        Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::new(&[])
        }
    }

    /// Keeps the history in `table` (`name` or `schema.name`) instead of `quarry_migrations`.
    pub fn with_table(mut self, table: impl Into<Cow<'static, str>>) -> Migrator {
        self.table = table.into();
        self
    }

    /// Applies a pending migration older than the newest applied one instead of refusing it
    /// (branches merged with interleaved versions).
    pub fn allow_out_of_order(mut self, allow: bool) -> Migrator {
        self.out_of_order = allow;
        self
    }

    /// The migrations, in version order.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The advisory lock key: a hash of the history table's name (FNV-1a), so two apps with
    /// their own history tables in one database do not wait on each other.
    fn lock_key(&self) -> i64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.table.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        hash as i64
    }

    /// Applies every pending migration, in order, each exactly once even when several
    /// instances run this at once; returns those this call applied.
    pub async fn run(&self, client: &Client) -> Result<Vec<Applied>, MigrateError> {
        self.ensure_table(client).await?;
        let history = self.history(client).await?;
        self.check(&history)?;
        let mut applied = Vec::new();
        for migration in self.migrations.iter() {
            if history.iter().any(|h| h.0 == migration.version) {
                continue;
            }
            let started = Instant::now();
            let done = match migration.transaction {
                true => self.apply_in_transaction(client, migration).await?,
                false => self.apply_outside_transaction(client, migration).await?,
            };
            if done {
                applied.push(Applied {
                    version: migration.version,
                    description: migration.description.to_string(),
                    elapsed: started.elapsed(),
                });
            }
        }
        Ok(applied)
    }

    /// Every migration's state, and the history's versions no file has.
    pub async fn status(&self, client: &Client) -> Result<Vec<Status>, MigrateError> {
        let history = match self.table_exists(client).await? {
            true => self.history(client).await?,
            false => Vec::new(),
        };
        let mut status: Vec<Status> = self
            .migrations
            .iter()
            .map(|m| Status {
                version: m.version,
                description: m.description.to_string(),
                state: match history.iter().find(|h| h.0 == m.version) {
                    Some(h) if h.2 == *m.checksum => State::Applied,
                    Some(_) => State::Changed,
                    None => State::Pending,
                },
            })
            .collect();
        for (version, description, _) in &history {
            if !self.migrations.iter().any(|m| m.version == *version) {
                status.push(Status {
                    version: *version,
                    description: description.clone(),
                    state: State::Missing,
                });
            }
        }
        status.sort_by_key(|s| s.version);
        Ok(status)
    }

    /// Reverts the newest applied migration with its down part; returns its version, or
    /// `None` when nothing is applied.
    pub async fn revert(&self, client: &Client) -> Result<Option<i64>, MigrateError> {
        if !self.table_exists(client).await? {
            return Ok(None);
        }
        let history = self.history(client).await?;
        let Some((version, description, _)) = history.last() else {
            return Ok(None);
        };
        let migration =
            self.migrations
                .iter()
                .find(|m| m.version == *version)
                .ok_or_else(|| MigrateError::Missing {
                    version: *version,
                    description: description.clone(),
                })?;
        let down = migration.down.as_deref().ok_or_else(|| MigrateError::NoDown {
            version: *version,
            file: migration.file.to_string(),
        })?;
        let delete = format!("DELETE FROM {} WHERE version = {}", self.table, migration.version);
        let statements = (down, &*migration.down_statements);
        match migration.transaction {
            true => {
                self.begin_locked(client).await?;
                let result = async {
                    // Another instance may have reverted it while this one waited for the lock.
                    if self.applied(client, migration.version).await? {
                        execute(client, migration, statements, true).await?;
                        client.batch_execute(&delete).await?;
                    }
                    Ok(())
                }
                .await;
                finish(client, result).await?;
            }
            false => {
                self.outside_transaction(client, async {
                    if self.applied(client, migration.version).await? {
                        execute(client, migration, statements, false).await?;
                        client.batch_execute(&delete).await?;
                    }
                    Ok(())
                })
                .await?;
            }
        }
        Ok(Some(*version))
    }

    /// Marks every migration up to `version` as applied without running it (a database whose
    /// schema is already there); returns how many were marked.
    pub async fn baseline(&self, client: &Client, version: i64) -> Result<usize, MigrateError> {
        self.ensure_table(client).await?;
        let history = self.history(client).await?;
        let marks: Vec<&Migration> = self
            .migrations
            .iter()
            .filter(|m| m.version <= version && !history.iter().any(|h| h.0 == m.version))
            .collect();
        for migration in &marks {
            let insert = self.record(migration, Duration::ZERO);
            client.batch_execute(&insert).await?;
        }
        Ok(marks.len())
    }

    /// Takes over the history of the tool the folder came from, when the database has one:
    /// goose (`goose_db_version`), golang-migrate or dbmate (`schema_migrations`), sql-migrate
    /// (`gorp_migrations`). The migrations it applied are marked applied here. Returns the
    /// tool's name and how many were marked, or `None` when no such table exists.
    pub async fn adopt(&self, client: &Client) -> Result<Option<(&'static str, usize)>, MigrateError> {
        let Some((tool, applied)) = adopt::applied_elsewhere(client).await? else {
            return Ok(None);
        };
        let versions: Vec<i64> = match applied {
            adopt::Elsewhere::Versions(versions) => versions,
            adopt::Elsewhere::UpTo(newest) => self
                .migrations
                .iter()
                .map(|m| m.version)
                .filter(|v| *v <= newest)
                .collect(),
        };
        self.ensure_table(client).await?;
        let history = self.history(client).await?;
        let mut marked = 0;
        for version in versions {
            let Some(migration) = self.migrations.iter().find(|m| m.version == version) else {
                return Err(MigrateError::Adopt(format!(
                    "{tool} applied version {version}, which no file in the folder has"
                )));
            };
            if !history.iter().any(|h| h.0 == version) {
                client.batch_execute(&self.record(migration, Duration::ZERO)).await?;
                marked += 1;
            }
        }
        Ok(Some((tool, marked)))
    }

    /// [`Migrator::run`] for the blocking flavour, on the client's own runtime.
    #[cfg(feature = "sync")]
    pub fn run_blocking(&self, client: &crate::sync::Client) -> Result<Vec<Applied>, MigrateError> {
        client.block_on(self.run(client.as_async()))
    }

    /// [`Migrator::status`] for the blocking flavour.
    #[cfg(feature = "sync")]
    pub fn status_blocking(&self, client: &crate::sync::Client) -> Result<Vec<Status>, MigrateError> {
        client.block_on(self.status(client.as_async()))
    }

    /// [`Migrator::revert`] for the blocking flavour.
    #[cfg(feature = "sync")]
    pub fn revert_blocking(&self, client: &crate::sync::Client) -> Result<Option<i64>, MigrateError> {
        client.block_on(self.revert(client.as_async()))
    }

    fn check(&self, history: &[(i64, String, Vec<u8>)]) -> Result<(), MigrateError> {
        for (version, description, checksum) in history {
            match self.migrations.iter().find(|m| m.version == *version) {
                Some(m) if *m.checksum != checksum[..] => {
                    return Err(MigrateError::Changed {
                        version: *version,
                        file: m.file.to_string(),
                    })
                }
                Some(_) => {}
                None => {
                    return Err(MigrateError::Missing {
                        version: *version,
                        description: description.clone(),
                    })
                }
            }
        }
        let newest = history.iter().map(|h| h.0).max();
        if let (Some(newest), false) = (newest, self.out_of_order) {
            if let Some(m) = self
                .migrations
                .iter()
                .find(|m| m.version < newest && !history.iter().any(|h| h.0 == m.version))
            {
                return Err(MigrateError::OutOfOrder {
                    version: m.version,
                    file: m.file.to_string(),
                    newest,
                });
            }
        }
        Ok(())
    }

    /// `BEGIN` holding the transaction-level advisory lock. Never waits inside a transaction:
    /// a waiting transaction would hold up a concurrent `CREATE INDEX CONCURRENTLY` (which waits
    /// for older transactions) run by the instance holding the lock — a deadlock. So the lock
    /// is tried, and on failure the transaction is ended and tried again after a pause.
    async fn begin_locked(&self, client: &Client) -> Result<(), tokio_postgres::Error> {
        let try_lock = format!("SELECT pg_try_advisory_xact_lock({})", self.lock_key());
        let mut pause = LockPause::default();
        loop {
            client.batch_execute("BEGIN").await?;
            if first_value(client, &try_lock).await?.as_deref() == Some("t") {
                return Ok(());
            }
            client.batch_execute("ROLLBACK").await?;
            pause.wait().await;
        }
    }

    /// The session-level advisory lock, tried the same way (see [`Migrator::begin_locked`]).
    async fn lock_session(&self, client: &Client) -> Result<(), tokio_postgres::Error> {
        let try_lock = format!("SELECT pg_try_advisory_lock({})", self.lock_key());
        let mut pause = LockPause::default();
        while first_value(client, &try_lock).await?.as_deref() != Some("t") {
            pause.wait().await;
        }
        Ok(())
    }

    async fn ensure_table(&self, client: &Client) -> Result<(), MigrateError> {
        let create = format!(
            "CREATE TABLE IF NOT EXISTS {} (\
               version bigint PRIMARY KEY, description text NOT NULL, checksum bytea NOT NULL, \
               installed_on timestamptz NOT NULL DEFAULT now(), execution_ms bigint NOT NULL)",
            self.table
        );
        // Under the lock: two `CREATE TABLE IF NOT EXISTS` at once can still collide.
        self.begin_locked(client).await?;
        let result = async {
            client.batch_execute(&create).await?;
            Ok(())
        }
        .await;
        finish(client, result).await
    }

    async fn table_exists(&self, client: &Client) -> Result<bool, MigrateError> {
        let sql = format!("SELECT to_regclass({}) IS NOT NULL", literal(&self.table));
        Ok(first_value(client, &sql).await?.as_deref() == Some("t"))
    }

    /// `(version, description, checksum)` of every applied migration, by version.
    async fn history(&self, client: &Client) -> Result<Vec<(i64, String, Vec<u8>)>, MigrateError> {
        let sql = format!(
            "SELECT version, description, encode(checksum, 'hex') FROM {} ORDER BY version",
            self.table
        );
        let mut history = Vec::new();
        for message in client.simple_query(&sql).await? {
            if let SimpleQueryMessage::Row(row) = message {
                let version = row.get(0).and_then(|v| v.parse().ok()).unwrap_or_default();
                let description = row.get(1).unwrap_or_default().to_string();
                history.push((version, description, unhex(row.get(2).unwrap_or_default())));
            }
        }
        Ok(history)
    }

    fn record(&self, migration: &Migration, elapsed: Duration) -> String {
        format!(
            "INSERT INTO {} (version, description, checksum, execution_ms) VALUES ({}, {}, '\\x{}'::bytea, {})",
            self.table,
            migration.version,
            literal(&migration.description),
            hex(&migration.checksum),
            elapsed.as_millis()
        )
    }

    async fn applied(&self, client: &Client, version: i64) -> Result<bool, MigrateError> {
        let sql = format!("SELECT 1 FROM {} WHERE version = {version}", self.table);
        Ok(first_value(client, &sql).await?.is_some())
    }

    /// Returns false when another instance applied it meanwhile.
    async fn apply_in_transaction(&self, client: &Client, migration: &Migration) -> Result<bool, MigrateError> {
        self.begin_locked(client).await?;
        let result = async {
            if self.applied(client, migration.version).await? {
                return Ok(false);
            }
            let started = Instant::now();
            execute(client, migration, (&migration.up, &migration.statements), true).await?;
            client.batch_execute(&self.record(migration, started.elapsed())).await?;
            Ok(true)
        }
        .await;
        finish(client, result).await
    }

    async fn apply_outside_transaction(&self, client: &Client, migration: &Migration) -> Result<bool, MigrateError> {
        self.outside_transaction(client, async {
            if self.applied(client, migration.version).await? {
                return Ok(false);
            }
            let started = Instant::now();
            execute(client, migration, (&migration.up, &migration.statements), false).await?;
            client.batch_execute(&self.record(migration, started.elapsed())).await?;
            Ok(true)
        })
        .await
    }

    /// Runs `work` under the session-level advisory lock, for what cannot run in a
    /// transaction; the lock is released whatever the outcome.
    async fn outside_transaction<T>(
        &self,
        client: &Client,
        work: impl std::future::Future<Output = Result<T, MigrateError>>,
    ) -> Result<T, MigrateError> {
        self.lock_session(client).await?;
        let result = work.await;
        let unlock = format!("SELECT pg_advisory_unlock({})", self.lock_key());
        let unlocked = client.batch_execute(&unlock).await;
        let value = result?;
        unlocked?;
        Ok(value)
    }
}

/// What differs between the migrations generated code expects (`(version, file)`, from the
/// schema folder it was generated against) and the default history table: each expected
/// migration not applied, and an applied one newer than every expected. Empty when the
/// database has no `quarry_migrations` (migrated by another tool) or on a read error (the
/// query checks of `verify` report a broken connection).
pub(crate) async fn compare_with_history(client: &Client, expected: &[(i64, &str)]) -> Vec<String> {
    let migrator = Migrator::new(&[]);
    let history = match migrator.table_exists(client).await {
        Ok(true) => match migrator.history(client).await {
            Ok(history) => history,
            Err(_) => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let mut problems: Vec<String> = expected
        .iter()
        .filter(|(version, _)| !history.iter().any(|h| h.0 == *version))
        .map(|(version, file)| {
            format!("migration {version} ({file}) is not applied to this database; the code was generated with it: run the migrations first")
        })
        .collect();
    let newest_expected = expected.iter().map(|m| m.0).max().unwrap_or(i64::MIN);
    if let Some((version, description, _)) = history.iter().rev().find(|h| h.0 > newest_expected) {
        problems.push(format!(
            "the database has migration {version} ({description}), newer than the code's newest ({newest_expected}): regenerate the code from the current migrations"
        ));
    }
    problems
}
