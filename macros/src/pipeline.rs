//! `quarry::sync::pipeline!`: generated blocking calls, run together on one connection.
//!
//! Each call `path::name(client, args…)` becomes `path::__async_name(<client's async side, seen
//! through the pipeline>, args…)` — the hidden async twin every blocking `:one`/`:opt`/`:many`/
//! `:exec` function has — and the twins are joined and blocked on once, on the first call's
//! client runtime. `quarry::pipeline!` (the async macro, below) does the same without the twin.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Token};

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let calls = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(input)?;
    if calls.is_empty() {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "expected generated blocking calls: `quarry::sync::pipeline!(tasks::find_task(&client, 1), …)`",
        ));
    }
    let mut clients = Vec::new();
    let mut piped = Vec::new();
    let mut futures = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        // Each client expression is evaluated once, into its own binding.
        let binding = format_ident!("__quarry_client_{i}");
        let through = format_ident!("__quarry_piped_{i}");
        let (client, future) = twin(call, &through)?;
        clients.push(quote! { let #binding = #client; });
        piped.push(quote! {
            let #through = ::quarry::__private::Piped::new(
                &__quarry_scope,
                #i,
                ::quarry::sync::__private::split(#binding).0,
            );
        });
        futures.push(quote! { ::quarry::__private::in_slot(&__quarry_scope, #i, #future) });
    }
    let bindings: Vec<_> = (0..calls.len()).map(|i| format_ident!("__quarry_client_{i}")).collect();
    let first = &bindings[0];
    let others = &bindings[1..];
    let count = calls.len();
    Ok(quote! {{
        #(#clients)*
        let (_, __quarry_runtime) = ::quarry::sync::__private::split(#first);
        #( ::quarry::sync::__private::same_runtime(__quarry_runtime, #others); )*
        let __quarry_scope = ::quarry::__private::PipelineScope::new(#count);
        #(#piped)*
        __quarry_runtime.block_on(async { ::quarry::__private::join!(#(#futures),*) })
    }})
}

/// The call's client argument, and the call rewritten to its async twin on the async side of
/// `binding` (where the client argument is bound).
fn twin(call: &Expr, binding: &proc_macro2::Ident) -> syn::Result<(TokenStream, TokenStream)> {
    let not_a_call = || {
        syn::Error::new(
            call.span(),
            "expected a call of a generated blocking function, like `tasks::find_task(&client, 1)`",
        )
    };
    let Expr::Call(call) = call else {
        return Err(not_a_call());
    };
    let Expr::Path(path) = &*call.func else {
        return Err(not_a_call());
    };
    let mut path = path.path.clone();
    let last = path.segments.last_mut().ok_or_else(not_a_call)?;
    last.ident = format_ident!("__async_{}", last.ident, span = last.ident.span());
    let mut args = call.args.iter();
    let client = args
        .next()
        .ok_or_else(|| syn::Error::new(call.span(), "the call needs its client"))?;
    let span = client.span();
    let client = quote_spanned!(span=> #client);
    let future = quote! { #path(&#binding #(, #args)*) };
    Ok((client, future))
}

/// `quarry::pipeline!`: each call `path::name(client, args…)` runs with its client seen through
/// one pipeline scope, in its own slot (`quarry::wire` sends the calls on a quarry driver
/// connection as one request with one Sync); the calls are joined. An argument that is not a
/// call runs as it is.
pub(crate) fn expand_async(input: TokenStream) -> syn::Result<TokenStream> {
    let calls = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(input)?;
    if calls.is_empty() {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "expected generated calls: `quarry::pipeline!(tasks::find_task(&conn, 1), …)`",
        ));
    }
    let count = calls.len();
    let mut bindings = Vec::new();
    let mut futures = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let piped = format_ident!("__quarry_client_{i}");
        match call {
            Expr::Call(c) if !c.args.is_empty() => {
                let func = &c.func;
                let mut args = c.args.iter();
                let client = args.next().expect("checked non-empty");
                let span = client.span();
                bindings.push(quote_spanned! {span=>
                    let #piped = ::quarry::__private::Piped::new(&__quarry_scope, #i, #client);
                });
                futures.push(quote! {
                    ::quarry::__private::in_slot(&__quarry_scope, #i, #func(&#piped #(, #args)*))
                });
            }
            other => {
                bindings.push(quote! { __quarry_scope.settle_unused(#i); });
                futures.push(quote! { #other });
            }
        }
    }
    Ok(quote! {{
        let __quarry_scope = ::quarry::__private::PipelineScope::new(#count);
        #(#bindings)*
        ::quarry::__private::join!(#(#futures),*)
    }})
}
