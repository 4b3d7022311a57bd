//! `quarry::migrations!("dir")`: the folder read at compile time (by `quarry_inline::migrations`,
//! as the code generator reads it) into a `quarry::migrate::Migrator`.

use proc_macro2::TokenStream;
use quote::quote;
use std::path::PathBuf;

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let literal: syn::LitStr = syn::parse2(input)?;
    let error = |message: String| syn::Error::new(literal.span(), message);
    let root = std::env::var("CARGO_MANIFEST_DIR").map_err(|_| error("CARGO_MANIFEST_DIR is not set".into()))?;
    let dir = PathBuf::from(&root).join(literal.value());
    let files = quarry_inline::migrations::read_dir(&dir)
        .map_err(|e| error(format!("{e} (the path is relative to the crate's Cargo.toml: {root})")))?;
    let migrations = files.iter().map(|m| {
        let version = m.version;
        let description = &m.description;
        let shown = PathBuf::from(literal.value()).join(m.path.file_name().unwrap_or_default());
        let file = shown.to_string_lossy().into_owned();
        let absolute = m.path.to_string_lossy().into_owned();
        let up = &m.up;
        let down = match &m.down {
            Some(down) => quote!(::core::option::Option::Some(::std::borrow::Cow::Borrowed(#down))),
            None => quote!(::core::option::Option::None),
        };
        let transaction = m.transaction;
        let checksum = m.checksum.iter();
        let ranges = |sql: &str| -> Vec<TokenStream> {
            quarry_inline::migrations::statements(sql)
                .into_iter()
                .map(|(start, text)| {
                    let (start, end) = (start as u32, (start + text.len()) as u32);
                    quote!((#start, #end))
                })
                .collect()
        };
        let statements = ranges(&m.up);
        let down_statements = m.down.as_deref().map(ranges).unwrap_or_default();
        quote! {
            ::quarry::migrate::Migration {
                version: #version,
                description: ::std::borrow::Cow::Borrowed(#description),
                file: ::std::borrow::Cow::Borrowed(#file),
                up: ::std::borrow::Cow::Borrowed({
                    // Included so that editing the file rebuilds the crate.
                    const _: &str = include_str!(#absolute);
                    #up
                }),
                down: #down,
                transaction: #transaction,
                checksum: ::std::borrow::Cow::Borrowed(&[#(#checksum),*]),
                statements: ::std::borrow::Cow::Borrowed(&[#(#statements),*]),
                down_statements: ::std::borrow::Cow::Borrowed(&[#(#down_statements),*]),
            }
        }
    });
    Ok(quote! {
        ::quarry::migrate::Migrator::new(&[#(#migrations),*])
    })
}
