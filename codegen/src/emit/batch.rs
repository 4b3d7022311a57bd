//! `:batchexec` / `:batchone` / `:batchmany`: a parameter struct and a function taking an
//! iterator of them. The runtime runs the first alone (so the statement is prepared once) and
//! pipelines the rest in bounded chunks (async), or loops (sync).

use super::query::{ty, SingleCall};
use super::{ident, FlavorTokens};
use crate::model::Query;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The parameter type as a struct field: borrowed types take the struct's lifetime `'a`;
/// text arrays (`&[impl Str]` in plain functions) become `&'a [&'a str]`.
fn field_type(param: &str) -> String {
    let param = param.replace("impl ::quarry::types::Str", "&'a str");
    match param.strip_prefix('&') {
        Some(rest) => format!("&'a {rest}"),
        None => param,
    }
}

pub(super) fn emit(
    query: &Query,
    flavor: &FlavorTokens,
    call: &SingleCall,
    ret: &TokenStream,
    doc: &[String],
) -> TokenStream {
    let fn_name = ident(&query.fn_name);
    let params_name = format_ident!("{}Params", heck::AsUpperCamelCase(&query.fn_name).to_string());
    let borrows = query.params.iter().any(|p| field_type(&p.ty.param).contains("'a"));
    let lifetime = borrows.then(|| quote!(<'a>));
    let fields = query.params.iter().map(|p| {
        let name = ident(&p.name);
        let ty = ty(&field_type(&p.ty.param), p.nullable);
        let doc = format!(" `{}` ({}).", p.name, p.ty.pg_name);
        quote! { #[doc = #doc] pub #name: #ty }
    });
    let values = query.params.iter().map(|p| {
        let name = ident(&p.name);
        if p.ty.via_domain {
            quote! { &::quarry::__private::AsBase(&item.#name) }
        } else {
            quote! { &item.#name }
        }
    });
    let struct_doc = format!(" One parameter set of [`{}`].", query.fn_name);
    let FlavorTokens {
        asyncness,
        await_,
        client_ref,
        runtime,
        reborrow,
    } = flavor;
    let SingleCall {
        helper,
        static_name,
        decode_arg,
    } = call;
    let once = quote! { #runtime::__private::#helper(#reborrow, &#static_name, &[#(#values),*] #decode_arg) };
    let closure = if asyncness.is_empty() {
        quote! { |item: #params_name #lifetime| #once }
    } else {
        quote! { |item: #params_name #lifetime| async move { #once.await } }
    };
    let item_lifetime = if borrows { quote!('a,) } else { quote!() };
    quote! {
        #[doc = #struct_doc]
        #[derive(Debug, Clone)]
        pub struct #params_name #lifetime { #(#fields),* }

        #(#[doc = #doc])*
        pub #asyncness fn #fn_name<#item_lifetime C, I>(client: #client_ref C, items: I) -> ::core::result::Result<::std::vec::Vec<#ret>, ::quarry::Error>
        where
            C: #runtime::GenericClient + ?Sized,
            I: ::core::iter::IntoIterator<Item = #params_name #lifetime>,
        {
            #runtime::__private::batch(items, #closure) #await_
        }
    }
}
