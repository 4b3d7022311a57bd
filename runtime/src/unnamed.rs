//! What [`crate::StatementMode::Unnamed`] needs to know about user-defined types, learned
//! without leaving a named statement on any server connection.
//!
//! Behind PgBouncer in transaction mode, consecutive statements outside a transaction may run
//! on different server connections, so a statement prepared by name on one is missing on the
//! next — and left behind on the first, where another client process's statement of the same
//! name (tokio-postgres numbers them per process, from `s0`) would collide with it. Queries
//! whose parameter and result types are all built in never prepare anything. For user-defined
//! types (enums, composites, ranges) two things must be fetched once per connection, and both
//! run inside one `BEGIN … COMMIT`, which PgBouncer keeps on a single server connection:
//!
//! 1. **The type definitions** (first use of the connection): tokio-postgres resolves an
//!    unknown type OID with its own named "typeinfo" statements, kept per client. Every
//!    non-system type of the database (enums, composites, ranges, domains, extension types,
//!    and their arrays) is described at once, so later calls never need a lookup, and the
//!    statements that did it are deallocated before the commit.
//! 2. **A query's parameter types** (first use of that query): the server infers them from
//!    the SQL; the statement that asked is closed inside the same transaction.
//!
//! A type dropped and re-created after the connection learned it (a migration) makes the
//! server reject its old OID (XX000 "cache lookup failed for type"): that call fails, the
//! connection is marked stale, and a pool replaces it when it comes back, so the next call
//! runs on a connection that knows the new type.
//!
//! A type created after the connection opened is not known to it: open a new connection
//! (the pool's `max_lifetime`, or a new client) to use it. Calls pipelined on the same
//! connection while one of these transactions is open run inside it; if one of them fails,
//! the step fails with it (SQLSTATE 25P02) and is tried again on the next call.

use crate::cache::{key, Key};
use crate::query::Query;
use postgres_types::Type;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio_postgres::{Client, SimpleQueryMessage};

/// The columns of one `SELECT NULL::t, …` that describes user-defined types (PostgreSQL allows
/// 1 664 result columns).
const TYPES_PER_DESCRIBE: usize = 1000;

/// Every type outside the system schemas — enums, stand-alone composites, ranges, domains,
/// extension types such as `citext` or `hstore` — with its array type, as SQL type names.
/// Tables' row types are left out: a database has many and queries rarely return them whole.
const USER_TYPES: &str = "\
SELECT t.oid::regtype::text, NULLIF(t.typarray, 0)::regtype::text
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE (t.typtype <> 'c' OR c.relkind = 'c')
  AND t.typcategory <> 'A'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%'";

/// A query's types as the server described them.
#[derive(Debug)]
pub(crate) struct Described {
    /// The parameter types, OIDs included.
    pub params: Vec<Type>,
    /// Each result column's name and type.
    pub columns: Vec<(String, Type)>,
}

/// Per-connection state of the unnamed mode.
#[derive(Debug, Default)]
pub(crate) struct UnnamedTypes {
    /// Set once the type definitions are loaded.
    loaded: tokio::sync::OnceCell<()>,
    /// One describe at a time: two interleaved `BEGIN … COMMIT` on one connection would not
    /// be two transactions.
    describing: tokio::sync::Mutex<()>,
    described: Mutex<HashMap<Key, Arc<Described>>>,
    /// A user-defined type this connection learned was dropped and re-created, or
    /// tokio-postgres' own type look-up statements were deallocated (`DISCARD ALL`): what it
    /// knows cannot be refreshed in place, so the connection must be replaced; a pool does
    /// that on return.
    stale: std::sync::atomic::AtomicBool,
}

impl UnnamedTypes {
    /// Records that the server rejected a type OID this connection learned.
    pub(crate) fn mark_stale(&self) {
        self.stale.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the connection's type knowledge is out of date (see [`mark_stale`](Self::mark_stale)).
    pub(crate) fn is_stale(&self) -> bool {
        self.stale.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether [`load`](UnnamedTypes::load) has run on this connection.
    pub(crate) fn is_loaded(&self) -> bool {
        self.loaded.initialized()
    }

    /// Loads the database's user-defined types into the connection's type cache, once.
    pub(crate) async fn load(&self, client: &Client, in_transaction: bool) -> Result<(), tokio_postgres::Error> {
        self.loaded
            .get_or_try_init(|| async {
                let _one = self.describing.lock().await;
                load_types(client, in_transaction).await
            })
            .await
            .map(|_| ())
    }

    /// `query`'s parameter and column types, described once per connection.
    pub(crate) async fn describe(
        &self,
        client: &Client,
        in_transaction: bool,
        query: &'static Query,
    ) -> Result<Arc<Described>, tokio_postgres::Error> {
        if let Some(described) = self.described(query) {
            return Ok(described);
        }
        self.load(client, in_transaction).await?;
        let _one = self.describing.lock().await;
        if let Some(described) = self.described(query) {
            return Ok(described);
        }
        let described = Arc::new(
            pinned(client, in_transaction, async {
                let statement = client.prepare_typed(query.sql, &query.param_types()).await?;
                Ok(Described {
                    params: statement.params().to_vec(),
                    columns: statement
                        .columns()
                        .iter()
                        .map(|c| (c.name().to_string(), c.type_().clone()))
                        .collect(),
                })
                // The statement is dropped here, so its Close goes out before the COMMIT.
            })
            .await?,
        );
        self.lock().insert(key(query), described.clone());
        Ok(described)
    }

    /// `query`'s types if this connection described them already.
    pub(crate) fn described(&self, query: &'static Query) -> Option<Arc<Described>> {
        self.lock().get(&key(query)).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<Described>>> {
        self.described.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn load_types(client: &Client, in_transaction: bool) -> Result<(), tokio_postgres::Error> {
    // Each row: a type and its array type (NULL for types without one, dropped by `rows`).
    let names: Vec<String> = rows(client.simple_query(USER_TYPES).await?).flatten().collect();
    if names.is_empty() {
        return Ok(());
    }
    pinned(client, in_transaction, async {
        let before = prepared_statements(client).await?;
        for chunk in names.chunks(TYPES_PER_DESCRIBE) {
            let columns: Vec<String> = chunk.iter().map(|name| format!("NULL::{name}")).collect();
            client.prepare(&format!("SELECT {}", columns.join(", "))).await?;
        }
        // tokio-postgres keeps its typeinfo statements for later lookups; none will come for
        // these types, and left on this server connection they could collide with another
        // process's statements of the same name.
        for name in prepared_statements(client).await? {
            if !before.contains(&name) {
                client
                    .batch_execute(&format!("DEALLOCATE \"{}\"", name.replace('"', "\"\"")))
                    .await?;
            }
        }
        Ok(())
    })
    .await
}

async fn prepared_statements(client: &Client) -> Result<Vec<String>, tokio_postgres::Error> {
    let messages = client.simple_query("SELECT name FROM pg_prepared_statements").await?;
    Ok(rows(messages).filter_map(|row| row.into_iter().next()).collect())
}

/// The text values of a simple query's rows (`NULL`s dropped).
fn rows(messages: Vec<SimpleQueryMessage>) -> impl Iterator<Item = Vec<String>> {
    messages.into_iter().filter_map(|message| match message {
        SimpleQueryMessage::Row(row) => Some((0..row.len()).filter_map(|i| row.get(i).map(str::to_string)).collect()),
        _ => None,
    })
}

/// Runs `work` inside a transaction, so a transaction-mode pooler keeps it on one server
/// connection; inside a caller's transaction it already is.
async fn pinned<T>(
    client: &Client,
    in_transaction: bool,
    work: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, tokio_postgres::Error> {
    let transaction = OwnTransaction::begin(client, !in_transaction).await?;
    let value = work.await?;
    transaction.commit().await?;
    Ok(value)
}

/// A transaction quarry opens around work that needs a named statement (tokio-postgres
/// prepares one for every COPY), so that PgBouncer keeps the work on one server connection.
/// Dropped without [`commit`](OwnTransaction::commit) — an error, or the caller's future
/// dropped — it rolls back (queued on the connection, like tokio-postgres' own transactions).
pub(crate) struct OwnTransaction<'c> {
    client: Option<&'c Client>,
}

impl<'c> OwnTransaction<'c> {
    /// `BEGIN` when `needed` (outside a caller's transaction, in unnamed mode); else nothing.
    pub(crate) async fn begin(client: &'c Client, needed: bool) -> Result<Self, tokio_postgres::Error> {
        if needed {
            client.batch_execute("BEGIN").await?;
        }
        Ok(OwnTransaction {
            client: needed.then_some(client),
        })
    }

    /// For work on a client that is not in unnamed mode, or already in a transaction.
    pub(crate) fn none() -> Self {
        OwnTransaction { client: None }
    }

    /// `COMMIT`, if a transaction was opened.
    pub(crate) async fn commit(mut self) -> Result<(), tokio_postgres::Error> {
        match self.client.take() {
            Some(client) => client.batch_execute("COMMIT").await,
            None => Ok(()),
        }
    }

    /// `ROLLBACK`, if a transaction was opened, awaited: behind PgBouncer in transaction mode,
    /// a statement sent before the ROLLBACK's answer can lose its own answer (PgBouncer unlinks
    /// the server connection when the transaction ends), so error paths roll back before they
    /// return. Its own failure is ignored: the caller reports the error that led here.
    pub(crate) async fn rollback(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.batch_execute("ROLLBACK").await;
        }
    }

    /// `result`, after rolling back (awaited, see [`rollback`](Self::rollback)) when it is an
    /// error: for the steps between `begin` and `commit`.
    pub(crate) async fn or_rollback<T>(
        &mut self,
        result: Result<T, tokio_postgres::Error>,
    ) -> Result<T, tokio_postgres::Error> {
        if result.is_err() {
            std::mem::replace(self, OwnTransaction::none()).rollback().await;
        }
        result
    }
}

impl Drop for OwnTransaction<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            client.__private_api_rollback(None);
        }
    }
}

impl std::fmt::Debug for OwnTransaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnTransaction")
            .field("open", &self.client.is_some())
            .finish()
    }
}
