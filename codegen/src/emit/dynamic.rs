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
        });
        quote!(::quarry::__private::Piece { when: #when, segments: &[#(#segments),*] })
    });
    let sorts = dynamic.sorts.iter().map(|s| &s.sql);
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
    let sort_index = if dynamic.sorts.is_empty() {
        quote!(0)
    } else {
        quote!(options.sort as u8)
    };
    let capacity = query.params.len();
    let body = quote! {
        let on: u64 = 0 #(| #bits)*;
        let query = #dynamic_static.variant(on, #sort_index);
        let mut params: ::std::vec::Vec<&(dyn ::quarry::__private::ToSql + ::core::marker::Sync)> =
            ::std::vec::Vec::with_capacity(#capacity);
        #(#pushes)*
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
    let variants = dynamic.sorts.iter().enumerate().map(|(i, sort)| {
        let variant = format_ident!("{}", crate::naming::camel(&sort.name));
        let doc = format!(" `ORDER BY {}`", sort.sql);
        let default = (i == 0).then(|| quote!(#[default]));
        quote! { #[doc = #doc] #default #variant }
    });
    let doc = format!(" The orders [`{}`] can sort by.", query.fn_name);
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum #name { #(#variants),* }
    })
}
