//! `query!(client, "… {expr} …")`: an inline query typed from the offline snapshot.
//!
//! The expansion is one call expression — no block around it, so temporaries in the
//! interpolated expressions live until the end of the caller's statement:
//!
//! ```text
//! ::quarry::Inline::new(
//!     client,
//!     { static QUERY: ::quarry::Query = …; &QUERY },
//!     &[&::quarry::__private::inline_param::<i32>(&(org_id)) as &(dyn ToSql + Sync), …],
//!     { struct Row { … } fn decode(row: &Row) -> Result<Row, Error> { … } decode },
//! )
//! ```
//!
//! `inline_param::<T>(&(expr))` is the type check: `&expr` must coerce to `&T`, so a wrong
//! type is a compile error naming both types. The snapshot is read once per compilation.

use proc_macro2::{Span, TokenStream};
use quarry_inline::entry::{Entry, InlineQueries, Problem, Query};
use quarry_inline::template::{self, Template};
use quote::{format_ident, quote};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use syn::parse::{Parse, ParseStream};

/// `client, "template"`.
struct Input {
    client: syn::Expr,
    template: syn::LitStr,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let client = input.parse()?;
        input.parse::<syn::Token![,]>()?;
        let template = input.parse()?;
        input.parse::<Option<syn::Token![,]>>()?;
        Ok(Input { client, template })
    }
}

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let Input {
        client,
        template: literal,
    } = syn::parse2(input)?;
    let text = literal.value();
    let error = |message: String| syn::Error::new(literal.span(), message);
    let template = template::parse(&text).map_err(|e| error(at(&text, Some(e.span.start), &e.message)))?;
    let path = snapshot_path().map_err(error)?;
    let (entry, first_read) = lookup(&path, &text).map_err(error)?;
    let file_name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let query = match entry {
        Some(Entry::Query(query)) => query,
        Some(Entry::Error(Problem { message, offset, help })) => {
            let mut message = at(&text, offset, &message);
            if !help.is_empty() {
                message.push_str(&format!("\n  = help: {help}"));
            }
            return Err(error(message));
        }
        None => {
            return Err(error(format!(
                "this query is not in the offline snapshot ({file_name}): run `cargo quarry regenerate` \
                 to check it against the database (it reads the `query!` calls under src/, or the \
                 folders `inline` lists in quarry.toml)"
            )))
        }
    };
    // Rebuild when the snapshot changes: cargo tracks the files the compiler reads, so the
    // first expansion of a compilation (the one that read it) includes it.
    let track = first_read.then(|| {
        let path = path.display().to_string();
        quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        )
    });
    emit(&client, &literal, &template, &query, track)
}

/// The expansion for a typed query.
fn emit(
    client: &syn::Expr,
    literal: &syn::LitStr,
    template: &Template,
    query: &Query,
    track: Option<TokenStream>,
) -> syn::Result<TokenStream> {
    let span = literal.span();
    let query_static = quarry_inline::tokens::QueryStatic {
        name: "query!",
        sql: &query.sql,
        param_oids: query.params.iter().map(|p| p.oid).collect(),
        read_only: query.read_only,
        columns: query
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.wire_name.as_str()))
            .collect(),
        source: quote!(::core::concat!(::core::file!(), ":", ::core::line!())),
    }
    .to_tokens(&format_ident!("QUERY"));
    let mut params = Vec::new();
    for (param, arg) in query.params.iter().zip(&template.args) {
        let expr: syn::Expr = syn::parse_str(&arg.expr)
            .map_err(|e| syn::Error::new(span, format!("`{{{}}}` is not a Rust expression: {e}", arg.expr)))?;
        let expr = respan(quote!(#expr), span);
        let ty = if param.nullable {
            let ty = parse_type(&param.rust, span)?;
            quote!(::core::option::Option<#ty>)
        } else {
            parse_type(param.rust.strip_prefix('&').unwrap_or(&param.rust), span)?
        };
        params.push(quote::quote_spanned! {span=>
            &::quarry::__private::inline_param::<#ty>(&(#expr)) as &(dyn ::quarry::__private::ToSql + ::core::marker::Sync)
        });
    }
    let (row_def, row_ty, build) = row(query, span)?;
    Ok(quote! {
        ::quarry::Inline::new(
            #client,
            {
                #track
                #query_static
                &QUERY
            },
            &[#(#params),*],
            {
                #row_def
                fn decode(row: &::quarry::Row) -> ::core::result::Result<#row_ty, ::quarry::Error> {
                    #build
                }
                decode
            },
        )
    })
}

/// The row struct (several columns), the row type, and the `Result` expression decoding `row`.
fn row(query: &Query, span: Span) -> syn::Result<(TokenStream, TokenStream, TokenStream)> {
    let mut fields = Vec::new();
    let mut values = Vec::new();
    for (i, column) in query.columns.iter().enumerate() {
        let mut ty = parse_type(&column.rust, span)?;
        if column.nullable {
            ty = quote!(::core::option::Option<#ty>);
        }
        let doc = format!(
            " `{}` ({}): {}.",
            column.name,
            if column.nullable { "nullable" } else { "not null" },
            column.reason
        );
        fields.push((quarry_inline::tokens::ident(&column.field, span), ty, doc));
        values.push(quote!(::quarry::__private::get(row, #i)));
    }
    match fields.as_slice() {
        [] => Ok((quote!(), quote!(()), quote!(::core::result::Result::Ok(())))),
        [(_, ty, _)] => Ok((quote!(), ty.clone(), values[0].clone())),
        _ => {
            let defs = fields
                .iter()
                .map(|(name, ty, doc)| quote!(#[doc = #doc] pub #name: #ty));
            let names = fields.iter().map(|(name, _, _)| name);
            Ok((
                quote! {
                    /// A row of this inline query.
                    #[derive(Debug, Clone, PartialEq)]
                    pub struct Row { #(#defs),* }
                },
                quote!(Row),
                quote!(::core::result::Result::Ok(Row { #(#names: #values?),* })),
            ))
        }
    }
}

fn parse_type(rust: &str, span: Span) -> syn::Result<TokenStream> {
    let ty: syn::Type = syn::parse_str(rust)
        .map_err(|e| syn::Error::new(span, format!("the snapshot holds an invalid Rust type `{rust}`: {e}")))?;
    Ok(respan(quote!(#ty), span))
}

/// Tokens with every span set to `span` (the string literal they come from), so errors in
/// an interpolated expression point at the query.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = inner.into();
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// `message`, and where in the query: the line with a caret under `offset` (stable Rust
/// cannot point inside a string literal, so the position is drawn).
fn at(text: &str, offset: Option<usize>, message: &str) -> String {
    let Some(offset) = offset.filter(|o| *o <= text.len()) else {
        return message.to_string();
    };
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line_no = text[..offset].matches('\n').count() + 1;
    let column = text[line_start..offset].chars().count();
    format!(
        "{message}\n  at line {line_no}, column {} of the query:\n  | {}\n  | {}^",
        column + 1,
        &text[line_start..line_end],
        " ".repeat(column)
    )
}

/// `QUARRY_SNAPSHOT` (relative to the crate), else `quarry.snapshot.json` next to Cargo.toml.
fn snapshot_path() -> Result<PathBuf, String> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| "CARGO_MANIFEST_DIR is not set: build with cargo".to_string())?;
    let path = match std::env::var("QUARRY_SNAPSHOT") {
        Ok(path) => Path::new(&manifest).join(path),
        Err(_) => Path::new(&manifest).join("quarry.snapshot.json"),
    };
    Ok(path)
}

/// The entry for `template` in the snapshot at `path`, and whether this call read the file.
/// The inline section is parsed once per compilation (read again if the file changed, for
/// long-lived macro servers such as rust-analyzer's); only the one entry is cloned.
fn lookup(path: &Path, template: &str) -> Result<(Option<Entry>, bool), String> {
    type Loaded = (Option<std::time::SystemTime>, Result<InlineQueries, String>);
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Loaded>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let stale = cache.get(path).is_none_or(|(at, _)| *at != modified);
    if stale {
        cache.insert(path.to_path_buf(), (modified, read(path)));
    }
    let queries = cache[path].1.as_ref().map_err(Clone::clone)?;
    Ok((queries.get(template).cloned(), stale))
}

fn read(path: &Path) -> Result<InlineQueries, String> {
    #[derive(serde::Deserialize)]
    struct Snapshot {
        #[serde(default)]
        inline: InlineQueries,
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "no offline snapshot at {} ({e}): run `cargo quarry regenerate` next to Cargo.toml",
            path.display()
        )
    })?;
    serde_json::from_str::<Snapshot>(&text).map(|s| s.inline).map_err(|e| {
        format!(
            "{} is not a quarry snapshot ({e}): run `cargo quarry regenerate`",
            path.display()
        )
    })
}
