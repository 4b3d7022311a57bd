//! The shared `types` module: one Rust enum per PostgreSQL enum, one struct per composite,
//! with their `ToSql`/`FromSql` impls. Types outside `public` go in a module named after
//! their schema.

use super::{extra_attributes, ident, optional, parse_type, EmitOptions};
use crate::naming::{attribute as field_name, variant as variant_name};
use crate::types::{RustType, UserType, UserTypeKind};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeMap;

pub(super) fn emit(types: &[UserType], options: &EmitOptions) -> TokenStream {
    let mut by_module: BTreeMap<Option<String>, Vec<&UserType>> = BTreeMap::new();
    for ty in types {
        by_module.entry(ty.module()).or_default().push(ty);
    }
    let modules = by_module.into_iter().map(|(module, types)| {
        // The ways to the `types` and `models` modules from where these types are defined.
        let root = match module {
            Some(_) => ("super", "super::super::models"),
            None => ("self", "super::models"),
        };
        let items = types.iter().map(|t| user_type(t, root, options));
        match module {
            None => quote! { #(#items)* },
            Some(name) => {
                let doc = format!(" Types of schema `{name}`.");
                let name = ident(&name);
                quote! { #[doc = #doc] pub mod #name { #(#items)* } }
            }
        }
    });
    quote! { #(#modules)* }
}

fn user_type(ty: &UserType, root: (&str, &str), options: &EmitOptions) -> TokenStream {
    let extra = extra_attributes(&options.type_derives, &[]);
    match &ty.kind {
        UserTypeKind::Enum(labels) => enumeration(ty, labels, extra),
        UserTypeKind::Composite(fields) => composite(ty, fields, root, extra),
        UserTypeKind::Domain(base) => domain(ty, base, root, extra),
    }
}

/// A domain's newtype: the base type's wire format and checks on the server; in Rust, a type
/// of its own.
fn domain(ty: &UserType, base: &RustType, root: (&str, &str), extra: TokenStream) -> TokenStream {
    let name = format_ident!("{}", ty.rust_name);
    let inner = parse_type(&base.owned, root);
    let to_sql = to_sql_impl(
        &name,
        quote!(ty),
        quote! { ::quarry::types::ToSql::to_sql(&self.0, ty, out) },
        quote! {
            fn accepts(ty: &::quarry::types::Type) -> bool {
                <#inner as ::quarry::types::ToSql>::accepts(ty)
            }
        },
    );
    let doc = format!(
        " PostgreSQL domain `{}.{}` over `{}`: the server checks its constraints; in Rust it is a \
         type of its own (`Deref` and `From` reach the `{}` inside).",
        ty.schema,
        ty.pg_name,
        base.pg_name,
        base.owned
            .replace(crate::types::TYPES_PATH, "types")
            .replace(crate::types::MODELS_PATH, "models")
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #extra
        pub struct #name(pub #inner);

        impl ::core::ops::Deref for #name {
            type Target = #inner;
            fn deref(&self) -> &#inner {
                &self.0
            }
        }

        impl ::core::convert::From<#inner> for #name {
            fn from(value: #inner) -> Self {
                #name(value)
            }
        }

        impl<'a> ::quarry::types::FromSql<'a> for #name {
            fn from_sql(ty: &::quarry::types::Type, raw: &'a [u8]) -> ::core::result::Result<Self, ::quarry::types::BoxError> {
                <#inner as ::quarry::types::FromSql<'a>>::from_sql(ty, raw).map(#name)
            }
            fn accepts(ty: &::quarry::types::Type) -> bool {
                <#inner as ::quarry::types::FromSql<'a>>::accepts(ty)
            }
        }

        #to_sql
    }
}

fn accepts(ty: &UserType) -> TokenStream {
    let (schema, name) = (&ty.schema, &ty.pg_name);
    quote! {
        fn accepts(ty: &::quarry::types::Type) -> bool {
            ::quarry::types::user::is(ty, #schema, #name)
        }
    }
}

fn enumeration(ty: &UserType, labels: &[String], extra: TokenStream) -> TokenStream {
    let name = format_ident!("{}", ty.rust_name);
    let variants: Vec<_> = labels.iter().map(|l| format_ident!("{}", variant_name(l))).collect();
    let bytes = labels.iter().map(|l| Literal::byte_string(l.as_bytes()));
    let count = Literal::usize_unsuffixed(labels.len());
    let doc = format!(" PostgreSQL enum `{}.{}`.", ty.schema, ty.pg_name);
    let variant_docs = labels.iter().map(|l| format!(" `{l}`"));
    let pg_name = format!("{}.{}", ty.schema, ty.pg_name);
    let accepts = accepts(ty);
    let to_sql = to_sql_impl(
        &name,
        quote!(_),
        quote! {
            out.extend_from_slice(self.as_str().as_bytes());
            ::core::result::Result::Ok(::quarry::types::IsNull::No)
        },
        accepts.clone(),
    );
    let from_json = ty.json.then(|| super::json::enum_from_json(&name));
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #extra
        pub enum #name { #(#[doc = #variant_docs] #variants),* }

        impl #name {
            /// Every label, in the order PostgreSQL declares (and sorts) them.
            pub const ALL: [#name; #count] = [#(#name::#variants),*];

            /// The label as PostgreSQL spells it.
            pub const fn as_str(&self) -> &'static str {
                match self { #(#name::#variants => #labels),* }
            }
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::str::FromStr for #name {
            type Err = ::quarry::types::ParseEnumError;
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                match s {
                    #(#labels => ::core::result::Result::Ok(#name::#variants),)*
                    _ => ::core::result::Result::Err(::quarry::types::ParseEnumError::new(#pg_name, s)),
                }
            }
        }

        impl<'a> ::quarry::types::FromSql<'a> for #name {
            fn from_sql(_: &::quarry::types::Type, raw: &'a [u8]) -> ::core::result::Result<Self, ::quarry::types::BoxError> {
                match raw {
                    #(#bytes => ::core::result::Result::Ok(#name::#variants),)*
                    other => ::core::result::Result::Err(::quarry::types::user::unknown_label(#pg_name, other)),
                }
            }
            #accepts
        }

        #to_sql
        #from_json
    }
}

fn composite(ty: &UserType, fields: &[(String, RustType)], root: (&str, &str), extra: TokenStream) -> TokenStream {
    let name = format_ident!("{}", ty.rust_name);
    let idents: Vec<_> = fields.iter().map(|(f, _)| ident(&field_name(f))).collect();
    let pg_fields: Vec<_> = fields.iter().map(|(f, _)| f.clone()).collect();
    let not_null = |f: &String| ty.not_null_fields.contains(f);
    let types = fields
        .iter()
        .map(|(f, rust)| optional(parse_type(&rust.owned, root), !not_null(f)));
    let docs = fields.iter().map(|(f, rust)| match not_null(f) {
        true => format!(" `{f}` ({}, NOT NULL in the table).", rust.pg_name),
        false => format!(" `{f}` ({}).", rust.pg_name),
    });
    let doc = if ty.table_row {
        format!(
            " The row type of table `{}.{}`, as a value (`SELECT t FROM t`, `array_agg(t)`). The table's \
             `NOT NULL` columns are not `Option`; a value built elsewhere with a NULL there \
             (`ROW(…)::{}`) fails to decode, naming the field.",
            ty.schema, ty.pg_name, ty.pg_name
        )
    } else {
        format!(
            " PostgreSQL composite type `{}.{}`. Every field is an `Option`: PostgreSQL cannot declare a composite's fields `NOT NULL`.",
            ty.schema, ty.pg_name
        )
    };
    let impls = composite_impls(&name, &idents, &pg_fields, (&ty.schema, &ty.pg_name));
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #extra
        pub struct #name { #(#[doc = #docs] pub #idents: #types),* }
        #impls
    }
}

/// `FromSql` and `ToSql` of a struct read from, and written as, PostgreSQL composite
/// `pg_type` = (schema, name): fields by name, in the type's attribute order. Shared by
/// free-standing composites and the `models` structs of tables whose row type is a value.
pub(super) fn composite_impls(
    name: &proc_macro2::Ident,
    idents: &[proc_macro2::Ident],
    pg_fields: &[String],
    (schema, pg_name): (&str, &str),
) -> TokenStream {
    let count = Literal::usize_unsuffixed(idents.len());
    let accepts = quote! {
        fn accepts(ty: &::quarry::types::Type) -> bool {
            ::quarry::types::user::is(ty, #schema, #pg_name)
        }
    };
    let to_sql = to_sql_impl(
        name,
        quote!(ty),
        quote! { ::quarry::types::user::write_composite(ty, &[#(&self.#idents),*], out) },
        accepts.clone(),
    );
    quote! {
        impl<'a> ::quarry::types::FromSql<'a> for #name {
            fn from_sql(ty: &::quarry::types::Type, raw: &'a [u8]) -> ::core::result::Result<Self, ::quarry::types::BoxError> {
                let mut fields = ::quarry::types::user::CompositeReader::new(ty, raw, #count)?;
                ::core::result::Result::Ok(#name { #(#idents: fields.field(#pg_fields)?),* })
            }
            #accepts
        }

        #to_sql
    }
}

/// `ToSql` for a generated type: `ty` names (or `_` ignores) the type argument `body` may use;
/// `accepts` is the `accepts` function.
fn to_sql_impl(name: &proc_macro2::Ident, ty: TokenStream, body: TokenStream, accepts: TokenStream) -> TokenStream {
    quote! {
        impl ::quarry::types::ToSql for #name {
            fn to_sql(
                &self,
                #ty: &::quarry::types::Type,
                out: &mut ::quarry::types::user::BytesMut,
            ) -> ::core::result::Result<::quarry::types::IsNull, ::quarry::types::BoxError> {
                #body
            }
            #accepts
            ::quarry::types::user::to_sql_checked!();
        }
    }
}
