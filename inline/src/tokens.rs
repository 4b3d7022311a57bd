//! Tokens the code generator and the `query!` macro both write: identifiers (with `r#` where
//! needed) and a query's `static ::quarry::Query`.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

/// An identifier, escaped as `r#name` when it is a keyword.
pub fn ident(name: &str, span: Span) -> Ident {
    if crate::names::is_keyword(name) {
        Ident::new_raw(name, span)
    } else {
        Ident::new(name, span)
    }
}

/// What a `static ::quarry::Query` holds.
#[derive(Debug)]
pub struct QueryStatic<'a> {
    /// The query's name in errors and spans.
    pub name: &'a str,
    /// The SQL with `$n` parameters.
    pub sql: &'a str,
    /// Parameter type OIDs (`0`: inferred by the server).
    pub param_oids: Vec<u32>,
    /// Whether a replica may run it.
    pub read_only: bool,
    /// Result columns: name and wire type name.
    pub columns: Vec<(&'a str, &'a str)>,
    /// Where it comes from: `file:line` as an expression (a literal, or `concat!(file!(), …)`).
    pub source: TokenStream,
}

impl QueryStatic<'_> {
    /// `static <static_name>: ::quarry::Query = ::quarry::Query { … };`
    pub fn to_tokens(&self, static_name: &Ident) -> TokenStream {
        let QueryStatic {
            name,
            sql,
            read_only,
            source,
            ..
        } = self;
        let oids = self.param_oids.iter().map(|&oid| Literal::u32_unsuffixed(oid));
        let column_names = self.columns.iter().map(|(name, _)| name);
        let column_types = self.columns.iter().map(|(_, wire)| wire);
        quote! {
            static #static_name: ::quarry::Query = ::quarry::Query {
                name: #name,
                sql: #sql,
                param_oids: &[#(#oids),*],
                read_only: #read_only,
                columns: &[#((#column_names, #column_types)),*],
                source: #source,
            };
        }
    }
}
