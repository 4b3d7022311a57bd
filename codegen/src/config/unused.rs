//! Warnings for type settings that matched nothing: a misspelt `types`, `columns` or
//! `query_columns` key (quarry.toml or the builder) would otherwise silently do nothing.
//!
//! A query column setting is used when that query has that column or parameter. A type or
//! table column setting counts as used when its Rust type appears in one of the model's types
//! (parameters, columns, composite fields, shared models): an applied override always puts it
//! there, so a warning is never wrong, but two settings with the same Rust type (or a common
//! one such as `String`) can hide a typo.

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::model::Model;
use std::panic::Location;
use std::path::Path;

/// Which setting map a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setting {
    /// `type_override` / `[types]`.
    Type,
    /// `column_type` / `[columns]`.
    Column,
    /// `query_column_type` / `[query_columns]`.
    QueryColumn,
}

/// Where one type setting was made.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub setting: Setting,
    pub key: String,
    pub rust: String,
    /// The location, with an empty message.
    pub at: Diagnostic,
}

impl Site {
    /// A setting made by a builder call at `caller` (build.rs or a test).
    pub(crate) fn at_caller(setting: Setting, key: &str, rust: &str, caller: &Location<'_>) -> Self {
        Site {
            setting,
            key: key.to_string(),
            rust: rust.to_string(),
            at: at_location(caller),
        }
    }
}

/// A diagnostic at a caller's file:line:column, with the source line when the file can be
/// found: rustc records it relative to the workspace root, and build scripts run in the
/// package folder, so the current folder's ancestors are tried.
fn at_location(caller: &Location<'_>) -> Diagnostic {
    let path = Path::new(caller.file());
    let text = std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            cwd.ancestors()
                .find_map(|dir| std::fs::read_to_string(dir.join(path)).ok())
        })
        .unwrap_or_default();
    let source = SourceFile::new(caller.file(), text);
    let line_start: usize = source
        .text
        .split_inclusive('\n')
        .take(caller.line() as usize - 1)
        .map(str::len)
        .sum();
    let offset = source.text[line_start.min(source.text.len())..]
        .char_indices()
        .nth(caller.column() as usize - 1)
        .map_or(line_start, |(i, _)| line_start + i);
    let mut at = Diagnostic::at(&source, offset..offset + 1, "");
    at.line = caller.line();
    at.column = caller.column();
    at
}

/// A warning per setting that matched nothing in `model` (by the rules above).
pub(crate) fn warnings(model: &Model, sites: &[Site]) -> Vec<Diagnostic> {
    if sites.is_empty() {
        return Vec::new();
    }
    let types = rust_types(model);
    sites
        .iter()
        .filter(|site| match site.setting {
            Setting::QueryColumn => !has_query_column(model, &site.key),
            Setting::Type | Setting::Column => !types.iter().any(|t| t.contains(site.rust.as_str())),
        })
        .map(|site| {
            let (what, none, keys) = match site.setting {
                Setting::Type => (
                    "type override",
                    "no parameter or column of any query has that type",
                    "a PostgreSQL type's `name` or `schema.name`",
                ),
                Setting::Column => (
                    "column type",
                    "no query returns that table column unchanged",
                    "`table.column` or `schema.table.column`",
                ),
                Setting::QueryColumn => (
                    "query column type",
                    "no query has that result column or parameter",
                    "`query_name.column` or `query_name.parameter`, with the name as written after `-- name:`",
                ),
            };
            let mut warning = site
                .at
                .clone()
                .warning()
                .with_help(format!("keys are {keys}; check the spelling, or remove the setting"));
            warning.message = format!("{what} `{}` = `{}` matched nothing: {none}", site.key, site.rust);
            warning
        })
        .collect()
}

/// Whether `key` (`query_name.column` or `query_name.parameter`) names a result column or a
/// parameter of a query in `model`.
fn has_query_column(model: &Model, key: &str) -> bool {
    let Some((query, column)) = key.split_once('.') else {
        return false;
    };
    let fn_name = crate::naming::snake(query);
    let param = crate::naming::snake(column);
    model
        .modules
        .iter()
        .flat_map(|m| &m.queries)
        .filter(|q| q.fn_name == fn_name)
        .any(|q| q.columns.iter().any(|c| c.pg_name == column) || q.params.iter().any(|p| p.name == param))
}

/// Every Rust type the model's code names: parameters, columns, shared models' columns and
/// composite fields (an override may sit inside `Vec<…>` or `Range<…>`).
fn rust_types(model: &Model) -> Vec<&str> {
    let queries = model.modules.iter().flat_map(|m| &m.queries);
    let params = queries.clone().flat_map(|q| &q.params).map(|p| &p.ty);
    let columns = queries.flat_map(|q| &q.columns).map(|c| &c.ty);
    let models = model.tables.iter().flat_map(|t| &t.columns).map(|c| &c.ty);
    let fields = model.user_types.iter().flat_map(|u| match &u.kind {
        crate::types::UserTypeKind::Composite(fields) => fields.iter().map(|(_, ty)| ty).collect(),
        crate::types::UserTypeKind::Domain(base) => vec![base],
        crate::types::UserTypeKind::Enum(_) => Vec::new(),
    });
    params
        .chain(columns)
        .chain(models)
        .chain(fields)
        .map(|ty| ty.owned.as_str())
        .collect()
}
