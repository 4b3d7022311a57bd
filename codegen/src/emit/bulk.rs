//! Functions of `:bulkexec` / `:bulkone` / `:bulkmany` queries: an iterator of the generated
//! parameter struct, run as one statement over `unnest` of arrays per chunk
//! (`crate::bulk`). `<name>` uses the default chunking, `<name>_with` takes
//! `quarry::BulkOptions`.

use super::batch::{params_struct, ParamsStruct};
use super::call::SingleCall;
use super::{ident, FlavorTokens};
use crate::bulk::Positions;
use crate::model::Query;
use crate::parse::QueryKind;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// `pub [async] fn <name>(client, items)` and `<name>_with(client, items, options)`.
pub(super) fn emit(
    query: &Query,
    flavor: &FlavorTokens,
    call: &SingleCall,
    ret: &TokenStream,
    doc: &[String],
) -> TokenStream {
    let bulk = query
        .bulk
        .as_ref()
        .expect("bulk queries carry their bulk statement (emit::check)");
    let ParamsStruct {
        definition,
        ty,
        fn_lifetime,
        ..
    } = params_struct(query);
    let encoders = query.params.iter().map(|p| {
        let field = ident(&p.name);
        if p.ty.via_domain {
            quote! { |item: &#ty, ty, out| ::quarry::__private::encode(&::quarry::__private::AsBase(&item.#field), ty, out) }
        } else {
            quote! { |item: &#ty, ty, out| ::quarry::__private::encode(&item.#field, ty, out) }
        }
    });
    let static_name = &call.static_name;
    let positions = match bulk.positions {
        Positions::None => quote!(None),
        Positions::InOrder => quote!(InOrder),
        Positions::Ordinal => quote!(Ordinal),
    };
    // `:bulkexec` says whether it runs as COPY; the kinds with rows say how they map to inputs.
    let mode = match (&bulk.copy_sql, query.kind) {
        (Some(copy_sql), _) => quote!(::core::option::Option::Some(#copy_sql)),
        (None, QueryKind::BulkExec) => quote!(::core::option::Option::None),
        _ => quote!(::quarry::__private::Positions::#positions),
    };
    let flattened = bulk
        .flattened
        .iter()
        .map(|&i| proc_macro2::Literal::usize_unsuffixed(i));
    let (helper, ret) = match query.kind {
        QueryKind::BulkExec => (quote!(bulk_exec), quote!(u64)),
        // `ret` is one call's result: a row for `:bulkone`, a `Vec` of rows for `:bulkmany`.
        QueryKind::BulkOne => (quote!(bulk_one), quote!(::std::vec::Vec<#ret>)),
        _ => (quote!(bulk_many), quote!(::std::vec::Vec<#ret>)),
    };
    let decode = call.decode_arg.as_ref().map(|d| quote!(#d)).unwrap_or_default();
    let body = flavor.finish(quote! {
        ::quarry::__private::#helper(
            client,
            &#static_name,
            #mode,
            items,
            ::quarry::__private::BulkParams {
                encoders: &[#(#encoders),*],
                flattened: &[#(#flattened),*],
            },
            options
            #decode
        )
    });
    let fn_name = ident(&query.fn_name);
    let fn_with = format_ident!("{}_with", query.fn_name);
    let FlavorTokens { asyncness, runtime, .. } = flavor;
    let await_ = (!flavor.blocking).then(|| quote!(.await));
    let with_doc = format!(
        " [`{}`] with chunks of at most `options.max_rows` rows and about `options.max_bytes` bytes of parameters.",
        query.fn_name
    );
    quote! {
        #definition

        #(#[doc = #doc])*
        pub #asyncness fn #fn_name<#fn_lifetime C, I>(client: &C, items: I) -> ::core::result::Result<#ret, ::quarry::Error>
        where
            C: #runtime::GenericClient + ?Sized,
            I: ::core::iter::IntoIterator<Item = #ty>,
        {
            #fn_with(client, items, &::quarry::BulkOptions::DEFAULT) #await_
        }

        #[doc = #with_doc]
        pub #asyncness fn #fn_with<#fn_lifetime C, I>(
            client: &C,
            items: I,
            options: &::quarry::BulkOptions,
        ) -> ::core::result::Result<#ret, ::quarry::Error>
        where
            C: #runtime::GenericClient + ?Sized,
            I: ::core::iter::IntoIterator<Item = #ty>,
        {
            #body
        }
    }
}
