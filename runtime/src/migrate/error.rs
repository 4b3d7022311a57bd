//! [`MigrateError`]: what can go wrong, each naming the migration's file.

use super::Migration;
use std::fmt;

/// Why migrating failed.
#[derive(Debug)]
pub enum MigrateError {
    /// The database refused a statement of quarry's own (history, locks) or the connection
    /// failed.
    Database(tokio_postgres::Error),
    /// A migration failed; it was rolled back (unless it runs outside a transaction, where the
    /// statements before the failing one stay applied).
    Failed {
        /// Its version.
        version: i64,
        /// `file:line:column` of the error (the statement's start without a position).
        location: String,
        /// The server's error.
        source: tokio_postgres::Error,
        /// Whether it was rolled back.
        rolled_back: bool,
    },
    /// An applied migration's file changed.
    Changed {
        /// Its version.
        version: i64,
        /// Its file.
        file: String,
    },
    /// The history holds a version no file has.
    Missing {
        /// The version.
        version: i64,
        /// Its description in the history.
        description: String,
    },
    /// A pending migration is older than the newest applied one.
    OutOfOrder {
        /// Its version.
        version: i64,
        /// Its file.
        file: String,
        /// The newest applied version.
        newest: i64,
    },
    /// [`super::Migrator::revert`]: the migration has no down part.
    NoDown {
        /// Its version.
        version: i64,
        /// Its file.
        file: String,
    },
    /// [`super::Migrator::adopt`]: the other tool's history cannot be taken over.
    Adopt(String),
}

impl fmt::Display for MigrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrateError::Database(e) => write!(f, "migrating: {e}"),
            MigrateError::Failed {
                version,
                location,
                source,
                rolled_back,
            } => {
                let cause = source
                    .as_db_error()
                    .map_or_else(|| source.to_string(), |db| db.message().to_string());
                let after = match rolled_back {
                    true => "rolled back",
                    false => "it runs outside a transaction: the statements before this one stay applied",
                };
                write!(f, "{location}: migration {version} failed: {cause} ({after})")
            }
            MigrateError::Changed { version, file } => write!(
                f,
                "{file}: migration {version} was applied, and the file has changed since; \
                 undo the edit and add a new migration instead"
            ),
            MigrateError::Missing { version, description } => write!(
                f,
                "migration {version} ({description}) is applied in the database but no file has it; \
                 restore the file, or delete its row from the history table"
            ),
            MigrateError::OutOfOrder { version, file, newest } => write!(
                f,
                "{file}: migration {version} is pending but {newest} is already applied; \
                 give it a version after {newest}, or allow out-of-order migrations"
            ),
            MigrateError::NoDown { version, file } => {
                write!(f, "{file}: migration {version} has no down part to revert with")
            }
            MigrateError::Adopt(why) => write!(f, "adopting the existing history: {why}"),
        }
    }
}

impl std::error::Error for MigrateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MigrateError::Database(e) | MigrateError::Failed { source: e, .. } => Some(e),
            _ => None,
        }
    }
}

impl From<tokio_postgres::Error> for MigrateError {
    fn from(e: tokio_postgres::Error) -> Self {
        MigrateError::Database(e)
    }
}

/// The error of a failing migration, at the file position PostgreSQL reports (its position
/// counts characters of the SQL sent, which starts at byte `offset` of `up`).
pub(super) fn failed(
    migration: &Migration,
    up: &str,
    offset: usize,
    error: tokio_postgres::Error,
    rolled_back: bool,
) -> MigrateError {
    let position = error.as_db_error().and_then(|db| match db.position() {
        Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p as usize),
        _ => None,
    });
    let sent = &up[offset..];
    let at = offset
        + match position {
            Some(p) => sent
                .char_indices()
                .nth(p.saturating_sub(1))
                .map_or(sent.len(), |(i, _)| i),
            // No position (a constraint violated, say): the statement's first character.
            None => sent.len() - sent.trim_start().len(),
        };
    let before = &up[..at.min(up.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    MigrateError::Failed {
        version: migration.version,
        location: format!("{}:{line}:{column}", migration.file),
        source: error,
        rolled_back,
    }
}
