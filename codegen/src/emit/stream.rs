//! `:iter`: the rows as a `quarry::RowStream` (async) or `quarry::sync::RowIter` (sync),
//! plus `<name>_cursor` over a server-side cursor (portal) inside a transaction and
//! `<name>_copy_out` through binary COPY, in both flavours.

use super::call::{args, SingleCall};
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
    let sync = flavor.blocking;
    // The blocking flavour returns iterators over the async streams (`quarry::sync::…`).
    let (asyncness, await_, api) = if sync {
        (quote!(), quote!(), quote!(::quarry::sync))
    } else {
        (quote!(async), quote!(.await), quote!(::quarry))
    };
    let (rows, copy_rows, cursor_rows) = if sync {
        (
            quote!(RowIter<'c, #row>),
            quote!(CopyOutIter<'c, #row>),
            quote!(Cursor<'t, #row>),
        )
    } else {
        (
            quote!(RowStream<#row>),
            quote!(CopyOutStream<#row>),
            quote!(Cursor<'t, #row>),
        )
    };
    let client_lifetime = sync.then(|| quote!('c,));
    let client_ref = if sync { quote!(&'c C) } else { quote!(&C) };
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
            pub #asyncness fn #name<#client_lifetime C>(client: #client_ref) -> ::core::result::Result<#api::#copy_rows, ::quarry::Error>
            where
                C: #api::GenericClient + ?Sized,
            {
                #api::__private::copy_out(client, &#static_name #decode_arg) #await_
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
            pub #asyncness fn #name<'t>(
                transaction: &'t #api::Transaction<'_> #(, #args)*,
                batch_size: u32,
            ) -> ::core::result::Result<#api::#cursor_rows, ::quarry::Error> {
                #api::__private::cursor(transaction, &#static_name, &[#(#arg_refs),*], batch_size #decode_arg) #await_
            }
        }
    });
    quote! {
        #(#[doc = #doc])*
        pub #asyncness fn #fn_name<#client_lifetime C>(client: #client_ref #(, #args)*) -> ::core::result::Result<#api::#rows, ::quarry::Error>
        where
            C: #api::GenericClient + ?Sized,
        {
            #api::__private::stream(client, &#static_name, &[#(#arg_refs),*] #decode_arg) #await_
        }

        #cursor

        #copy_out
    }
}
