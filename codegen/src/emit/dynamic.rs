//! A dynamic query's function (docs/dynamic.md): its options struct (one `Option` field per
//! optional parameter, one `bool` per flag, the sort choice), the sort enum, the static pieces
//! the runtime assembles each variant from, and the call that picks the variant.

use super::batch::field_type;
use super::call::{ty, SingleCall};
use super::{ident, FlavorTokens};
use crate::dynamic::{Dynamic, Segment};
use crate::model::Query;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

pub(super) fn emit(
    query: &Query,
    dynamic: &Dynamic,
    flavor: &FlavorTokens,
    call: &SingleCall,
    ret: &TokenStream,
    doc: &[String],
) -> TokenStream {
    let camel = crate::naming::camel(&query.fn_name);
    let options = format_ident!("{camel}Options");
    let sort_enum = format_ident!("{camel}Sort");
    let dynamic_static = format_ident!("{}_DYNAMIC", heck::AsShoutySnakeCase(&query.fn_name).to_string());
    let SingleCall {
        helper,
        static_name,
        decode_arg,
    } = call;

    let (options_def, options_ty) = options_struct(query, dynamic, &options, &sort_enum);
    let sort_def = sort_enum_def(query, dynamic, &sort_enum);
    let pieces = dynamic.pieces.iter().map(|piece| {
        let when = match piece.when {
            Some(c) => {
                let c = Literal::u8_unsuffixed(c as u8);
                quote!(::core::option::Option::Some(#c))
            }
            None => quote!(::core::option::Option::None),
        };
        let segments = piece.segments.iter().map(|segment| match segment {
            Segment::Text(text) => quote!(::quarry::__private::Segment::Text(#text)),
            Segment::Param(n) => {
                let n = Literal::u16_unsuffixed(*n as u16);
                quote!(::quarry::__private::Segment::Param(#n))
            }
            Segment::Sort => quote!(::quarry::__private::Segment::Sort),
            Segment::After => quote!(::quarry::__private::Segment::After),
        });
        quote!(::quarry::__private::Piece { when: #when, segments: &[#(#segments),*] })
    });
    let sorts = dynamic.sorts.iter().map(|s| {
        let sql = &s.sql;
        let keys = s.keys.join(", ");
        let descending = s.descending;
        let oids = s.key_types.iter().map(|t| Literal::u32_unsuffixed(t.param_oid));
        quote!(::quarry::__private::Sort { sql: #sql, keys: #keys, descending: #descending, key_oids: &[#(#oids),*] })
    });
    let param_conditions = dynamic.param_conditions.iter().map(|c| match c {
        Some(c) => {
            let c = Literal::u8_unsuffixed(*c as u8);
            quote!(::core::option::Option::Some(#c))
        }
        None => quote!(::core::option::Option::None),
    });

    // Required parameters are arguments; optional ones and flags come from `options`.
    let mut args = Vec::new();
    let mut arg_names = Vec::new();
    let mut pushes = Vec::new();
    for (n, param) in query.params.iter().enumerate() {
        let name = ident(&param.name);
        let value = if param.ty.via_domain {
            quote!(&::quarry::__private::AsBase(value))
        } else {
            quote!(value)
        };
        match dynamic.param_conditions[n] {
            None => {
                let ty = ty(&param.ty.param, param.nullable);
                args.push(quote!(#name: #ty));
                arg_names.push(name.clone());
                pushes.push(quote! { { let value = &#name; params.push(#value); } });
            }
            Some(_) => pushes.push(quote! {
                if let ::core::option::Option::Some(value) = &options.#name { params.push(#value); }
            }),
        }
    }
    let bits = dynamic.conditions.iter().enumerate().map(|(c, condition)| {
        let field = ident(&condition.name);
        let shift = Literal::u32_unsuffixed(c as u32);
        let on = match condition.param {
            Some(_) => quote!(options.#field.is_some()),
            None => quote!(options.#field),
        };
        quote!((u64::from(#on) << #shift))
    });
    let keyset = dynamic.has_after();
    let variant_names: Vec<_> = dynamic
        .sorts
        .iter()
        .map(|s| format_ident!("{}", crate::naming::camel(&s.name)))
        .collect();
    let sort_index = if dynamic.sorts.is_empty() {
        quote!(0)
    } else if keyset {
        let arms = variant_names.iter().enumerate().map(|(i, v)| {
            let i = Literal::u8_unsuffixed(i as u8);
            quote!(#sort_enum::#v { .. } => #i)
        });
        quote!(match &options.sort { #(#arms),* })
    } else {
        quote!(options.sort as u8)
    };
    let after_on = if keyset {
        quote!(match &options.sort { #(#sort_enum::#variant_names { after } => after.is_some()),* })
    } else {
        quote!(false)
    };
    // The keys go last: the runtime numbers them after the variant's other parameters.
    let key_pushes = keyset.then(|| {
        let arms = dynamic.sorts.iter().zip(&variant_names).map(|(sort, v)| {
            let keys: Vec<_> = (0..sort.keys.len()).map(|i| format_ident!("key{i}")).collect();
            quote! {
                #sort_enum::#v { after: ::core::option::Option::Some((#(#keys),*,)) } => { #(params.push(#keys);)* }
            }
        });
        quote! {
            match &options.sort {
                #(#arms)*
                _ => {}
            }
        }
    });
    let capacity = query.params.len();
    let body = quote! {
        let on: u64 = 0 #(| #bits)*;
        let query = #dynamic_static.variant(on, #sort_index, #after_on);
        let mut params: ::std::vec::Vec<&(dyn ::quarry::__private::ToSql + ::core::marker::Sync)> =
            ::std::vec::Vec::with_capacity(#capacity);
        #(#pushes)*
        #key_pushes
        ::quarry::__private::#helper(client, query, &params #decode_arg).await
    };
    let fn_name = ident(&query.fn_name);
    let FlavorTokens { asyncness, runtime, .. } = flavor;
    let function = if flavor.blocking {
        let twin = format_ident!("__async_{}", query.fn_name);
        let wrapper = flavor.finish(quote! { #twin(client #(, #arg_names)*, options) });
        quote! {
            #[doc(hidden)]
            pub async fn #twin<C>(client: &C #(, #args)*, options: &#options_ty) -> ::core::result::Result<#ret, ::quarry::Error>
            where
                C: ::quarry::GenericClient + ?Sized,
            {
                #body
            }

            #(#[doc = #doc])*
            pub fn #fn_name<C>(client: &C #(, #args)*, options: &#options_ty) -> ::core::result::Result<#ret, ::quarry::Error>
            where
                C: #runtime::GenericClient + ?Sized,
            {
                #wrapper
            }
        }
    } else {
        quote! {
            #(#[doc = #doc])*
            pub #asyncness fn #fn_name<C>(client: &C #(, #args)*, options: &#options_ty) -> ::core::result::Result<#ret, ::quarry::Error>
            where
                C: #runtime::GenericClient + ?Sized,
            {
                #body
            }
        }
    };
    quote! {
        #options_def
        #sort_def

        static #dynamic_static: ::quarry::__private::Dynamic = ::quarry::__private::Dynamic::new(
            &#static_name,
            &[#(#pieces),*],
            &[#(#sorts),*],
            &[#(#param_conditions),*],
        );

        #function
    }
}

/// `<Name>Options`: what turns optional lines on, and the sort.
fn options_struct(
    query: &Query,
    dynamic: &Dynamic,
    name: &proc_macro2::Ident,
    sort_enum: &proc_macro2::Ident,
) -> (TokenStream, TokenStream) {
    let mut borrows = false;
    let mut fields: Vec<TokenStream> = dynamic
        .conditions
        .iter()
        .map(|condition| {
            let field = ident(&condition.name);
            let doc = format!(
                " Includes `{}` when {}.",
                condition.line,
                match condition.param {
                    Some(_) => "given",
                    None => "`true`",
                }
            );
            match condition.param {
                Some(n) => {
                    let param = &query.params[n];
                    let rust = field_type(&param.ty.param);
                    borrows |= rust.contains("'a");
                    let ty = ty(&rust, true);
                    quote! { #[doc = #doc] pub #field: #ty }
                }
                None => quote! { #[doc = #doc] pub #field: bool },
            }
        })
        .collect();
    if !dynamic.sorts.is_empty() {
        let doc = format!(" The order (`ORDER BY`), one of [`{sort_enum}`]; the first by default.");
        fields.push(quote! { #[doc = #doc] pub sort: #sort_enum });
    }
    let lifetime = borrows.then(|| quote!(<'a>));
    let doc = format!(
        " The optional lines and the sort of [`{}`]; `Default` turns every line off.",
        query.fn_name
    );
    let def = quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default)]
        pub struct #name #lifetime { #(#fields),* }
    };
    let ty = if borrows { quote!(#name<'_>) } else { quote!(#name) };
    (def, ty)
}

/// `<Name>Sort`: the declared orders, the first the default.
fn sort_enum_def(query: &Query, dynamic: &Dynamic, name: &proc_macro2::Ident) -> Option<TokenStream> {
    if dynamic.sorts.is_empty() {
        return None;
    }
    let doc = format!(" The orders [`{}`] can sort by.", query.fn_name);
    if dynamic.has_after() {
        return Some(keyset_sort_enum(dynamic, name, &doc));
    }
    let variants = dynamic.sorts.iter().enumerate().map(|(i, sort)| {
        let variant = format_ident!("{}", crate::naming::camel(&sort.name));
        let doc = format!(" `ORDER BY {}`", sort.sql);
        let default = (i == 0).then(|| quote!(#[default]));
        quote! { #[doc = #doc] #default #variant }
    });
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum #name { #(#variants),* }
    })
}

/// With keyset pagination: each order carries the last row's keys (`after`), so a page can
/// only continue the order it was sorted by.
fn keyset_sort_enum(dynamic: &Dynamic, name: &proc_macro2::Ident, doc: &str) -> TokenStream {
    let variants: Vec<_> = dynamic
        .sorts
        .iter()
        .map(|sort| {
            let variant = format_ident!("{}", crate::naming::camel(&sort.name));
            let doc = format!(
                " `ORDER BY {}`; with `after`, the rows after that row's `({})`.",
                sort.sql,
                sort.keys.join(", ")
            );
            let types = sort.key_types.iter().map(|t| ty(&t.owned, false));
            quote! {
                #[doc = #doc]
                #variant {
                    /// The last row's keys, to continue after it (keyset pagination).
                    after: ::core::option::Option<(#(#types),*,)>,
                }
            }
        })
        .collect();
    let first = format_ident!("{}", crate::naming::camel(&dynamic.sorts[0].name));
    let default_doc = format!(" [`{name}::{first}`] from the first row.");
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name { #(#variants),* }

        impl ::core::default::Default for #name {
            #[doc = #default_doc]
            fn default() -> Self {
                #name::#first { after: ::core::option::Option::None }
            }
        }
    }
}
