//! What `quarry-codegen` and the `quarry::query!` macro share, kept small so the macro
//! compiles fast: the SQL [`scan`]ner, the inline-query [`template`] parser, and the
//! [`entry`] types of inline queries in the offline snapshot.

pub mod entry;
pub mod scan;
pub mod template;
