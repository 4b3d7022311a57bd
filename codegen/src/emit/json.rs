//! Nested results read from JSON (docs/nested.md): the structs of the objects a query builds
//! with `json_build_object(…)`, and the `FromJson` impls of those structs, of the tables'
//! `models` read from `json_agg(b)`, and of enums.

use super::{call, extra_attributes, ident, EmitOptions};
use crate::model::Query;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// The structs of the JSON objects `query`'s columns build.
pub(super) fn structs(query: &Query, options: &EmitOptions) -> TokenStream {
    let extra = extra_attributes(&options.row_derives, &options.row_attributes);
    let structs = query.json_structs.iter().map(|s| {
        let name = format_ident!("{}", s.name);
        let doc = format!(
            " An object of column `{}` of [`{}`], built by `{}`.",
            s.column, query.fn_name, s.sql
        );
        let idents: Vec<Ident> = s.fields.iter().map(|f| ident(&f.field)).collect();
        let fields = s.fields.iter().zip(&idents).map(|(f, field)| {
            let ty = call::ty(&f.ty, f.nullable);
            let doc = format!(
                " Key `{}`: {} ({}).",
                f.key,
                if f.nullable { "may be null" } else { "never null" },
                f.reason
            );
            quote! { #[doc = #doc] pub #field: #ty }
        });
        let keys: Vec<String> = s.fields.iter().map(|f| f.key.clone()).collect();
        let from_json = from_json(&name, &idents, &keys);
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq)]
            #extra
            pub struct #name { #(#fields),* }
            #from_json
        }
    });
    quote! { #(#structs)* }
}

/// `FromJson` for a struct read from an object with these keys, one per field.
pub(super) fn from_json(name: &Ident, idents: &[Ident], keys: &[String]) -> TokenStream {
    quote! {
        impl ::quarry::types::FromJson for #name {
            fn from_json(
                raw: &::quarry::serde_json::value::RawValue,
            ) -> ::core::result::Result<Self, ::quarry::types::JsonError> {
                let mut object = ::quarry::types::JsonObject::parse(raw)?;
                ::core::result::Result::Ok(#name { #(#idents: object.field(#keys)?),* })
            }
        }
    }
}

/// `FromJson` for an enum: its label, as `to_json` writes it.
pub(super) fn enum_from_json(name: &Ident) -> TokenStream {
    quote! {
        impl ::quarry::types::FromJson for #name {
            fn from_json(
                raw: &::quarry::serde_json::value::RawValue,
            ) -> ::core::result::Result<Self, ::quarry::types::JsonError> {
                let label: ::std::string::String = ::quarry::types::FromJson::from_json(raw)?;
                label
                    .parse()
                    .map_err(|e: ::quarry::types::ParseEnumError| ::quarry::types::JsonError::new(e.to_string()))
            }
        }
    }
}
