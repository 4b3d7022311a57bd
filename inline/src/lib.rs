//! What `quarry-codegen` and the `quarry::query!` macro share, kept small so the macro
//! compiles fast: the SQL [`scan`]ner, the inline-query [`template`] parser, the [`entry`]
//! types of inline queries in the offline snapshot, the identifier rules ([`names`]) and the
//! [`tokens`] both write.

pub mod entry;
pub mod names;
pub mod scan;
pub mod template;
pub mod tokens;
