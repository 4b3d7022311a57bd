//! The emitter's one boundary check: every Rust type, derive and attribute in the model and
//! the options parses, and every `:copyfrom` query carries its COPY statement. A model built
//! by introspection always passes; one read from a snapshot may not (an edited or damaged
//! file), and that must be an error, not a panic. The token builders rely on it afterwards.

use super::EmitOptions;
use crate::model::{Model, Query};
use crate::parse::QueryKind;
use crate::types::{RustType, UserTypeKind, MODELS_PATH, TYPES_PATH};

/// What the emitter cannot write, in words.
pub(super) fn check(model: &Model, options: &EmitOptions) -> Result<(), String> {
    for ty in types(model) {
        for rust in [&ty.owned, &ty.param, &ty.borrowed] {
            // The path placeholder stands for `super::types`; any path parses the same.
            let rust = rust.replace(TYPES_PATH, "types").replace(MODELS_PATH, "models");
            if syn::parse_str::<syn::Type>(&rust).is_err() {
                return Err(format!("`{rust}` (for PostgreSQL `{}`) is not a Rust type", ty.pg_name));
            }
        }
    }
    let json_fields = model
        .modules
        .iter()
        .flat_map(|m| &m.queries)
        .flat_map(|q| &q.json_structs)
        .flat_map(|s| &s.fields);
    for field in json_fields {
        let rust = field.ty.replace(TYPES_PATH, "types").replace(MODELS_PATH, "models");
        if syn::parse_str::<syn::Type>(&rust).is_err() || !crate::naming::is_rust_name(&field.field) {
            return Err(format!(
                "`{}: {rust}` (JSON key `{}`) is not a Rust field",
                field.field, field.key
            ));
        }
    }
    for derive in options.row_derives.iter().chain(&options.type_derives) {
        if syn::parse_str::<syn::Path>(derive).is_err() {
            return Err(format!("`{derive}` is not a derive path"));
        }
    }
    for attribute in &options.row_attributes {
        if attribute.parse::<proc_macro2::TokenStream>().is_err() {
            return Err(format!("`{attribute}` is not an attribute"));
        }
    }
    let queries = model.modules.iter().flat_map(|m| &m.queries);
    if let Some(query) = queries
        .clone()
        .find(|q| q.kind == QueryKind::CopyFrom && q.copy_sql.is_none())
    {
        return Err(format!("`:copyfrom` query `{}` has no COPY statement", query.fn_name));
    }
    if let Some(query) = queries.clone().find(|q| q.kind.is_bulk() && q.bulk.is_none()) {
        return Err(format!(
            "`{}` query `{}` has no bulk statement",
            query.kind.name(),
            query.fn_name
        ));
    }
    Ok(())
}

/// Every Rust type the emitter will write.
fn types(model: &Model) -> impl Iterator<Item = &RustType> {
    let queries = model.modules.iter().flat_map(|m| &m.queries);
    let of_queries =
        queries.flat_map(|q: &Query| q.params.iter().map(|p| &p.ty).chain(q.columns.iter().map(|c| &c.ty)));
    let of_tables = model.tables.iter().flat_map(|t| t.columns.iter().map(|c| &c.ty));
    let of_types = model.user_types.iter().flat_map(|t| match &t.kind {
        UserTypeKind::Composite(fields) => fields.iter().map(|(_, ty)| ty).collect::<Vec<_>>(),
        UserTypeKind::Domain(base) => vec![base],
        UserTypeKind::Enum(_) => Vec::new(),
    });
    of_queries.chain(of_tables).chain(of_types)
}
