//! User-defined enums and composites, emitted once in the shared `types` module.

use super::RustType;
use heck::{ToSnakeCase, ToUpperCamelCase};
use postgres_types::Type;
use std::collections::HashSet;

/// An enum, composite or (with `domain_newtypes`) domain used by at least one query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserType {
    /// The schema it lives in.
    pub schema: String,
    /// Its PostgreSQL name.
    pub pg_name: String,
    /// The Rust type name (UpperCamelCase).
    pub rust_name: String,
    /// Labels or fields.
    pub kind: UserTypeKind,
    /// A table's row type (`SELECT t FROM t`, `array_agg(t)`), not a free-standing composite.
    #[serde(default)]
    pub table_row: bool,
    /// For a table's row type, its `NOT NULL` columns: fields the struct keeps non-null.
    #[serde(default)]
    pub not_null_fields: Vec<String>,
    /// Read from JSON too (an enum inside `json_agg(…)`): it gets `FromJson`.
    #[serde(default)]
    pub json: bool,
}

/// What a [`UserType`] is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UserTypeKind {
    /// Enum labels, in declaration order.
    Enum(Vec<String>),
    /// Fields in order: PostgreSQL name and type. Fields are nullable unless the type is a
    /// table's row type and the column `NOT NULL` ([`UserType::not_null_fields`]): PostgreSQL
    /// cannot declare a free-standing composite type's attribute `NOT NULL`.
    Composite(Vec<(String, RustType)>),
    /// A domain, as a newtype over its base type (setting `domain_newtypes`).
    Domain(RustType),
}

impl UserType {
    /// Checks that every label or field has a distinct Rust name.
    pub(super) fn new(ty: &Type, kind: UserTypeKind) -> Result<Self, String> {
        let names: Vec<String> = match &kind {
            UserTypeKind::Enum(labels) => labels.iter().map(|l| crate::naming::variant(l)).collect(),
            UserTypeKind::Composite(fields) => fields.iter().map(|(f, _)| crate::naming::attribute(f)).collect(),
            UserTypeKind::Domain(_) => Vec::new(),
        };
        let mut seen = HashSet::new();
        for name in &names {
            if !seen.insert(name) {
                return Err(format!(
                    "two labels or fields of `{}` become the same Rust name `{name}`; rename one, or override the type",
                    ty.name()
                ));
            }
        }
        Ok(UserType {
            schema: ty.schema().to_string(),
            pg_name: ty.name().to_string(),
            rust_name: ty.name().to_upper_camel_case(),
            kind,
            table_row: false,
            not_null_fields: Vec::new(),
            json: false,
        })
    }

    /// The module the type is emitted in: none for `public`, else the schema's name.
    pub fn module(&self) -> Option<String> {
        (self.schema != "public").then(|| self.schema.to_snake_case())
    }

    /// The path below the `types` module, e.g. `Mood` or `billing::Currency`.
    pub fn rust_path(&self) -> String {
        match self.module() {
            Some(module) => format!("{module}::{}", self.rust_name),
            None => self.rust_name.clone(),
        }
    }
}
