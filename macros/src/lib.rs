//! Procedural macros of quarry. Use them through `quarry-runtime` (`quarry::include_queries!`).
//!
//! Each macro is a thin shell: parse the input, check what can be checked, emit tokens, and
//! turn any problem into a `compile_error!` that says what to do.

mod migrations;
mod pipeline;
mod query;

use proc_macro::TokenStream;
use quote::quote;
use std::path::Path;

/// Includes the query modules generated into `OUT_DIR` by `quarry_codegen::Config::compile()`.
///
/// `include_queries!()` reads `$OUT_DIR/quarry/mod.rs`; `include_queries!("name")` reads
/// `$OUT_DIR/name/mod.rs` (for `Config::include_dir("name")`). Unlike a bare `include!`,
/// a missing build script or a missing generated folder is reported with the fix.
#[proc_macro]
pub fn include_queries(input: TokenStream) -> TokenStream {
    match expand(input.into()) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// An inline SQL query checked at compile time against the offline snapshot; see
/// `quarry::query!` for the documentation.
#[proc_macro]
pub fn query(input: TokenStream) -> TokenStream {
    match query::expand(input.into()) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// `quarry::migrations!("dir")`: the migrations of `dir` (relative to Cargo.toml), embedded
/// as a `quarry::migrate::Migrator`. See `quarry::migrations!`.
#[proc_macro]
pub fn migrations(input: TokenStream) -> TokenStream {
    match migrations::expand(input.into()) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// Generated calls run together as one pipeline; see `quarry::pipeline!`.
#[proc_macro]
pub fn pipeline(input: TokenStream) -> TokenStream {
    match pipeline::expand_async(input.into()) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// Generated blocking calls run together on one connection; see `quarry::sync::pipeline!`.
#[proc_macro]
pub fn sync_pipeline(input: TokenStream) -> TokenStream {
    match pipeline::expand(input.into()) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand(input: proc_macro2::TokenStream) -> syn::Result<proc_macro2::TokenStream> {
    let dir = if input.is_empty() {
        "quarry".to_string()
    } else {
        let literal: syn::LitStr = syn::parse2(input)?;
        let dir = literal.value();
        if dir.is_empty() || dir.contains(['/', '\\']) || dir == ".." {
            return Err(syn::Error::new(
                literal.span(),
                "expected a folder name under OUT_DIR, like \"quarry\"",
            ));
        }
        dir
    };
    let Ok(out_dir) = std::env::var("OUT_DIR") else {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "OUT_DIR is not set, so this crate has no build script: add a build.rs that calls \
             `quarry_codegen::Config::new().queries(\"queries\").schema(\"queries/schema.sql\").compile()`",
        ));
    };
    if !Path::new(&out_dir).join(&dir).join("mod.rs").is_file() {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            format!(
                "no generated queries in $OUT_DIR/{dir}: the build script must call `quarry_codegen::Config::compile()`{}",
                if dir == "quarry" { String::new() } else { format!(" with `.include_dir(\"{dir}\")`") }
            ),
        ));
    }
    let path = format!("/{dir}/mod.rs");
    Ok(quote! { include!(concat!(env!("OUT_DIR"), #path)); })
}
