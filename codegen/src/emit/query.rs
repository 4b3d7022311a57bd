//! One query → its `static` description, its function(s) and its row struct(s).
//!
//! Every reading `:one`/`:opt`/`:many` query whose columns include text, bytes or arrays also gets a
//! zero-copy variant: `<name>_each` (for `:many`) or `<name>_with` (for `:one`/`:opt`) hands a
//! `<Row>Ref<'_>` that borrows `&str`, `&[u8]` and array iterators from the row buffer to a
//! closure, so hot paths decode without allocating.

use super::call::{args, column_doc, ty, SingleCall};
use super::{extra_attributes, ident, optional, EmitOptions, FlavorTokens};
use crate::model::{Column, Embed, Module, Query};
use crate::parse::QueryKind;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

pub(super) fn emit_module(module: &Module, options: &EmitOptions) -> TokenStream {
    let flavor = FlavorTokens::of(options.flavor);
    let items = module
        .queries
        .iter()
        .map(|q| emit_query(q, &module.file, &flavor, options));
    let statics = module
        .queries
        .iter()
        .map(|q| format_ident!("{}", heck::AsShoutySnakeCase(&q.fn_name).to_string()));
    quote! {
        #(#items)*

        /// Every query of this module, for `verify`.
        #[doc(hidden)]
        pub static __QUERIES: &[&::quarry::Query] = &[#(&#statics),*];
    }
}

fn emit_query(query: &Query, file: &str, flavor: &FlavorTokens, options: &EmitOptions) -> TokenStream {
    let static_name = format_ident!("{}", heck::AsShoutySnakeCase(&query.fn_name).to_string());
    let sql = &query.sql;
    let name = &query.fn_name;
    let location = format!("{file}:{}", query.line);
    let oid_doc = query
        .params
        .iter()
        .map(|p| format!("`{}` {}", p.name, p.ty.pg_name))
        .collect::<Vec<_>>()
        .join(", ");
    let oid_doc = (!oid_doc.is_empty())
        .then(|| format!(" Parameters: {oid_doc}."))
        .into_iter();
    let (row_struct, row_type, decode) = row(query, options);
    let json_structs = super::json::structs(query, options);
    let single = query.kind.single();
    let (helper, ret) = match single {
        QueryKind::One => (quote!(one), quote!(#row_type)),
        QueryKind::Opt => (quote!(opt), quote!(::core::option::Option<#row_type>)),
        QueryKind::Many => (quote!(many), quote!(::std::vec::Vec<#row_type>)),
        QueryKind::Iter => (quote!(stream), quote!(#row_type)),
        _ => (quote!(exec), quote!(u64)),
    };
    let decode_arg = (single != QueryKind::Exec).then(|| quote!(, #decode));
    let doc = fn_doc(query, &location);
    let returns_rows = matches!(
        single,
        QueryKind::One | QueryKind::Opt | QueryKind::Many | QueryKind::Iter
    );
    let row_struct = returns_rows.then_some(row_struct);
    let call = SingleCall {
        helper,
        static_name: static_name.clone(),
        decode_arg,
    };
    let function = if query.kind.is_bulk() {
        super::bulk::emit(query, flavor, &call, &ret, &doc)
    } else if query.kind.is_batch() {
        super::batch::emit(query, flavor, &call, &ret, &doc)
    } else if query.kind == QueryKind::CopyFrom {
        super::batch::emit_copy(query, flavor, &static_name, &doc)
    } else if let Some(dynamic) = &query.dynamic {
        super::dynamic::emit(query, dynamic, flavor, &call, &ret, &doc)
    } else if query.kind == QueryKind::Iter {
        super::stream::emit(query, flavor, &call, &ret, &doc)
    } else {
        single_fn(query, flavor, &call, &ret, &doc)
    };
    let zero_copy = zero_copy(query, flavor, &static_name);
    let mut columns: Vec<(&str, &str)> = query
        .columns
        .iter()
        .map(|c| (c.pg_name.as_str(), c.ty.wire_name.as_str()))
        .collect();
    let (sql, param_oids) = match &query.bulk {
        Some(bulk) => {
            if bulk.positions == crate::bulk::Positions::Ordinal {
                columns.push(("__ord", "int4"));
            }
            (&bulk.sql, bulk.param_oids.clone())
        }
        None => (sql, query.params.iter().map(|p| p.ty.param_oid).collect()),
    };
    let query_static = quarry_inline::tokens::QueryStatic {
        name,
        sql,
        param_oids,
        read_only: query.read_only,
        columns,
        source: quote!(#location),
    }
    .to_tokens(&static_name);
    quote! {
        #row_struct
        #json_structs

        #(#[doc = #oid_doc])*
        #query_static

        #function

        #zero_copy
    }
}

fn single_fn(
    query: &Query,
    flavor: &FlavorTokens,
    call: &SingleCall,
    ret: &TokenStream,
    doc: &[String],
) -> TokenStream {
    let fn_name = ident(&query.fn_name);
    let FlavorTokens { asyncness, runtime, .. } = flavor;
    let (args, arg_refs) = args(query);
    let SingleCall {
        helper,
        static_name,
        decode_arg,
    } = call;
    let call = quote! {
        ::quarry::__private::#helper(client, &#static_name, &[#(#arg_refs),*] #decode_arg)
    };
    if !flavor.blocking {
        return quote! {
            #(#[doc = #doc])*
            pub #asyncness fn #fn_name<C>(client: &C #(, #args)*) -> ::core::result::Result<#ret, ::quarry::Error>
            where
                C: #runtime::GenericClient + ?Sized,
            {
                #call.await
            }
        };
    }
    // Blocking: the async function under a hidden name (what `quarry::sync::pipeline!` joins),
    // and the blocking one running it on the client's runtime.
    let twin = format_ident!("__async_{}", query.fn_name);
    let names = query.params.iter().map(|p| ident(&p.name));
    let body = flavor.finish(quote! { #twin(client #(, #names)*) });
    quote! {
        #[doc(hidden)]
        pub async fn #twin<C>(client: &C #(, #args)*) -> ::core::result::Result<#ret, ::quarry::Error>
        where
            C: ::quarry::GenericClient + ?Sized,
        {
            #call.await
        }

        #(#[doc = #doc])*
        pub fn #fn_name<C>(client: &C #(, #args)*) -> ::core::result::Result<#ret, ::quarry::Error>
        where
            C: #runtime::GenericClient + ?Sized,
        {
            #body
        }
    }
}

/// The row struct (if several columns), the row type, and the closure decoding one row.
fn row(query: &Query, options: &EmitOptions) -> (Option<TokenStream>, TokenStream, TokenStream) {
    if let ([column], true) = (query.columns.as_slice(), query.embeds.is_empty()) {
        return (None, ty(&column.ty.owned, column.nullable), {
            let get = getter(column);
            quote!(|row| #get(row, 0))
        });
    }
    let row_name = format_ident!("{}", query.row_name);
    let decoders = decoders(query);
    // One decoder per query: inline where it is used once; a function shared by the uses of an
    // `:iter` query with companions (the stream, `_cursor` and `_copy_out` decode alike).
    let shared = query.kind == QueryKind::Iter && !query.companion_fns.is_empty() && !query.columns.is_empty();
    let decoder_fn = format_ident!("__decode_{}", query.fn_name);
    let (decoder, decode) = if query.columns.is_empty() {
        (None, quote!(|_row| ::core::result::Result::Ok(#row_name {})))
    } else if shared {
        let def = quote! {
            fn #decoder_fn<R: ::quarry::__private::DecodeRow>(row: &R) -> ::core::result::Result<#row_name, ::quarry::Error> {
                ::core::result::Result::Ok(#row_name { #(#decoders),* })
            }
        };
        (Some(def), quote!(|row| #decoder_fn(row)))
    } else {
        (
            None,
            quote!(|row| ::core::result::Result::Ok(#row_name { #(#decoders),* })),
        )
    };
    if let Some(model) = &query.row_model {
        let doc = format!(
            " A row returned by [`{}`]: every column of the table, as the shared [`super::models::{model}`].",
            query.fn_name
        );
        let model = format_ident!("{model}");
        let def = quote! {
            #[doc = #doc]
            pub type #row_name = super::models::#model;
            #decoder
        };
        return (Some(def), quote!(#row_name), decode);
    }
    let fields = fields(query).map(|field| match field {
        Field::Column(_, c) => {
            let name = ident(&c.field);
            let ty = ty(&c.ty.owned, c.nullable);
            let doc = column_doc(c);
            quote! { #[doc = #doc] pub #name: #ty }
        }
        Field::Embed(e) => {
            let name = ident(&e.field);
            let model = format_ident!("{}", e.model);
            let ty = optional(quote!(super::models::#model), e.nullable);
            let doc = format!(
                " `sqlc.embed`: the columns of the table, as [`super::models::{}`].",
                e.model
            );
            quote! { #[doc = #doc] pub #name: #ty }
        }
    });
    let doc = format!(" A row returned by [`{}`].", query.fn_name);
    let extra = extra_attributes(&options.row_derives, &options.row_attributes);
    let def = quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #extra
        pub struct #row_name { #(#fields),* }
        #decoder
    };
    (Some(def), quote!(#row_name), decode)
}

/// The runtime function that reads a column: `FromJson` for JSON the SQL shapes
/// (docs/nested.md), else `FromSql`.
fn getter(column: &Column) -> TokenStream {
    match column.json {
        true => quote!(::quarry::__private::get_json),
        false => quote!(::quarry::__private::get),
    }
}

/// One field of a row struct: a column, or a `sqlc.embed` covering several.
enum Field<'q> {
    /// Result column `.0`.
    Column(usize, &'q Column),
    Embed(&'q Embed),
}

/// The row's fields in column order.
fn fields(query: &Query) -> impl Iterator<Item = Field<'_>> + '_ {
    let mut next = 0;
    query.columns.iter().enumerate().filter_map(move |(i, c)| {
        if i < next {
            return None;
        }
        match query.embeds.iter().find(|e| e.first == i) {
            Some(e) => {
                next = i + e.len;
                Some(Field::Embed(e))
            }
            None => Some(Field::Column(i, c)),
        }
    })
}

fn decoders(query: &Query) -> impl Iterator<Item = TokenStream> + '_ {
    let column = |i: usize, c: &Column| {
        let field = ident(&c.field);
        let i = Literal::usize_unsuffixed(i);
        let get = getter(c);
        quote! { #field: #get(row, #i)? }
    };
    fields(query).map(move |field| match field {
        Field::Column(i, c) => column(i, c),
        Field::Embed(e) => {
            let name = ident(&e.field);
            let model = format_ident!("{}", e.model);
            let range = e.first..e.first + e.len;
            let inner = range.clone().map(|i| column(i, &query.columns[i]));
            let value = quote!(super::models::#model { #(#inner),* });
            if e.nullable {
                let (start, end) = (
                    Literal::usize_unsuffixed(range.start),
                    Literal::usize_unsuffixed(range.end),
                );
                quote! {
                    #name: if ::quarry::__private::all_null(row, #start..#end)? {
                        ::core::option::Option::None
                    } else {
                        ::core::option::Option::Some(#value)
                    }
                }
            } else {
                quote! { #name: #value }
            }
        }
    })
}

/// The `_each` / `_with` variant of a reading query, when some column can be borrowed.
fn zero_copy(query: &Query, flavor: &FlavorTokens, static_name: &proc_macro2::Ident) -> Option<TokenStream> {
    // An `:iter` query's companions are its cursor and COPY OUT; a bulk query's, `<name>_with`.
    if query.kind == QueryKind::Iter || query.kind.is_bulk() {
        return None;
    }
    let name = query.companion_fns.first()?;
    let FlavorTokens { asyncness, runtime, .. } = flavor;
    let (args, arg_refs) = args(query);
    let (ref_struct, ref_type, build) = match query.columns.as_slice() {
        [column] => {
            let rust = column.ty.borrowed.replace("'r", "'_");
            (None, ty(&rust, column.nullable), {
                let get = getter(column);
                quote!(#get(row, 0)?)
            })
        }
        columns => {
            let ref_name = format_ident!("{}Ref", query.row_name);
            let fields = columns.iter().map(|c| {
                let field = ident(&c.field);
                let ty = ty(&c.ty.borrowed, c.nullable);
                let doc = column_doc(c);
                quote! { #[doc = #doc] pub #field: #ty }
            });
            let doc = format!(
                " A row of [`{}`] borrowed from the row buffer: no allocation for text, bytes or arrays.",
                query.fn_name
            );
            let def = quote! {
                #[doc = #doc]
                #[derive(Debug, Clone)]
                pub struct #ref_name<'r> { #(#fields),* }
            };
            let decoders = decoders(query);
            (Some(def), quote!(#ref_name<'_>), quote!(#ref_name { #(#decoders),* }))
        }
    };
    let name = ident(name);
    let (helper, ret, doc, callback) = match query.kind {
        QueryKind::Many => (
            quote!(each),
            quote!(u64),
            format!(
                " Zero-copy [`{}`]: calls `f` with each row as it streams in, borrowed from the row \
                 buffer; returns the number of rows.",
                query.fn_name
            ),
            quote!(mut f: impl FnMut(#ref_type)),
        ),
        QueryKind::One | QueryKind::Opt => {
            let opt = query.kind == QueryKind::Opt;
            (
                if opt { quote!(opt) } else { quote!(one) },
                if opt { quote!(::core::option::Option<T>) } else { quote!(T) },
                format!(
                    " Zero-copy [`{}`]: hands the row, borrowed from the row buffer, to `f` and returns what `f` returns.",
                    query.fn_name
                ),
                quote!(f: impl FnOnce(#ref_type) -> T),
            )
        }
        _ => unreachable!("only reading single-call queries have a zero-copy variant"),
    };
    let generics = if query.kind == QueryKind::Many {
        quote!(<C>)
    } else {
        quote!(<C, T>)
    };
    let body = if query.kind == QueryKind::Many {
        quote!(|row| { f(#build); ::core::result::Result::Ok(()) })
    } else {
        quote!(|row| ::core::result::Result::Ok(f(#build)))
    };
    let body = flavor.finish(quote! {
        ::quarry::__private::#helper(client, &#static_name, &[#(#arg_refs),*], #body)
    });
    Some(quote! {
        #ref_struct

        #[doc = #doc]
        pub #asyncness fn #name #generics(client: &C #(, #args)*, #callback) -> ::core::result::Result<#ret, ::quarry::Error>
        where
            C: #runtime::GenericClient + ?Sized,
        {
            #body
        }
    })
}

fn fn_doc(query: &Query, location: &str) -> Vec<String> {
    let mut doc: Vec<String> = query.docs.iter().map(|l| format!(" {l}")).collect();
    if !doc.is_empty() {
        doc.push(String::new());
    }
    let returns = match query.kind {
        QueryKind::One => "Returns exactly one row; no row or several rows is an error.",
        QueryKind::Opt => "Returns at most one row; several rows is an error.",
        QueryKind::Many => "Returns every row.",
        QueryKind::Exec => "Returns the number of rows affected.",
        QueryKind::Iter => "Returns the rows one at a time, decoded as they arrive (constant memory).",
        QueryKind::CopyFrom if query.copy_upsert.is_some() => {
            "Loads every parameter set with one binary `COPY … FROM STDIN` into a temporary staging table, then moves \
             them with one `INSERT … SELECT … ON CONFLICT`, in one transaction; returns the rows inserted or updated."
        }
        QueryKind::CopyFrom => {
            "Loads every parameter set with one binary `COPY … FROM STDIN`; returns the number of rows loaded."
        }
        QueryKind::BatchExec => "Runs once per parameter set, pipelined; returns the rows affected by each.",
        QueryKind::BatchOne => "Runs once per parameter set, pipelined; each returns exactly one row.",
        QueryKind::BatchMany => "Runs once per parameter set, pipelined; returns the rows of each.",
        QueryKind::BulkExec => {
            "Runs every parameter set as one statement over `unnest` of arrays (per chunk); returns the rows affected."
        }
        QueryKind::BulkOne => {
            "Runs every parameter set as one statement over `unnest` of arrays (per chunk); returns each one's row, in order."
        }
        QueryKind::BulkMany => {
            "Runs every parameter set as one statement over `unnest` of arrays (per chunk); returns each one's rows, in order."
        }
    };
    // A one-column row is the bare value: its type and nullability are said here.
    if let ([column], true) = (query.columns.as_slice(), query.embeds.is_empty()) {
        doc.push(format!(" Each row is the column{}", column_doc(column)));
        doc.push(String::new());
    }
    doc.push(format!(" {returns} Defined at `{location}`:"));
    doc.push(String::new());
    doc.push(" ```sql".into());
    doc.extend(query.sql_written.lines().map(|l| format!(" {l}")));
    doc.push(" ```".into());
    doc
}
