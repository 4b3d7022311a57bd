//! Where the types come from: the database named by `DATABASE_URL` (live: it must already
//! hold the schema; quarry never runs DDL on it), or else the embedded throwaway server with
//! the schema files loaded into it.

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::embedded::EmbeddedServer;
use crate::error::Error;
use crate::pg::{ConnectConfig, Connection, Host, PgError};
use crate::progress::{Listener, Progress};
use crate::scan::{scan, TokenKind};
use std::time::Duration;

/// SQLSTATE 25P01: `LOCK TABLE` outside a transaction block.
const NO_ACTIVE_SQL_TRANSACTION: &str = "25P01";
/// SQLSTATE 42P06: the schema exists.
const DUPLICATE_SCHEMA: &str = "42P06";

/// A connected database, and the embedded server behind it if there is one.
#[derive(Debug)]
pub struct Database {
    /// The connection used for introspection.
    pub client: Connection,
    /// Kept alive until the database is dropped; `None` for a live `DATABASE_URL`.
    pub server: Option<EmbeddedServer>,
}

/// Connects to `url`, or starts the embedded server and loads `schema` into it.
pub fn open(url: Option<&str>, schema: &[SourceFile], progress: &Listener) -> Result<Database, Error> {
    match url {
        Some(url) => Ok(Database {
            client: connect(url, "DATABASE_URL")?,
            server: None,
        }),
        None => {
            progress.report(Progress::StartingServer);
            let server = EmbeddedServer::start()?;
            let mut client = connect(&server.connection_string("postgres"), "the embedded PostgreSQL")?;
            load_schema(&mut client, schema, progress)?;
            Ok(Database {
                client,
                server: Some(server),
            })
        }
    }
}

/// Loads `schema` into the (empty) database at `url` exactly as into the embedded server:
/// statement by statement, meta-commands and headed queries already blanked by the caller.
pub fn load_into(url: &str, schema: &[SourceFile]) -> Result<(), Error> {
    let mut client = connect(url, "the database")?;
    load_schema(&mut client, schema, &Listener::default())
}

/// How long connecting may take — TCP connect, TLS and the startup handshake together — unless
/// the URL's `connect_timeout` says otherwise: `QUARRY_CONNECT_TIMEOUT` seconds, default 10
/// (libpq has no default and waits as long as the OS does; a build must not hang).
pub fn connect_deadline(config: &ConnectConfig) -> Duration {
    config
        .connect_timeout
        .unwrap_or_else(|| seconds_from_env("QUARRY_CONNECT_TIMEOUT", 10))
}

/// How long introspection may wait for the database (all the queries' prepares, the catalog
/// reads): `QUARRY_INTROSPECT_TIMEOUT` seconds, default 60.
pub fn introspect_deadline() -> Duration {
    seconds_from_env("QUARRY_INTROSPECT_TIMEOUT", 60)
}

/// The error for a connection that failed or stalled after it was opened (introspection).
pub fn lost(error: PgError) -> Error {
    match error {
        PgError::Timeout => Error::Database {
            message: format!(
                "the database did not answer the introspection within {:.0?}",
                introspect_deadline()
            ),
            hint: "the server stalled (or is very slow); check it, or raise QUARRY_INTROSPECT_TIMEOUT (seconds)".into(),
        },
        e => Error::Database {
            message: format!("the connection to the database failed during introspection: {e}"),
            hint: "check that the server is up; the queries themselves were not the problem".into(),
        },
    }
}

fn seconds_from_env(var: &str, default: u64) -> Duration {
    let seconds = std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| *s > 0.0);
    seconds.map_or(Duration::from_secs(default), Duration::from_secs_f64)
}

/// `host:port` pairs of a config, for messages.
fn endpoints(config: &ConnectConfig) -> String {
    config
        .endpoints()
        .iter()
        .map(|(host, port)| match host {
            Host::Tcp(name) => format!("{name}:{port}"),
            Host::Unix(dir) => format!("{}:{port}", dir.display()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn connect(url: &str, what: &str) -> Result<Connection, Error> {
    let config = crate::pg::parse_config(url).map_err(|e| Error::Database {
        message: format!("{what} is not a valid connection string ({}): {e}", redact(url)),
        hint: "use the form postgres://user:password@host:port/database".into(),
    })?;
    if config.requires_tls {
        return Err(Error::Database {
            message: format!("{what} asks for TLS ({}), which quarry's build-time connection does not speak", redact(url)),
            hint: "generate against a database reachable without TLS (sslmode=prefer or disable): a local or CI copy of the schema, or the embedded server (unset DATABASE_URL)".into(),
        });
    }
    let deadline = connect_deadline(&config);
    // The deadline bounds the whole attempt: a server that accepts and then never answers
    // (a stuck server, a half-open firewall) must not hang a build.
    Connection::connect(&config, deadline).map_err(|e| match e {
        PgError::Timeout => Error::Database {
            message: format!(
                "cannot connect to {what} ({}): {} accepted no PostgreSQL session within {:.0?}",
                redact(url),
                endpoints(&config),
                deadline
            ),
            hint: "the server is not answering; check it, or raise the deadline with connect_timeout=<seconds> in the URL or QUARRY_CONNECT_TIMEOUT".into(),
        },
        e => Error::Database {
            message: format!("cannot connect to {what} ({}, tried {}): {e}", redact(url), endpoints(&config)),
            hint: "check that the server is running and the URL is right, or unset DATABASE_URL to let quarry start a throwaway server from the schema files".into(),
        },
    })
}

/// Applies each schema file one statement at a time (simple query protocol), so an error
/// without a position still points at the statement that failed.
fn load_schema(client: &mut Connection, schema: &[SourceFile], progress: &Listener) -> Result<(), Error> {
    for (index, file) in schema.iter().enumerate() {
        progress.report(Progress::LoadingSchema {
            index,
            total: schema.len(),
        });
        for statement in statements(&file.text) {
            let sql = &file.text[statement.clone()];
            let mut result = client.batch_execute(sql);
            // `LOCK TABLE` (sql-migrate and goose files hold them) runs only in a transaction
            // block, as the migration tool would run it: retried inside one.
            if result.as_ref().err().and_then(PgError::code) == Some(NO_ACTIVE_SQL_TRANSACTION) {
                client
                    .batch_execute("BEGIN")
                    .map_err(|e| schema_error(file, statement.start, &e))?;
                result = client.batch_execute(sql);
                let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
                client
                    .batch_execute(end)
                    .map_err(|e| schema_error(file, statement.start, &e))?;
            }
            // pg_dump writes `CREATE SCHEMA public;`, which every fresh database already has.
            let creates_public = || {
                let words: Vec<String> = sql
                    .split_whitespace()
                    .map(|w| w.trim_end_matches(';').to_ascii_lowercase())
                    .collect();
                words == ["create", "schema", "public"]
            };
            if let Err(e) = result {
                if e.code() == Some(DUPLICATE_SCHEMA) && creates_public() {
                    continue;
                }
                return Err(schema_error(file, statement.start, &e));
            }
        }
        // Each file gets the session a migration tool would give it: a pg_dump file empties
        // `search_path` (`set_config('search_path', '', false)`), which must not reach the next
        // file nor the introspection of the queries.
        client
            .batch_execute("RESET ALL")
            .map_err(|e| schema_error(file, 0, &e))?;
    }
    Ok(())
}

/// Byte ranges of the statements of a schema file, split at top-level `;` by the scanner.
/// A file the scanner cannot read is sent whole, and PostgreSQL reports the problem.
fn statements(text: &str) -> Vec<std::ops::Range<usize>> {
    let Ok(tokens) = scan(text) else {
        return std::iter::once(0..text.len()).collect();
    };
    let mut ranges = Vec::new();
    let mut start: Option<usize> = None;
    for token in tokens {
        match token.kind {
            TokenKind::LineComment | TokenKind::BlockComment => {}
            TokenKind::Semicolon => {
                ranges.extend(start.take().map(|s| s..token.span.end));
            }
            _ => {
                start.get_or_insert(token.span.start);
            }
        }
    }
    ranges.extend(start.map(|s| s..text.len()));
    ranges
}

fn schema_error(file: &SourceFile, statement_start: usize, e: &PgError) -> Error {
    let Some(db) = e.as_db_error() else {
        return Error::Database {
            message: format!("loading {} failed: {}", file.path, with_causes(e)),
            hint: "the embedded server stopped; see the message above".into(),
        };
    };
    let offset = match db.position() {
        Some(p) => {
            let rest = &file.text[statement_start..];
            statement_start
                + rest
                    .char_indices()
                    .nth((p as usize).saturating_sub(1))
                    .map_or(0, |(i, _)| i)
        }
        None => statement_start,
    };
    let end = file.text[offset..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(file.text.len(), |i| offset + i);
    let diagnostic = Diagnostic::at(file, offset..end.max(offset + 1), db.message())
        .with_postgres(db)
        .with_help("the schema file does not load into a fresh PostgreSQL database");
    Error::Diagnostics(vec![diagnostic])
}

/// An error and its chain of causes, `a: b: c`.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The URL with any password replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((credentials, host)) = rest.rsplit_once('@') {
            if let Some((user, _)) = credentials.split_once(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
        return url.to_string();
    }
    url.split_whitespace()
        .map(|kv| {
            if kv.starts_with("password=") {
                "password=***"
            } else {
                kv
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("host=h password=secret user=u"), "host=h password=*** user=u");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
