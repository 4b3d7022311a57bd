//! Where the types come from: the database named by `DATABASE_URL` (live: it must already
//! hold the schema; quarry never runs DDL on it), or else the embedded throwaway server with
//! the schema files loaded into it.

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::embedded::EmbeddedServer;
use crate::error::Error;
use std::time::Duration;
use tokio_postgres::error::ErrorPosition;
use tokio_postgres::{Client, NoTls};

/// A connected database, and the embedded server behind it if there is one.
pub struct Database {
    /// The connection used for introspection.
    pub client: Client,
    /// Kept alive until the database is dropped; `None` for a live `DATABASE_URL`.
    pub server: Option<EmbeddedServer>,
}

/// Connects to `url`, or starts the embedded server and loads `schema` into it.
pub async fn open(url: Option<&str>, schema: &[SourceFile]) -> Result<Database, Error> {
    match url {
        Some(url) => Ok(Database {
            client: connect(url, "DATABASE_URL").await?,
            server: None,
        }),
        None => {
            let server = EmbeddedServer::start()?;
            let client = connect(&server.connection_string("postgres"), "the embedded PostgreSQL").await?;
            load_schema(&client, schema).await?;
            Ok(Database {
                client,
                server: Some(server),
            })
        }
    }
}

async fn connect(url: &str, what: &str) -> Result<Client, Error> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| Error::Database {
        message: format!("{what} is not a valid connection string ({}): {e}", redact(url)),
        hint: "use the form postgres://user:password@host:port/database".into(),
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let (client, connection) = config.connect(NoTls).await.map_err(|e| Error::Database {
        message: format!("cannot connect to {what} ({}): {}", redact(url), with_causes(&e)),
        hint: "check that the server is running and the URL is right, or unset DATABASE_URL to let quarry start a throwaway server from the schema files".into(),
    })?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Applies each schema file with the simple query protocol, mapping errors into the file.
async fn load_schema(client: &Client, schema: &[SourceFile]) -> Result<(), Error> {
    for file in schema {
        if let Err(e) = client.batch_execute(&file.text).await {
            let Some(db) = e.as_db_error() else {
                return Err(Error::Database {
                    message: format!("loading {} failed: {e}", file.path),
                    hint: "the embedded server stopped; see the message above".into(),
                });
            };
            let offset = match db.position() {
                Some(ErrorPosition::Original(p)) => file
                    .text
                    .char_indices()
                    .nth((*p as usize).saturating_sub(1))
                    .map_or(0, |(i, _)| i),
                _ => 0,
            };
            let end = file.text[offset..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(file.text.len(), |i| offset + i);
            let diagnostic = Diagnostic::at(file, offset..end.max(offset + 1), db.message()).with_hint(format!(
                "the schema file does not load into a fresh PostgreSQL (SQLSTATE {})",
                db.code().code()
            ));
            return Err(Error::Diagnostics(vec![diagnostic]));
        }
    }
    Ok(())
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
