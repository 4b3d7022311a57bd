//! [`Transaction`]: commit explicitly, roll back on drop; isolation levels, savepoints, the
//! closure form, and [`retry`] for serialization failures and deadlocks.

use crate::cache::StatementCache;
use crate::error::Error;
use crate::execute::{cached_or_prepared, run, StatementMode};
use crate::generic::{sealed, GenericClient};
use crate::query::Query;
use postgres_types::ToSql;
use std::ops::Deref;
use std::time::Duration;

pub use tokio_postgres::IsolationLevel;

/// The settings of a transaction builder — isolation, read-only, deferrable — written once for
/// the async builder and the blocking one; `$($field).+` leads to the tokio-postgres builder.
macro_rules! transaction_settings {
    ($($field:ident).+) => {
        /// READ COMMITTED (PostgreSQL's default), REPEATABLE READ or SERIALIZABLE.
        pub fn isolation(mut self, level: $crate::IsolationLevel) -> Self {
            self.$($field).+ = self.$($field).+.isolation_level(level);
            self
        }

        /// A read-only transaction: writes fail with SQLSTATE 25006.
        pub fn read_only(mut self, read_only: bool) -> Self {
            self.$($field).+ = self.$($field).+.read_only(read_only);
            self
        }

        /// DEFERRABLE: with SERIALIZABLE and read-only, waits for a snapshot that cannot fail.
        pub fn deferrable(mut self, deferrable: bool) -> Self {
            self.$($field).+ = self.$($field).+.deferrable(deferrable);
            self
        }
    };
}
#[cfg(feature = "sync")]
pub(crate) use transaction_settings;

/// Options of a transaction about to start; see [`crate::Client::build_transaction`].
pub struct TransactionBuilder<'a> {
    pub(crate) inner: tokio_postgres::TransactionBuilder<'a>,
    cache: &'a StatementCache,
    mode: StatementMode,
}

impl std::fmt::Debug for TransactionBuilder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactionBuilder")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl<'a> TransactionBuilder<'a> {
    pub(crate) fn new(client: &'a mut tokio_postgres::Client, cache: &'a StatementCache, mode: StatementMode) -> Self {
        TransactionBuilder {
            inner: client.build_transaction(),
            cache,
            mode,
        }
    }

    transaction_settings!(inner);

    /// Sends `BEGIN …`.
    pub async fn start(self) -> Result<Transaction<'a>, Error> {
        Ok(Transaction {
            inner: self.inner.start().await?,
            cache: self.cache,
            mode: self.mode,
        })
    }
}

/// A transaction on a [`crate::Client`]: [`commit`](Transaction::commit) it; dropped without
/// that — on an early return, an error or a panic — it rolls back. Nested transactions
/// ([`transaction`](Transaction::transaction)) are savepoints.
pub struct Transaction<'a> {
    inner: tokio_postgres::Transaction<'a>,
    cache: &'a StatementCache,
    mode: StatementMode,
}

impl Transaction<'_> {
    /// A nested transaction: a savepoint. Committing it releases the savepoint; dropping it
    /// (or an error inside it) rolls back to the savepoint, and the outer transaction goes on.
    pub async fn transaction(&mut self) -> Result<Transaction<'_>, Error> {
        Ok(Transaction {
            inner: self.inner.transaction().await?,
            cache: self.cache,
            mode: self.mode,
        })
    }

    /// [`crate::Client::in_transaction`] one level down: `work` runs in a savepoint.
    pub async fn in_transaction<T, E>(
        &mut self,
        work: impl AsyncFnOnce(&mut Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<Error>,
    {
        let savepoint = self.transaction().await?;
        savepoint.run(work).await
    }

    /// Runs `work`, then commits on `Ok` and rolls back on `Err`.
    pub(crate) async fn run<T, E>(
        mut self,
        work: impl AsyncFnOnce(&mut Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<Error>,
    {
        match work(&mut self).await {
            Ok(value) => {
                self.commit().await?;
                Ok(value)
            }
            Err(error) => {
                // The work's error is the one to report; a failed rollback only means the
                // connection is gone, which the next call will say.
                let _ = self.rollback().await;
                Err(error)
            }
        }
    }

    /// Limits every later statement of this transaction to `limit` (`SET LOCAL
    /// statement_timeout`): one that runs longer fails with
    /// [`crate::ErrorKind::StatementTimeout`]. Ends with the transaction.
    pub async fn statement_timeout(&self, limit: std::time::Duration) -> Result<(), Error> {
        let millis = limit.as_millis().max(1);
        Ok(self
            .inner
            .batch_execute(&format!("SET LOCAL statement_timeout = {millis}"))
            .await?)
    }

    /// Binds `query` to a portal (a server-side cursor), preparing it through the cache.
    pub(crate) async fn portal(
        &self,
        query: &'static Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<tokio_postgres::Portal, tokio_postgres::Error> {
        if self.mode == StatementMode::Unnamed {
            // Inside the transaction, so on one server connection even behind PgBouncer; the
            // statement is closed when dropped, before the transaction ends.
            let client = tokio_postgres::GenericClient::client(&self.inner);
            self.cache.unnamed.load(client, true).await?;
        }
        let client = tokio_postgres::GenericClient::client(&self.inner);
        let cache = (self.mode == StatementMode::Prepared).then_some(self.cache);
        let statement = cached_or_prepared(client, cache, query).await?;
        self.inner.bind_raw(&statement, params.iter().copied()).await
    }

    /// Commits (or releases the savepoint).
    pub async fn commit(self) -> Result<(), Error> {
        Ok(self.inner.commit().await?)
    }

    /// Rolls back (dropping the transaction does the same, without waiting).
    pub async fn rollback(self) -> Result<(), Error> {
        Ok(self.inner.rollback().await?)
    }
}

impl<'a> Deref for Transaction<'a> {
    type Target = tokio_postgres::Transaction<'a>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl sealed::Sealed for Transaction<'_> {}

impl GenericClient for Transaction<'_> {
    async fn __query(&self, query: &'static Query, params: &[&(dyn ToSql + Sync)]) -> Result<crate::rows::Rows, Error> {
        let client = tokio_postgres::GenericClient::client(&self.inner);
        crate::rows::from_tokio(run(client, self.cache, self.mode, true, query, params).await, query)
    }

    fn __raw(&self) -> Result<&tokio_postgres::Client, Error> {
        Ok(tokio_postgres::GenericClient::client(&self.inner))
    }

    fn __cache(&self) -> Option<&StatementCache> {
        (self.mode == StatementMode::Prepared).then_some(self.cache)
    }

    fn __unnamed(&self) -> Option<(&StatementCache, bool)> {
        (self.mode == StatementMode::Unnamed).then_some((self.cache, true))
    }

    fn __in_transaction(&self) -> bool {
        true
    }
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("cached_statements", &self.cache.len())
            .finish_non_exhaustive()
    }
}

/// Errors [`retry`] can judge: whether re-running the transaction may succeed.
pub trait Transient {
    /// Serialization failures, deadlocks and lost connections are transient.
    fn is_transient(&self) -> bool;
}

impl Transient for Error {
    fn is_transient(&self) -> bool {
        Error::is_transient(self)
    }
}

/// How [`retry`] re-runs a transaction.
#[derive(Debug, Clone)]
pub struct RetryOptions {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Delay before the second attempt; doubled each time, with ±50 % jitter.
    pub base_delay: Duration,
    /// The longest delay between attempts.
    pub max_delay: Duration,
    /// The isolation level of every attempt.
    pub isolation: IsolationLevel,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            max_attempts: 5,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(1),
            isolation: IsolationLevel::Serializable,
        }
    }
}

/// Runs `work` in a fresh transaction (at `policy.isolation`) and commits it; when the work or
/// the commit fails with a transient error — serialization failure (40001), deadlock (40P01),
/// lost connection — rolls back, waits (exponential backoff with jitter) and runs it again, up
/// to `policy.max_attempts`. Other errors are returned at once. `work` must be safe to
/// re-run: everything it does in the database is rolled back between attempts.
pub async fn retry<T, E>(
    client: &mut crate::Client,
    policy: &RetryOptions,
    mut work: impl AsyncFnMut(&mut Transaction<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error> + Transient,
{
    let mut attempt = 1;
    loop {
        let transaction = client.build_transaction().isolation(policy.isolation).start().await?;
        let result = transaction.run(async |tx| work(tx).await).await;
        match result {
            Err(error) if error.is_transient() && attempt < policy.max_attempts => {
                tokio::time::sleep(backoff(policy, attempt)).await;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// `base × 2^(attempt-1)`, capped, times a jitter factor in [0.5, 1.5).
pub(crate) fn backoff(policy: &RetryOptions, attempt: u32) -> Duration {
    let exponential = policy.base_delay.saturating_mul(1 << (attempt - 1).min(16));
    let capped = exponential.min(policy.max_delay);
    capped.mul_f64(0.5 + jitter())
}

/// A pseudo-random number in [0, 1) — enough to de-synchronise competing retries.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}
