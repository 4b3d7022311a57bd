//! Metrics for the operator, through the [`metrics`](https://docs.rs/metrics) facade
//! (feature `metrics`): the application installs the exporter it runs (Prometheus,
//! StatsD, OpenTelemetry via `metrics-exporter-*` crates); without one, recording is a no-op.
//!
//! Decision: the `metrics` facade rather than the OpenTelemetry SDK. It is what the Rust
//! service crates around quarry record into (axum/tower middlewares, deadpool users, sqlx
//! users via their own wrappers), it costs one small dependency, and an OpenTelemetry
//! pipeline can still consume it (`metrics-exporter-opentelemetry`). Without the feature,
//! every function here compiles to nothing.
//!
//! | name | kind | labels | meaning |
//! |---|---|---|---|
//! | `quarry_query_duration_seconds` | histogram | `query`, `file`, `outcome` | one generated call, from the first byte sent to the last row read (`outcome` = `ok` or `error`) |
//! | `quarry_statements_reprepared_total` | counter | `query` | cached statements the server invalidated (schema change, `DISCARD ALL`, a re-created type) and quarry prepared again |
//! | `quarry_pool_connections` | gauge | `pool` | connections open (idle or in use) |
//! | `quarry_pool_idle` | gauge | `pool` | idle connections |
//! | `quarry_pool_waiting` | gauge | `pool` | tasks waiting for a connection |
//! | `quarry_pool_max_size` | gauge | `pool` | the configured maximum |
//! | `quarry_pool_checkouts_total` | counter | `pool` | [`crate::Pool::get`] calls |
//! | `quarry_pool_waits_total` | counter | `pool` | checkouts that found the pool full and waited |
//! | `quarry_pool_timeouts_total` | counter | `pool` | checkouts that gave up after `wait_timeout` |
//! | `quarry_pool_connection_errors_total` | counter | `pool` | failed attempts to open a connection |
//! | `quarry_pool_connections_lost_total` | counter | `pool` | connections found closed or unhealthy on checkout and replaced |
//! | `quarry_pool_rollbacks_total` | counter | `pool` | connections returned inside a transaction, rolled back |
//!
//! Label values: `query` is the generated function's name, `file` the query file it came
//! from (both fixed at build time, so the number of series is bounded by the number of
//! queries); `pool` is [`crate::PoolOptions::name`].

use crate::query::Query;
use std::time::Duration;

/// Names of the pool counters.
pub mod names {
    /// [`crate::Pool::get`] calls.
    pub const CHECKOUTS: &str = "quarry_pool_checkouts_total";
    /// Checkouts that waited.
    pub const WAITS: &str = "quarry_pool_waits_total";
    /// Checkouts that timed out.
    pub const TIMEOUTS: &str = "quarry_pool_timeouts_total";
    /// Failed connection attempts.
    pub const CONNECTION_ERRORS: &str = "quarry_pool_connection_errors_total";
    /// Connections found broken and replaced.
    pub const CONNECTIONS_LOST: &str = "quarry_pool_connections_lost_total";
    /// Transactions left open and rolled back.
    pub const ROLLBACKS: &str = "quarry_pool_rollbacks_total";
}

/// Records one finished generated call.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn query_finished(query: &'static Query, elapsed: Duration, ok: bool) {
    #[cfg(feature = "metrics")]
    {
        let file = query.source.rsplit_once(':').map_or(query.source, |(file, _)| file);
        let outcome = if ok { "ok" } else { "error" };
        metrics::histogram!(
            "quarry_query_duration_seconds",
            "query" => query.name,
            "file" => file,
            "outcome" => outcome
        )
        .record(elapsed.as_secs_f64());
    }
}

/// Records a cached statement prepared again after the server invalidated it.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn reprepared(query: &'static Query) {
    #[cfg(feature = "metrics")]
    metrics::counter!("quarry_statements_reprepared_total", "query" => query.name).increment(1);
}

/// Adds one to the pool counter `name` (one of [`names`]).
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn pool_event(pool: &str, name: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(name, "pool" => pool.to_owned()).increment(1);
}

/// Sets the pool gauges from the pool's current state.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn pool_gauges(pool: &str, size: usize, idle: usize, waiting: usize, max_size: usize) {
    #[cfg(feature = "metrics")]
    {
        let set = |name: &'static str, value: usize| {
            metrics::gauge!(name, "pool" => pool.to_owned()).set(value as f64);
        };
        set("quarry_pool_connections", size);
        set("quarry_pool_idle", idle);
        set("quarry_pool_waiting", waiting);
        set("quarry_pool_max_size", max_size);
    }
}
