//! Reading another tool's migration history, for [`super::Migrator::adopt`]: a team moving to
//! quarry from goose, golang-migrate, dbmate or sql-migrate keeps its folder and its database.
//!
//! | tool | table | what it holds |
//! |---|---|---|
//! | goose | `goose_db_version (id, version_id, is_applied, tstamp)` | a row per up (and, in old versions, per down); version 0 is goose's own |
//! | golang-migrate | `schema_migrations (version bigint, dirty boolean)` | one row: the newest version applied; `dirty` after a failure |
//! | dbmate | `schema_migrations (version varchar)` | a row per applied version |
//! | sql-migrate | `gorp_migrations (id text, applied_at)` | a row per applied file name |

use super::{first_value, literal, MigrateError};
use tokio_postgres::{Client, SimpleQueryMessage};

/// What another tool's history says was applied.
pub(super) enum Elsewhere {
    /// These versions.
    Versions(Vec<i64>),
    /// Every version up to this one (golang-migrate keeps only the newest).
    UpTo(i64),
}

/// The tool whose history table exists, and what it applied.
pub(super) async fn applied_elsewhere(client: &Client) -> Result<Option<(&'static str, Elsewhere)>, MigrateError> {
    if exists(client, "goose_db_version").await? {
        // The newest row of each version says whether it is applied.
        let sql = "SELECT version_id FROM (SELECT DISTINCT ON (version_id) version_id, is_applied \
                   FROM goose_db_version ORDER BY version_id, id DESC) v \
                   WHERE is_applied AND version_id > 0 ORDER BY version_id";
        return Ok(Some(("goose", Elsewhere::Versions(numbers(client, sql).await?))));
    }
    if exists(client, "schema_migrations").await? {
        let dirty = "SELECT count(*) FROM information_schema.columns \
                     WHERE table_name = 'schema_migrations' AND column_name = 'dirty' \
                     AND table_schema = ANY (current_schemas(false))";
        if first_value(client, dirty).await?.as_deref() != Some("0") {
            let sql = "SELECT version::bigint, dirty FROM schema_migrations";
            let mut newest = None;
            for message in client.simple_query(sql).await? {
                if let SimpleQueryMessage::Row(row) = message {
                    if row.get(1) == Some("t") {
                        return Err(MigrateError::Adopt(format!(
                            "golang-migrate left version {} dirty (it failed half-way): fix the schema, then `migrate force`",
                            row.get(0).unwrap_or("?")
                        )));
                    }
                    newest = row.get(0).and_then(|v| v.parse::<i64>().ok());
                }
            }
            let applied = newest.map_or(Elsewhere::Versions(Vec::new()), Elsewhere::UpTo);
            return Ok(Some(("golang-migrate", applied)));
        }
        let sql = "SELECT version::bigint FROM schema_migrations ORDER BY 1";
        return Ok(Some(("dbmate", Elsewhere::Versions(numbers(client, sql).await?))));
    }
    if exists(client, "gorp_migrations").await? {
        let sql = "SELECT substring(id FROM '^[0-9]+')::bigint FROM gorp_migrations \
                   WHERE id ~ '^[0-9]+' ORDER BY 1";
        return Ok(Some(("sql-migrate", Elsewhere::Versions(numbers(client, sql).await?))));
    }
    Ok(None)
}

async fn exists(client: &Client, table: &str) -> Result<bool, MigrateError> {
    let sql = format!("SELECT to_regclass({}) IS NOT NULL", literal(table));
    Ok(first_value(client, &sql).await?.as_deref() == Some("t"))
}

async fn numbers(client: &Client, sql: &str) -> Result<Vec<i64>, MigrateError> {
    let mut out = Vec::new();
    for message in client.simple_query(sql).await? {
        if let SimpleQueryMessage::Row(row) = message {
            if let Some(n) = row.get(0).and_then(|v| v.parse().ok()) {
                out.push(n);
            }
        }
    }
    Ok(out)
}
