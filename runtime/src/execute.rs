//! How one generated call reaches the server: through the connection's statement cache, or
//! unnamed (nothing prepared on the server).

use crate::cache::{is_stale, StatementCache};
use crate::query::{param_type, Query};
use postgres_types::ToSql;
use tokio_postgres::{Client, RowStream};

/// How a client runs generated queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatementMode {
    /// Prepare each query once per connection and keep it in the statement cache: one round
    /// trip per call after the first. The default.
    #[default]
    Prepared,
    /// Prepare nothing named on the server: every call sends Parse + Bind + Execute with the
    /// parameter types the generator fixed, in one round trip (two for queries with
    /// user-defined parameter types, which are described first). For PgBouncer in
    /// transaction mode, where a named statement may be missing on the next server connection.
    Unnamed,
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Runs `query` on `client` in `mode`. Outside a transaction, a cached statement the server
/// invalidated (schema change, `DISCARD ALL`) is re-prepared once and the call retried;
/// inside one the error aborted the transaction, so the statement is only evicted.
pub(crate) async fn run(
    client: &Client,
    cache: &StatementCache,
    mode: StatementMode,
    in_transaction: bool,
    query: &'static Query,
    params: Params<'_>,
) -> Result<RowStream, tokio_postgres::Error> {
    if mode == StatementMode::Unnamed {
        return unnamed(client, Some((cache, in_transaction)), query, params).await;
    }
    let cached = cache.get(query);
    tracing::Span::current().record("cache_hit", cached.is_some());
    let statement = match cached {
        Some(statement) => statement,
        None => prepare(client, cache, query).await?,
    };
    match client.query_raw(&statement, params.iter().copied()).await {
        Err(e) if is_stale(&e) => {
            tracing::debug!(query = query.name, code = ?e.code(), "cached statement invalidated by the server");
            cache.remove(query);
            if in_transaction {
                return Err(e);
            }
            let statement = prepare(client, cache, query).await?;
            crate::metrics::reprepared(query);
            client.query_raw(&statement, params.iter().copied()).await
        }
        result => result,
    }
}

async fn prepare(
    client: &Client,
    cache: &StatementCache,
    query: &'static Query,
) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
    let statement = client
        .prepare_typed(query.sql, &query.param_types())
        .await
        .inspect_err(|e| {
            // Preparing runs no statement of ours: a missing statement here is one of the
            // type look-ups tokio-postgres prepares once per connection, deallocated behind
            // its back (`DISCARD ALL`). It keeps using it, so the connection must go.
            if crate::cache::lookup_statement_lost(e) {
                cache.unnamed.mark_stale();
            }
        })?;
    cache.insert(query, statement.clone());
    Ok(statement)
}

/// `query`'s statement from `cache`, or prepared (and kept there when there is a cache): for
/// the paths that need a statement's description or a named statement (COPY, cursors).
pub(crate) async fn cached_or_prepared(
    client: &Client,
    cache: Option<&StatementCache>,
    query: &'static Query,
) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
    match cache {
        Some(cache) => match cache.get(query) {
            Some(statement) => Ok(statement),
            None => prepare(client, cache, query).await,
        },
        None => client.prepare_typed(query.sql, &query.param_types()).await,
    }
}

/// The unnamed path. Parameters of user-defined types need their real type (an enum's or
/// composite's OID differs per database): a quarry client describes such a query once per
/// connection (see [`crate::unnamed`]); the plain tokio-postgres types, which have nowhere to
/// keep that, prepare it on every call.
pub(crate) async fn unnamed(
    client: &Client,
    state: Option<(&StatementCache, bool)>,
    query: &'static Query,
    params: Params<'_>,
) -> Result<RowStream, tokio_postgres::Error> {
    if let Some((cache, in_transaction)) = state {
        // Result columns of user-defined types must be known before the first row arrives.
        // Both steps run once per connection (per query): boxed, so that every call's future
        // does not carry their state.
        if !cache.unnamed.is_loaded() {
            Box::pin(cache.unnamed.load(client, in_transaction)).await?;
        }
        if !query.types_known() {
            let described = match cache.unnamed.described(query) {
                Some(described) => described,
                None => Box::pin(cache.unnamed.describe(client, in_transaction, query)).await?,
            };
            let typed = params.iter().zip(&described.params).map(|(p, t)| (*p, t.clone()));
            let result = client.query_typed_raw(query.sql, typed).await;
            if result.as_ref().err().is_some_and(crate::cache::type_recreated) {
                tracing::debug!(
                    query = query.name,
                    "a user-defined type was re-created; this connection is stale"
                );
                cache.unnamed.mark_stale();
            }
            return result;
        }
    }
    if query.types_known() {
        let typed = params
            .iter()
            .zip(query.param_oids)
            .map(|(p, &oid)| (*p, param_type(oid)));
        return client.query_typed_raw(query.sql, typed).await;
    }
    let statement = client.prepare_typed(query.sql, &query.param_types()).await?;
    client.query_raw(&statement, params.iter().copied()).await
}
