//! quarry's own PostgreSQL driver, for **true pipeline mode**.
//!
//! [`Connection`] speaks the protocol itself — messages and SCRAM from `postgres-protocol`,
//! values from `postgres-types`, over tokio (and rustls with the `tls` feature) — so that
//! [`quarry::pipeline!`](crate::pipeline) and `:batch*` functions can send many statements
//! under **one Sync**, as libpq's pipeline mode (psycopg's `conn.pipeline()`) and pgx's
//! `Batch` do. tokio-postgres writes a Sync after every statement, which makes the server flush
//! once per statement; see docs/pipelines.md for the semantics and docs/decisions.md for why
//! quarry drives the connection itself.
//!
//! ```no_run
//! # mod tasks {
//! #     pub async fn find_task<C: quarry::GenericClient + ?Sized>(_: &C, _: i32) -> Result<Option<String>, quarry::Error> { Ok(None) }
//! #     pub async fn count_tasks<C: quarry::GenericClient + ?Sized>(_: &C) -> Result<i64, quarry::Error> { Ok(0) }
//! # }
//! # async fn run() -> Result<(), quarry::Error> {
//! let conn = quarry::wire::Connection::connect("host=localhost user=postgres").await?;
//! // One request: Bind/Execute, Bind/Execute, Sync.
//! let (task, count) = quarry::pipeline!(tasks::find_task(&conn, 1), tasks::count_tasks(&conn));
//! # Ok(()) }
//! ```

mod call;
mod connect;
mod connection;
mod driver;
mod pipeline;
mod row;
mod server_error;
mod socket;
mod types;
mod units;

pub use connection::{CancelToken, Connection, Transaction};
#[doc(hidden)]
pub use pipeline::{in_slot, Piped, PipelineScope};
pub use row::{Column, Row, RowStream};
pub use server_error::ServerError;
