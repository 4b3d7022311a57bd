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
            quarry_inline::migrations::statement_ranges(sql)
                .into_iter()
                .map(|(start, end)| quote!((#start, #end)))
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

#[cfg(test)]
mod tests {
    use super::expand;
    use quote::quote;

    #[test]
    fn a_folder_that_is_not_migrations_fails_at_the_macro() {
        let missing = expand(quote!("no/such/folder")).unwrap_err().to_string();
        assert!(missing.contains("not a folder of migrations"), "{missing}");
        assert!(missing.contains("relative to the crate's Cargo.toml"), "{missing}");
        // A file without a version is refused; with one, the folder expands.
        let dir = std::env::temp_dir().join(format!("quarry-macro-migrations-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("init.sql"), "CREATE TABLE t (id int);").unwrap();
        let path = dir.to_string_lossy().into_owned();
        let unversioned = expand(quote!(#path)).unwrap_err().to_string();
        assert!(
            unversioned.contains("a migration's name starts with its version"),
            "{unversioned}"
        );
        std::fs::rename(dir.join("init.sql"), dir.join("1_init.sql")).unwrap();
        let expanded = expand(quote!(#path)).unwrap().to_string();
        assert!(
            expanded.contains("version : 1i64") || expanded.contains("version: 1i64"),
            "{expanded}"
        );
        assert!(
            expanded.contains("include_str !"),
            "each file is included, so editing it rebuilds"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
