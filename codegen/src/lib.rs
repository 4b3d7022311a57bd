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
//! The pipeline, one module per stage: [`scan`] → [`parse`] → [`database`] →
//! [`introspect`] → [`model`] → [`emit`] → [`write`](mod@write).

pub mod config;
pub mod config_file;
pub mod copy;
pub mod database;
pub mod diagnostic;
pub mod embedded;
pub mod emit;
pub mod error;
mod hash;
pub mod inline;
pub mod introspect;
pub mod migrations;
pub mod model;
pub mod naming;
pub mod nullability;
pub mod param_names;
pub mod parse;
pub mod pg;
pub mod progress;
pub mod route;
pub use quarry_inline::scan;
pub mod snapshot;
#[cfg(feature = "sqlc")]
pub mod sqlc;
pub mod stamp;
pub mod table_models;
pub mod types;
pub mod write;

pub use config::{Config, Generated};
pub use diagnostic::Diagnostic;
pub use emit::Flavor;
pub use error::Error;
pub use progress::Progress;
pub use types::TimeCrate;
pub use write::WriteReport;
