//! The pieces every query emitter uses (functions, batches, streams, the shared `models`):
//! the runtime call that runs a query once, parameter lists and field types. A leaf module, so
//! `query` can hand a query to `batch` or `stream` without the three importing each other.

use super::{ident, optional, parse_type};
use crate::model::{Column, Query};
use proc_macro2::TokenStream;
use quote::quote;

/// From a query module (or `models`), the shared `types` and `models` modules are siblings.
const FROM_QUERIES: (&str, &str) = ("super::types", "super::models");

/// A field or parameter type, `Option` when nullable.
pub(super) fn ty(rust: &str, nullable: bool) -> TokenStream {
    optional(parse_type(rust, FROM_QUERIES), nullable)
}

/// The runtime call that runs a query once: helper, query static and row decoder.
pub(super) struct SingleCall {
    pub helper: TokenStream,
    pub static_name: proc_macro2::Ident,
    pub decode_arg: Option<TokenStream>,
}

/// The parameters as `name: Type` and as the `&name` references passed to the runtime.
pub(super) fn args(query: &Query) -> (Vec<TokenStream>, Vec<TokenStream>) {
    query
        .params
        .iter()
        .map(|p| {
            let arg = ident(&p.name);
            let ty = ty(&p.ty.param, p.nullable);
            let value = if p.ty.via_domain {
                quote! { &::quarry::__private::AsBase(&#arg) }
            } else {
                quote! { &#arg }
            };
            (quote! { #arg: #ty }, value)
        })
        .unzip()
}

/// The rustdoc of a row field: the column, its type and why it is (not) nullable.
pub(super) fn column_doc(column: &Column) -> String {
    let null = if column.nullable { "nullable" } else { "not null" };
    format!(
        " `{}` ({}, {null}: {}).",
        column.pg_name, column.ty.pg_name, column.nullability_reason
    )
}
