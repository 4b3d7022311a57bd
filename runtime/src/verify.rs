//! Drift detection at start-up: the generated `verify(&client)` prepares every query against
//! the live database and compares what the server says with what was generated.

use crate::error::Error;
use crate::generic::GenericClient;
use crate::query::{param_type, Query};
use crate::types::base_type;
use futures_util::future::join_all;
use postgres_types::{Kind, Type};
use std::fmt;

/// One query whose database no longer matches its generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The query's name.
    pub query: &'static str,
    /// Its `file:line`.
    pub source: &'static str,
    /// What differs, e.g. ``column `title` is now `text`, was generated as `varchar` ``.
    pub problem: String,
}

/// Every drifted query found by one `verify` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// The drifts, in query order.
    pub drifts: Vec<Drift>,
}

impl From<Error> for VerifyError {
    /// The client cannot be verified at all (quarry's own driver, which does not prepare
    /// through tokio-postgres yet).
    fn from(error: Error) -> Self {
        VerifyError {
            drifts: vec![Drift {
                query: "(client)",
                source: "",
                problem: error.to_string(),
            }],
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} generated quer{} no longer match the database; regenerate the code or migrate the database:",
            self.drifts.len(),
            if self.drifts.len() == 1 { "y" } else { "ies" }
        )?;
        for drift in &self.drifts {
            writeln!(f, "  query `{}` ({}): {}", drift.query, drift.source, drift.problem)?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyError {}

/// Prepares every query of `modules` on `client` (all at once: one round trip for the lot
/// plus type look-ups) and compares parameter types, column names and column types.
/// Returns how many queries were checked. Nullability cannot be checked this way (the
/// server does not report it); `cargo quarry check` covers it.
pub async fn verify<C>(client: &C, modules: &[&[&'static Query]]) -> Result<usize, VerifyError>
where
    C: GenericClient + ?Sized,
{
    let queries = all(modules);
    let raw = client.__raw()?;
    let prepared = join_all(queries.iter().map(|q| raw.prepare(q.sql))).await;
    report(&queries, prepared)
}

/// The schemas a connection resolves unqualified names in, as the code generator recorded them.
static SEARCH_PATH: Query = Query {
    name: "search_path",
    sql: "SELECT current_schemas(false)::text[]",
    param_oids: &[],
    read_only: true,
    columns: &[("current_schemas", "_text")],
    source: "quarry::verify",
};

/// [`verify`], and first whether `client` resolves unqualified names in the schemas the code
/// was generated against (`current_schemas(false)`): with another `search_path`, the same SQL
/// can read another schema's table of the same name. An empty `generated` (code from a
/// snapshot that did not record one) skips that check.
pub async fn verify_search_path<C>(
    client: &C,
    modules: &[&[&'static Query]],
    generated: &[&str],
) -> Result<usize, VerifyError>
where
    C: GenericClient + ?Sized,
{
    if generated.is_empty() {
        return verify(client, modules).await;
    }
    let Ok(raw) = client.__raw() else {
        return verify(client, modules).await;
    };
    let path: Result<Vec<String>, _> = raw.query_one(SEARCH_PATH.sql, &[]).await.map(|row| row.get(0));
    with_search_path(path, generated, verify(client, modules).await)
}

/// [`verify_search_path`], and the migrations the code was generated against (the schema
/// folder's, `(version, file)`), compared with the database's `quarry_migrations` history: a
/// migration not applied yet (the database is older than the code) or an applied one newer
/// than the code's newest (the code is older than the database) is a drift naming it. A
/// database without quarry's history table (migrated by another tool) is not compared.
pub async fn verify_with_migrations<C>(
    client: &C,
    modules: &[&[&'static Query]],
    generated: &[&str],
    migrations: &[(i64, &'static str)],
) -> Result<usize, VerifyError>
where
    C: GenericClient + ?Sized,
{
    let queries = verify_search_path(client, modules, generated).await;
    let problems = crate::migrate::compare_with_history(client.__raw()?, migrations).await;
    let drifts = problems.into_iter().map(|problem| Drift {
        query: "(migrations)",
        source: MIGRATIONS_SOURCE,
        problem,
    });
    first_then(drifts.collect(), queries)
}

/// `drifts` (of the whole connection) before the query drifts; the query count when there are
/// none of either.
fn first_then(mut drifts: Vec<Drift>, queries: Result<usize, VerifyError>) -> Result<usize, VerifyError> {
    if drifts.is_empty() {
        return queries;
    }
    if let Err(e) = queries {
        drifts.extend(e.drifts);
    }
    Err(VerifyError { drifts })
}

/// Where a migration drift comes from.
const MIGRATIONS_SOURCE: &str = "quarry_migrations";

/// Puts a search-path drift first among the query drifts.
fn with_search_path<E: std::fmt::Display>(
    actual: Result<Vec<String>, E>,
    generated: &[&str],
    queries: Result<usize, VerifyError>,
) -> Result<usize, VerifyError> {
    let problem = match actual {
        Ok(actual) if actual.iter().map(String::as_str).eq(generated.iter().copied()) => None,
        Ok(actual) => Some(format!(
            "the connection's search_path resolves names in [{}]; the code was generated against [{}], so unqualified tables may be other ones",
            actual.join(", "),
            generated.join(", ")
        )),
        Err(e) => Some(format!("cannot read the connection's search_path: {e}")),
    };
    let drifts = problem.map(|problem| Drift {
        query: "(search_path)",
        source: SEARCH_PATH.source,
        problem,
    });
    first_then(drifts.into_iter().collect(), queries)
}

fn all(modules: &[&[&'static Query]]) -> Vec<&'static Query> {
    modules.iter().flat_map(|m| m.iter().copied()).collect()
}

/// Compares each prepared statement (or the error preparing it) with its generated query.
fn report(
    queries: &[&'static Query],
    prepared: Vec<Result<tokio_postgres::Statement, tokio_postgres::Error>>,
) -> Result<usize, VerifyError> {
    let mut drifts = Vec::new();
    for (query, statement) in queries.iter().zip(prepared) {
        let drift = |problem: String| Drift {
            query: query.name,
            source: query.source,
            problem,
        };
        match statement {
            Err(e) => {
                let message = e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |db| db.message().to_string());
                drifts.push(drift(format!("no longer prepares: {message}")));
            }
            Ok(statement) => drifts.extend(compare(query, &statement).into_iter().map(drift)),
        }
    }
    if drifts.is_empty() {
        Ok(queries.len())
    } else {
        Err(VerifyError { drifts })
    }
}

/// Whether a parameter the server now types as `actual` is sent as the generated OID: equal
/// after unwrapping domains, also element-wise for arrays (`positive_int[]` is sent as `int4[]`).
fn same_wire_type(actual: &Type, expected: u32) -> bool {
    let actual = base_type(actual);
    if actual.oid() == expected {
        return true;
    }
    match (actual.kind(), Type::from_oid(expected).as_ref().map(Type::kind)) {
        (Kind::Array(element), Some(Kind::Array(generated))) => same_wire_type(element, generated.oid()),
        _ => false,
    }
}

fn compare(query: &Query, statement: &tokio_postgres::Statement) -> Vec<String> {
    let mut problems = Vec::new();
    if statement.params().len() != query.param_oids.len() {
        problems.push(format!(
            "takes {} parameters, was generated with {}",
            statement.params().len(),
            query.param_oids.len()
        ));
    }
    for (i, (actual, &expected)) in statement.params().iter().zip(query.param_oids).enumerate() {
        if expected != 0 && !same_wire_type(actual, expected) {
            problems.push(format!(
                "parameter ${} is now `{}`, was generated as `{}`",
                i + 1,
                base_type(actual).name(),
                param_type(expected).name()
            ));
        }
    }
    // `:exec`-like queries ignore their columns (and were generated without them).
    if query.columns.is_empty() {
        return problems;
    }
    if statement.columns().len() != query.columns.len() {
        problems.push(format!(
            "returns {} columns, was generated with {}",
            statement.columns().len(),
            query.columns.len()
        ));
        return problems;
    }
    for (column, &(name, type_name)) in statement.columns().iter().zip(query.columns) {
        if column.name() != name {
            problems.push(format!("column `{name}` is now named `{}`", column.name()));
        } else if column.type_().name() != type_name {
            problems.push(format!(
                "column `{name}` is now `{}`, was generated as `{type_name}`",
                column.type_().name()
            ));
        }
    }
    problems
}
