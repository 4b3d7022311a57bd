//! Functions over many parameter sets: `:batchexec` / `:batchone` / `:batchmany` (the
//! runtime runs the first alone, so the statement is prepared once, and pipelines the rest in
//! bounded chunks, in both flavours) and `:copyfrom` (binary COPY). Both take an
//! iterator of a generated parameter struct.

use super::call::{ty, SingleCall};
use super::{ident, FlavorTokens};
use crate::model::Query;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The parameter type as a struct field: borrowed types take the struct's lifetime `'a`;
/// text arrays (`&[impl Str]` in plain functions) become `&'a [&'a str]`.
pub(super) fn field_type(param: &str) -> String {
    let param = param.replace("impl ::quarry::types::Str", "&'a str");
    match param.strip_prefix('&') {
        Some(rest) => format!("&'a {rest}"),
        None => param,
    }
}

/// The parameter struct: its definition, its type (with `<'a>` when a field borrows), the
/// lifetime parameter for the function, and the `&dyn ToSql` values of an `item`.
pub(super) struct ParamsStruct {
    pub definition: TokenStream,
    pub ty: TokenStream,
    pub fn_lifetime: TokenStream,
    pub values: Vec<TokenStream>,
}

pub(super) fn params_struct(query: &Query) -> ParamsStruct {
    let name = format_ident!("{}Params", crate::naming::camel(&query.fn_name));
    let borrows = query.params.iter().any(|p| field_type(&p.ty.param).contains("'a"));
    let lifetime = borrows.then(|| quote!(<'a>));
    let fields = query.params.iter().map(|p| {
        let field = ident(&p.name);
        let ty = ty(&field_type(&p.ty.param), p.nullable);
        let doc = format!(" `{}` ({}).", p.name, p.ty.pg_name);
        quote! { #[doc = #doc] pub #field: #ty }
    });
    let values = query
        .params
        .iter()
        .map(|p| {
            let field = ident(&p.name);
            if p.ty.via_domain {
                quote! { &::quarry::__private::AsBase(&item.#field) }
            } else {
                quote! { &item.#field }
            }
        })
        .collect();
    let doc = format!(" One parameter set of [`{}`].", query.fn_name);
    ParamsStruct {
        definition: quote! {
            #[doc = #doc]
            #[derive(Debug, Clone)]
            pub struct #name #lifetime { #(#fields),* }
        },
        ty: quote!(#name #lifetime),
        fn_lifetime: if borrows { quote!('a,) } else { quote!() },
        values,
    }
}

/// `:copyfrom`: rows loaded with binary COPY; returns how many (with `ON CONFLICT`, through a
/// staging table: the rows the final `INSERT` inserted or updated).
pub(super) fn emit_copy(
    query: &Query,
    flavor: &FlavorTokens,
    static_name: &proc_macro2::Ident,
    doc: &[String],
) -> TokenStream {
    let copy_sql = query
        .copy_sql
        .as_deref()
        .expect(":copyfrom queries carry their COPY statement (emit::check)");
    let start = match &query.copy_upsert {
        Some(crate::copy::Upsert {
            create_sql,
            insert_sql,
            drop_sql,
        }) => {
            let finish_sql = format!("{insert_sql}; {drop_sql}");
            quote! {
            ::quarry::__private::copy_upsert(client, &#static_name, #copy_sql, [#create_sql, #finish_sql])
            }
        }
        None => quote! { ::quarry::__private::copy_in(client, &#static_name, #copy_sql) },
    };
    items_fn(query, flavor, doc, quote!(u64), |values| {
        flavor.body(quote! {
            let mut copy = #start.await?;
            for item in items {
                copy.write(&[#(#values),*]).await?;
            }
            copy.finish().await
        })
    })
}

/// `:batch*`: the query's single call for each item, pipelined by the runtime.
pub(super) fn emit(
    query: &Query,
    flavor: &FlavorTokens,
    call: &SingleCall,
    ret: &TokenStream,
    doc: &[String],
) -> TokenStream {
    let SingleCall {
        helper,
        static_name,
        decode_arg,
    } = call;
    let ty = params_struct(query).ty;
    items_fn(query, flavor, doc, quote!(::std::vec::Vec<#ret>), |values| {
        flavor.finish(quote! {
            async move {
                let pipeline = ::quarry::__private::Piped::batch(client);
                ::quarry::__private::batch(&pipeline, items, |item: #ty| {
                    let client = &pipeline;
                    async move {
                        ::quarry::__private::#helper(client, &#static_name, &[#(#values),*] #decode_arg).await
                    }
                })
                .await
            }
        })
    })
}

/// The parameter struct, then `pub [async] fn <name>(client, items) -> Result<ret>` around the
/// body `body` makes from an `item`'s `&dyn ToSql` values.
fn items_fn(
    query: &Query,
    flavor: &FlavorTokens,
    doc: &[String],
    ret: TokenStream,
    body: impl FnOnce(&[TokenStream]) -> TokenStream,
) -> TokenStream {
    let fn_name = ident(&query.fn_name);
    let ParamsStruct {
        definition,
        ty,
        fn_lifetime,
        values,
    } = params_struct(query);
    let body = body(&values);
    let FlavorTokens { asyncness, runtime, .. } = flavor;
    quote! {
        #definition

        #(#[doc = #doc])*
        pub #asyncness fn #fn_name<#fn_lifetime C, I>(client: &C, items: I) -> ::core::result::Result<#ret, ::quarry::Error>
        where
            C: #runtime::GenericClient + ?Sized,
            I: ::core::iter::IntoIterator<Item = #ty>,
        {
            #body
        }
    }
}
