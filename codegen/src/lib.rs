//! # quarry-codegen
//!
//! Turns annotated PostgreSQL `.sql` files into typed Rust functions, checked against a real
//! server: the database named by `DATABASE_URL`, or a throwaway PostgreSQL that quarry starts
//! from the local server binaries and loads with your schema files.
//!
//! ```toml
//! # Cargo.toml
//! [dependencies]
//! quarry-runtime = "0.1"        # imported as `quarry`
//! [build-dependencies]
//! quarry-codegen = "0.1"
//! ```
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     quarry_codegen::Config::new().queries("queries").schema("queries/schema.sql").compile()?;
//!     Ok(())
//! }
//! ```
//!
//! ```text
//! // src/main.rs
//! quarry::include_queries!();   // or: include!(concat!(env!("OUT_DIR"), "/quarry/mod.rs"));
//! let id: i32 = tasks::add_task(&client, "Learn quarry", "").await?;
//! ```
//!
//! ## What is API
//!
//! [`Config`] (and [`config_file`] for `quarry.toml`), [`sqlc::Project`] (feature `sqlc`),
//! [`embedded::EmbeddedServer`] (a throwaway PostgreSQL for your own tests), [`Error`] and
//! [`Diagnostic`], [`Progress`], and what their signatures name ([`Layout`], [`OutputFile`],
//! [`Generated`], [`Model`], [`WriteReport`]).
//!
//! The pipeline's stages are modules too — scan → parse → database → introspect → model →
//! emit → write — and stay public for the `cargo quarry` command and quarry's own tests,
//! but hidden from these docs: they change with the generator, without notice.

pub mod config;
pub mod config_file;
pub mod diagnostic;
pub mod embedded;
pub mod error;
pub mod progress;
#[cfg(feature = "sqlc")]
pub mod sqlc;
pub mod write;

#[doc(hidden)]
pub mod bulk;
mod companions;
#[doc(hidden)]
pub mod copy;
#[doc(hidden)]
pub mod database;
#[doc(hidden)]
pub mod dynamic;
#[doc(hidden)]
pub mod emit;
mod hash;
#[doc(hidden)]
pub mod inline;
#[doc(hidden)]
pub mod introspect;
mod json_columns;
#[doc(hidden)]
pub mod migrations;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod naming;
#[doc(hidden)]
pub mod nullability;
#[doc(hidden)]
pub mod param_names;
#[doc(hidden)]
pub mod parse;
#[doc(hidden)]
pub mod pg;
#[doc(hidden)]
pub mod route;
#[doc(hidden)]
pub use quarry_inline::scan;
#[doc(hidden)]
pub mod snapshot;
#[doc(hidden)]
pub mod stamp;
#[doc(hidden)]
pub mod table_models;
#[doc(hidden)]
pub mod types;

pub use config::{Config, Generated};
pub use diagnostic::Diagnostic;
pub use emit::{Flavor, Layout, OutputFile};
pub use error::Error;
pub use model::Model;
pub use progress::Progress;
pub use types::TimeCrate;
pub use write::WriteReport;
