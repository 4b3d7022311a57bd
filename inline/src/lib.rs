//! What `quarry-codegen` and the `quarry::query!` macro share, kept small so the macro
//! compiles fast: the SQL [`scan`]ner, the inline-query [`template`] parser, the [`entry`]
//! types of inline queries in the offline snapshot, the identifier rules ([`names`]), the
//! [`tokens`] both write, and how a folder of [`migrations`] is read (codegen types against it,
//! `quarry::migrations!` embeds it, `cargo quarry migrate` applies it).

pub mod entry;
pub mod migrations;
pub mod names;
pub mod scan;
pub mod template;
pub mod tokens;
