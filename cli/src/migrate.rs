//! `cargo quarry migrate`: the migrations folder codegen reads, applied to `DATABASE_URL` by
//! the same engine the app uses (`quarry::migrate::Migrator`), or extended with a new file in
//! the folder's own format. See docs/migrations.md.

use crate::ui::Ui;
use clap::Subcommand;
use quarry::migrate::{Migration, Migrator, State};
use std::path::{Path, PathBuf};

/// What `cargo quarry migrate` does.
#[derive(Subcommand)]
pub(crate) enum Action {
    /// Write the next migration file(s) in the folder's own format (goose, dbmate,
    /// golang-migrate's up/down pair, sql-migrate, tern, numbered).
    Add {
        /// What the migration does, e.g. `add_users_email`.
        name: String,
    },
    /// Apply every pending migration.
    Run,
    /// Revert the newest applied migration with its down part.
    Revert,
    /// List each migration as applied, pending, changed (edited after it was applied) or missing.
    Status,
    /// Mark every migration up to VERSION as applied without running it (an existing database).
    Baseline {
        /// The newest version the database already has.
        version: i64,
    },
    /// Take over the history of goose, golang-migrate, dbmate or sql-migrate.
    Adopt,
}

/// A failed `migrate` command: its exit code (as documented for the CLI: 1 a migration or the
/// history has a problem, 2 usage, 3 the environment) and what to print.
pub(crate) struct Failure {
    /// The exit code.
    pub(crate) code: u8,
    /// The message.
    pub(crate) message: String,
}

fn usage(message: String) -> Failure {
    Failure { code: 2, message }
}

fn environment(message: String) -> Failure {
    Failure { code: 3, message }
}

/// Runs `action` on the migrations in `dir`.
pub(crate) fn run(action: &Action, dir: &Path, database_url: Option<&str>, ui: &Ui) -> Result<(), Failure> {
    if let Action::Add { name } = action {
        return add(dir, name, ui);
    }
    let migrator = Migrator::from_migrations(read(dir)?);
    let url = database_url
        .map(str::to_string)
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .ok_or_else(|| usage("`cargo quarry migrate` needs --database-url or DATABASE_URL".into()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| environment(format!("cannot start a runtime: {e}")))?;
    runtime.block_on(async {
        let client = quarry::Client::connect(&url)
            .await
            .map_err(|e| environment(format!("cannot connect to the database: {e}")))?;
        let failed = |e: quarry::migrate::MigrateError| Failure {
            code: match e {
                quarry::migrate::MigrateError::Database(_) => 3,
                _ => 1,
            },
            message: e.to_string(),
        };
        match action {
            Action::Run => {
                let applied = migrator.run(&client).await.map_err(failed)?;
                for a in &applied {
                    ui.status(&format!(
                        "quarry: applied {} {} ({} ms)",
                        a.version,
                        a.description,
                        a.elapsed.as_millis()
                    ));
                }
                ui.status(&format!("quarry: {} migration(s) applied", applied.len()));
            }
            Action::Revert => match migrator.revert(&client).await.map_err(failed)? {
                Some(version) => ui.status(&format!("quarry: reverted {version}")),
                None => ui.status("quarry: nothing to revert"),
            },
            Action::Status => {
                for s in migrator.status(&client).await.map_err(failed)? {
                    let state = match s.state {
                        State::Applied => "applied",
                        State::Pending => "pending",
                        State::Changed => "changed",
                        State::Missing => "missing",
                    };
                    println!("{state:<8} {:>14}  {}", s.version, s.description);
                }
            }
            Action::Baseline { version } => {
                let marked = migrator.baseline(&client, *version).await.map_err(failed)?;
                ui.status(&format!(
                    "quarry: {marked} migration(s) marked applied, up to {version}"
                ));
            }
            Action::Adopt => match migrator.adopt(&client).await.map_err(failed)? {
                Some((tool, marked)) => ui.status(&format!(
                    "quarry: {tool}'s history adopted: {marked} migration(s) marked applied"
                )),
                None => ui.status("quarry: no goose, golang-migrate, dbmate or sql-migrate history in this database"),
            },
            Action::Add { .. } => unreachable!("handled above"),
        }
        Ok(())
    })
}

/// The folder's migrations, as the app's `quarry::migrations!` embeds them.
fn read(dir: &Path) -> Result<Vec<Migration>, Failure> {
    let files = quarry_inline::migrations::read_dir(dir).map_err(usage)?;
    Ok(files
        .into_iter()
        .map(|m| {
            let ranges = quarry_inline::migrations::statement_ranges;
            Migration {
                version: m.version,
                description: m.description.into(),
                file: m.path.display().to_string().into(),
                statements: ranges(&m.up).into(),
                down_statements: m.down.as_deref().map(ranges).unwrap_or_default().into(),
                up: m.up.into(),
                down: m.down.map(Into::into),
                transaction: m.transaction,
                checksum: m.checksum.to_vec().into(),
            }
        })
        .collect())
}

fn add(dir: &Path, name: &str, ui: &Ui) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| environment(format!("{}: {e}", dir.display())))?;
    let files: Vec<(PathBuf, String)> = quarry_inline::migrations::next_files(dir, name).map_err(usage)?;
    if let Some((path, _)) = files.iter().find(|(path, _)| path.exists()) {
        return Err(usage(format!("{} exists already", path.display())));
    }
    for (path, text) in &files {
        std::fs::write(path, text).map_err(|e| environment(format!("{}: {e}", path.display())))?;
        ui.status(&format!("quarry: wrote {}", path.display()));
    }
    Ok(())
}
