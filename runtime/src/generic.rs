//! [`GenericClient`]: the one trait generated async functions accept.

use crate::cache::StatementCache;
use crate::query::{param_type, Query};
use postgres_types::ToSql;
use std::future::Future;
use tokio_postgres::{RowStream, Statement};

pub(crate) mod sealed {
    /// Only quarry implements the client traits, so new methods are not breaking changes.
    pub trait Sealed {}
}

/// Anything a generated async function can run on: [`crate::Client`],
/// [`crate::Transaction`], and plain `tokio_postgres::Client` / `tokio_postgres::Transaction`.
///
/// The quarry wrappers keep a per-connection statement cache: a call prepares its statement
/// once, and every later call is a single round trip (Bind + Execute). The plain
/// tokio-postgres types have nowhere to keep a cache, so they use the unnamed, typed protocol
/// instead (Parse + Bind + Execute in one round trip, parameter types from the generator) —
/// also one round trip, at the cost of the server parsing the statement each time; this is
/// also the mode that works behind PgBouncer in transaction mode.
///
/// This trait is sealed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot run quarry queries",
    note = "pass a `quarry::Client`, a `quarry::Transaction`, or a `tokio_postgres::Client` / `Transaction`"
)]
pub trait GenericClient: sealed::Sealed + Sync {
    #[doc(hidden)]
    fn __query(
        &self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = Result<RowStream, tokio_postgres::Error>> + Send;
}

/// The cached statement for `query`, preparing it (with the generator's parameter types) on a miss.
pub(crate) async fn prepared<P>(
    cache: &StatementCache,
    query: &'static Query,
    prepare: P,
) -> Result<Statement, tokio_postgres::Error>
where
    P: Future<Output = Result<Statement, tokio_postgres::Error>>,
{
    if let Some(statement) = cache.get(query.sql) {
        return Ok(statement);
    }
    let statement = prepare.await?;
    cache.insert(query.sql, statement.clone());
    Ok(statement)
}

fn typed<'a>(
    query: &'static Query,
    params: &'a [&'a (dyn ToSql + Sync)],
) -> impl Iterator<Item = (&'a (dyn ToSql + Sync), postgres_types::Type)> + 'a {
    params
        .iter()
        .zip(query.param_oids)
        .map(|(p, &oid)| (*p, param_type(oid)))
}

/// The unnamed path of the plain tokio-postgres clients. Parameters of user-defined types
/// need their real type (an enum's or composite's OID differs per database), so those
/// queries are described first: two round trips instead of one.
macro_rules! unnamed_query {
    ($client:expr, $query:expr, $params:expr) => {{
        let (client, query, params) = ($client, $query, $params);
        if query.types_known() {
            return client.query_typed_raw(query.sql, typed(query, params)).await;
        }
        let statement = client.prepare_typed(query.sql, &query.param_types()).await?;
        client.query_raw(&statement, params.iter().copied()).await
    }};
}

impl sealed::Sealed for tokio_postgres::Client {}

impl GenericClient for tokio_postgres::Client {
    async fn __query(
        &self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<RowStream, tokio_postgres::Error> {
        unnamed_query!(self, query, params)
    }
}

impl sealed::Sealed for tokio_postgres::Transaction<'_> {}

impl GenericClient for tokio_postgres::Transaction<'_> {
    async fn __query(
        &self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<RowStream, tokio_postgres::Error> {
        unnamed_query!(self, query, params)
    }
}
