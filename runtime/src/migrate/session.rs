//! Talking to the server for the migrator: statements run one by one, transactions ended,
//! the lock retried, values written as literals (nothing is prepared: any pooler mode works).

use super::error::failed;
use super::{MigrateError, Migration};
use std::time::Duration;
use tokio_postgres::{Client, SimpleQueryMessage};

/// Runs a migration's statements (of its up or down part) one by one, so an error without a
/// position (a constraint violated by a data migration) still names its statement's line;
/// without known statements, the whole text at once.
pub(super) async fn execute(
    client: &Client,
    migration: &Migration,
    (sql, statements): (&str, &[(u32, u32)]),
    in_transaction: bool,
) -> Result<(), MigrateError> {
    let whole = [(0, sql.len() as u32)];
    let statements = if statements.is_empty() { &whole[..] } else { statements };
    for &(start, end) in statements {
        client
            .batch_execute(&sql[start as usize..end as usize])
            .await
            .map_err(|e| failed(migration, sql, start as usize, e, in_transaction))?;
    }
    Ok(())
}

/// The pause between two tries of the migration lock: 10 ms, doubling up to 250 ms.
pub(super) struct LockPause(Duration);

impl Default for LockPause {
    fn default() -> Self {
        LockPause(Duration::from_millis(10))
    }
}

impl LockPause {
    pub(super) async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(Duration::from_millis(250));
    }
}

/// Commits after success, rolls back after a failure (keeping the first error).
pub(super) async fn finish<T>(client: &Client, result: Result<T, MigrateError>) -> Result<T, MigrateError> {
    match result {
        Ok(value) => {
            client.batch_execute("COMMIT").await?;
            Ok(value)
        }
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK").await;
            Err(e)
        }
    }
}

pub(super) async fn first_value(client: &Client, sql: &str) -> Result<Option<String>, tokio_postgres::Error> {
    for message in client.simple_query(sql).await? {
        if let SimpleQueryMessage::Row(row) = message {
            return Ok(row.get(0).map(str::to_string));
        }
    }
    Ok(None)
}

/// A string literal, quotes doubled.
pub(super) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .filter_map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
        .collect()
}
