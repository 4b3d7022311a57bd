//! `:iter`: the rows as a `quarry::RowStream` (async) or `quarry::sync::RowIter` (sync),
//! plus, async only, `<name>_cursor` over a server-side cursor (portal) inside a transaction.

use super::query::{args, SingleCall};
use super::{ident, FlavorTokens};
use crate::model::Query;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn emit(
    query: &Query,
    flavor: &FlavorTokens,
    call: &SingleCall,
    row: &TokenStream,
    doc: &[String],
) -> TokenStream {
    let fn_name = ident(&query.fn_name);
    let (args, arg_refs) = args(query);
    let SingleCall {
        static_name,
        decode_arg,
        ..
    } = call;
    if flavor.asyncness.is_empty() {
        return quote! {
            #(#[doc = #doc])*
            pub fn #fn_name<'c, C>(client: &'c mut C #(, #args)*) -> ::core::result::Result<::quarry::sync::RowIter<'c, #row>, ::quarry::Error>
            where
                C: ::quarry::sync::GenericClient + ?Sized,
            {
                ::quarry::sync::__private::stream(client, &#static_name, &[#(#arg_refs),*] #decode_arg)
            }
        };
    }
    let companion = |suffix: &str| {
        let name = format!("{}_{suffix}", query.fn_name);
        query.companion_fns.contains(&name).then(|| ident(&name))
    };
    let copy_out = companion("copy_out").map(|name| {
        let doc = format!(
            " [`{}`] through binary `COPY (…) TO STDOUT`, decoded as the rows arrive.",
            query.fn_name
        );
        quote! {
            #[doc = #doc]
            pub async fn #name<C>(client: &C) -> ::core::result::Result<::quarry::CopyOutStream<#row>, ::quarry::Error>
            where
                C: ::quarry::GenericClient + ?Sized,
            {
                ::quarry::__private::copy_out(client, &#static_name #decode_arg).await
            }
        }
    });
    let cursor = companion("cursor").map(|name| {
        let cursor_doc = format!(
            " [`{}`] through a server-side cursor: inside a transaction, fetches `batch_size` rows per round trip.",
            query.fn_name
        );
        quote! {
            #[doc = #cursor_doc]
            pub async fn #name<'t>(
                transaction: &'t ::quarry::Transaction<'_> #(, #args)*,
                batch_size: u32,
            ) -> ::core::result::Result<::quarry::Cursor<'t, #row>, ::quarry::Error> {
                ::quarry::__private::cursor(transaction, &#static_name, &[#(#arg_refs),*], batch_size #decode_arg).await
            }
        }
    });
    quote! {
        #(#[doc = #doc])*
        pub async fn #fn_name<C>(client: &C #(, #args)*) -> ::core::result::Result<::quarry::RowStream<#row>, ::quarry::Error>
        where
            C: ::quarry::GenericClient + ?Sized,
        {
            ::quarry::__private::stream(client, &#static_name, &[#(#arg_refs),*] #decode_arg).await
        }

        #cursor

        #copy_out
    }
}
