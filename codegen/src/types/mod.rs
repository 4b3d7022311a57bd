//! PostgreSQL type → Rust type.
//!
//! [`Resolver::resolve`] walks a type as tokio-postgres describes it (with its kind: enum,
//! composite, domain, array, range…): overrides first, then built-in types by OID, then
//! extension types by name, then the kinds. User-defined enums and composites are collected
//! once, for the shared `types` module. Anything else is [`Unsupported`], with the override
//! that would map it.

mod builtin;
mod user;

pub use builtin::TimeCrate;
pub use user::{UserType, UserTypeKind};

use crate::model::TableModel;
use crate::nullability::RelationByOid;
use crate::table_models::TableModels;
use postgres_types::{Kind, Type};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Where generated code reaches the shared `types` module; replaced by the emitter with the
/// path valid at each use site (`super::types` from a query module).
pub const TYPES_PATH: &str = "__quarry_types__";

/// The placeholder for the path of the shared `models` module (one struct per table), which
/// a table's row type maps to (`array_agg(b)` → `Vec<models::Book>`); replaced like
/// [`TYPES_PATH`].
pub const MODELS_PATH: &str = "__quarry_models__";

/// How one PostgreSQL type appears in generated code. Type strings may contain
/// [`TYPES_PATH`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RustType {
    /// PostgreSQL's name for the type (schema-qualified outside `public`/`pg_catalog`).
    pub pg_name: String,
    /// The type's own name as the server reports it for a column (`int4`, `_text`, `mood`),
    /// which the runtime's `verify` compares against.
    pub wire_name: String,
    /// The OID a parameter of this type is prepared with: fixed for built-in types, `0`
    /// (the server infers it) for types whose OID differs between databases.
    pub param_oid: u32,
    /// The owned Rust type read from a row, e.g. `String`.
    pub owned: String,
    /// The type a generated function takes as a parameter, e.g. `&str`.
    pub param: String,
    /// The type read by the zero-copy row variant (may borrow with lifetime `'r`).
    pub borrowed: String,
    /// Whether a domain is involved whose type the server will report for a parameter
    /// (`param_oid` 0): the value is then encoded as the domain's base type.
    pub via_domain: bool,
}

impl RustType {
    fn new(ty: &Type, owned: impl Into<String>, param: impl Into<String>, borrowed: impl Into<String>) -> Self {
        RustType {
            pg_name: display_name(ty),
            wire_name: ty.name().to_string(),
            param_oid: if is_builtin(ty) { ty.oid() } else { 0 },
            owned: owned.into(),
            param: param.into(),
            borrowed: borrowed.into(),
            via_domain: false,
        }
    }

    /// This one-dimensional array type with `Option` elements (`Vec<Option<T>>`), or `None`
    /// when it is not an array quarry maps to a `Vec` (an override, say).
    pub fn with_nullable_elements(&self) -> Option<RustType> {
        const VEC: &str = "::std::vec::Vec<";
        const ITER: &str = "::quarry::types::ArrayIter<'r, ";
        let owned = self.owned.strip_prefix(VEC)?.strip_suffix('>')?;
        let borrowed = self.borrowed.strip_prefix(ITER)?.strip_suffix('>')?;
        if owned.starts_with("::core::option::Option<") {
            return None;
        }
        Some(RustType {
            owned: format!("{VEC}::core::option::Option<{owned}>>"),
            borrowed: format!("{ITER}::core::option::Option<{borrowed}>>"),
            ..self.clone()
        })
    }

    /// A type passed by value as a parameter and read the same way in both row forms.
    fn copy(ty: &Type, rust: impl Into<String>) -> Self {
        let rust = rust.into();
        RustType::new(ty, rust.clone(), rust.clone(), rust)
    }

    /// A type passed by reference as a parameter, owned in both row forms.
    pub fn by_ref(ty: &Type, rust: impl Into<String>) -> Self {
        let rust = rust.into();
        RustType::new(ty, rust.clone(), format!("&{rust}"), rust)
    }
}

/// Settings that change the mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeSettings {
    /// Which crate date and time types come from.
    pub time_crate: TimeCrate,
    /// Whether `point`, `box` and `path` map to geo-types (runtime feature `geo-types`).
    pub geo_types: bool,
    /// Whether array elements not proven non-null are `Option<T>` (else `T`).
    pub nullable_array_elements: bool,
    /// Whether each domain gets a Rust newtype in the `types` module (else its base type).
    pub domain_newtypes: bool,
    /// PostgreSQL type (`name` or `schema.name`) → Rust type path.
    pub overrides: BTreeMap<String, String>,
    /// Table column (`table.column` or `schema.table.column`) → Rust type path, for every
    /// result column read straight from it.
    pub table_columns: BTreeMap<String, String>,
    /// Result column or parameter of one query (`query_name.column`) → Rust type path.
    pub query_columns: BTreeMap<String, String>,
}

impl TypeSettings {
    /// The override for result column `column` of query `query`, whose origin (when read
    /// straight from a table) is `origin` = (schema, table, column).
    pub fn column_override(&self, query: &str, column: &str, origin: Option<(&str, &str, &str)>) -> Option<&str> {
        if let Some(rust) = self.query_columns.get(&format!("{query}.{column}")) {
            return Some(rust);
        }
        self.table_column_override(origin?)
    }

    /// The override for table column `(schema, table, column)`, wherever it is read.
    pub fn table_column_override(&self, (schema, table, attribute): (&str, &str, &str)) -> Option<&str> {
        self.table_columns
            .get(&format!("{schema}.{table}.{attribute}"))
            .or_else(|| self.table_columns.get(&format!("{table}.{attribute}")))
            .map(String::as_str)
    }
}

/// A type quarry cannot map, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The type's qualified name, as an override key.
    pub pg_type: String,
    /// What to do about it.
    pub hint: String,
}

/// Resolves types and collects the user-defined ones they use.
#[derive(Debug)]
pub struct Resolver<'s> {
    settings: &'s TypeSettings,
    user_types: BTreeMap<(String, String), UserType>,
    /// Each table, by the OID of its row type.
    table_rows: HashMap<u32, RelationByOid>,
    /// The shared per-table structs, which table row types map to.
    models: TableModels,
}

impl<'s> Resolver<'s> {
    /// A resolver with no user-defined types collected yet.
    pub fn new(settings: &'s TypeSettings) -> Self {
        Resolver {
            settings,
            user_types: BTreeMap::new(),
            table_rows: HashMap::new(),
            models: TableModels::default(),
        }
    }

    /// Tells the resolver which composite types are table row types: they map to the
    /// table's shared struct in `models`, whose `NOT NULL` columns are not `Option`.
    pub fn with_table_rows(mut self, table_rows: HashMap<u32, RelationByOid>) -> Self {
        self.table_rows = table_rows;
        self
    }

    /// Whether `path` (below the `types` module) is a user-defined enum; if so it is marked as
    /// read from JSON too (it gets `FromJson`).
    pub fn enum_in_json(&mut self, path: &str) -> bool {
        let found = self
            .user_types
            .values_mut()
            .find(|t| t.rust_path() == path && matches!(t.kind, UserTypeKind::Enum(_)));
        match found {
            Some(ty) => {
                ty.json = true;
                true
            }
            None => false,
        }
    }

    /// The shared per-table structs found so far (`SELECT *`, `sqlc.embed`, table row types).
    pub fn models(&mut self) -> &mut TableModels {
        &mut self.models
    }

    /// The override for parameter `param` of query `query`.
    pub fn param_override(&self, query: &str, param: &str) -> Option<&str> {
        self.settings
            .query_columns
            .get(&format!("{query}.{param}"))
            .map(String::as_str)
    }

    /// The settings this resolver maps with.
    pub fn settings(&self) -> &'s TypeSettings {
        self.settings
    }

    /// The enums and composites used, sorted by schema and name, and the per-table structs.
    pub fn into_parts(self) -> (Vec<UserType>, Vec<TableModel>) {
        (self.user_types.into_values().collect(), self.models.into_models())
    }

    /// Maps `ty` to Rust.
    pub fn resolve(&mut self, ty: &Type) -> Result<RustType, Unsupported> {
        if let Some(rust) = self.override_for(ty) {
            return Ok(RustType::by_ref(ty, rust));
        }
        if let Some(rust) = builtin::map(ty, self.settings) {
            return rust;
        }
        match ty.kind() {
            Kind::Array(element) => self.array(ty, element),
            Kind::Range(element) => {
                let element = self.resolve(element)?;
                Ok(RustType::by_ref(
                    ty,
                    format!("::quarry::types::Range<{}>", element.owned),
                ))
            }
            Kind::Multirange(element) => {
                let element = self.resolve(element)?;
                Ok(RustType::by_ref(
                    ty,
                    format!("::quarry::types::Multirange<{}>", element.owned),
                ))
            }
            Kind::Domain(base) => {
                // Sent and received in the base type's format; the server checks the domain.
                let base = self.resolve(base)?;
                let rust = match self.settings.domain_newtypes {
                    true => self.user_type(ty, UserTypeKind::Domain(base.clone()), false)?,
                    false => base.clone(),
                };
                Ok(RustType {
                    pg_name: display_name(ty),
                    wire_name: base.wire_name,
                    param_oid: base.param_oid,
                    via_domain: base.param_oid == 0,
                    ..rust
                })
            }
            Kind::Enum(labels) => self.user_type(ty, UserTypeKind::Enum(labels.clone()), true),
            Kind::Composite(fields) => {
                let mut resolved = Vec::new();
                for field in fields {
                    let rust = self.resolve(field.type_()).map_err(|e| Unsupported {
                        hint: format!("field `{}` of `{}`: {}", field.name(), display_name(ty), e.hint),
                        ..e
                    })?;
                    resolved.push((field.name().to_string(), rust));
                }
                if let Some(model) = self.table_row_model(ty, fields, &resolved) {
                    return Ok(RustType::by_ref(ty, format!("{MODELS_PATH}::{model}")));
                }
                self.user_type(ty, UserTypeKind::Composite(resolved), false)
            }
            _ => Err(unsupported(ty, None)),
        }
    }

    /// A table's row type is the table's shared struct, with the table's column overrides; a
    /// table whose struct a per-query override already shaped differently keeps a composite
    /// of its own in `types`.
    fn table_row_model(
        &mut self,
        ty: &Type,
        fields: &[postgres_types::Field],
        resolved: &[(String, RustType)],
    ) -> Option<String> {
        let relation = self.table_rows.get(&ty.oid())?;
        let fields = fields
            .iter()
            .zip(resolved)
            .map(|(field, (name, rust))| {
                let origin = (relation.schema.as_str(), relation.name.as_str(), name.as_str());
                match self.settings.table_column_override(origin) {
                    Some(path) => (name.clone(), RustType::by_ref(field.type_(), path.to_string())),
                    None => (name.clone(), rust.clone()),
                }
            })
            .collect();
        self.models.table_row(relation, fields)
    }

    fn override_for(&self, ty: &Type) -> Option<String> {
        let overrides = &self.settings.overrides;
        overrides
            .get(&format!("{}.{}", ty.schema(), ty.name()))
            .or_else(|| overrides.get(ty.name()))
            .cloned()
    }

    fn array(&mut self, ty: &Type, element: &Type) -> Result<RustType, Unsupported> {
        let inner = self.resolve(element)?;
        let param = if inner.param == "&str" {
            "&[impl ::quarry::types::Str]".to_string()
        } else {
            format!("&[{}]", inner.owned)
        };
        let param_oid = if is_builtin(ty) {
            ty.oid()
        } else if inner.param_oid != 0 {
            // An array of a domain over a built-in type: send the base type's array.
            array_of(inner.param_oid).unwrap_or(0)
        } else {
            0
        };
        Ok(RustType {
            pg_name: display_name(ty),
            wire_name: ty.name().to_string(),
            param_oid,
            owned: format!("::std::vec::Vec<{}>", inner.owned),
            param,
            borrowed: format!("::quarry::types::ArrayIter<'r, {}>", inner.borrowed),
            via_domain: inner.via_domain && param_oid == 0,
        })
    }

    fn user_type(&mut self, ty: &Type, kind: UserTypeKind, copy: bool) -> Result<RustType, Unsupported> {
        let mut def = UserType::new(ty, kind).map_err(|hint| Unsupported {
            pg_type: display_name(ty),
            hint,
        })?;
        if let Some(relation) = self.table_rows.get(&ty.oid()) {
            def.table_row = true;
            def.not_null_fields = relation
                .columns
                .iter()
                .filter(|(_, _, not_null)| *not_null)
                .map(|(_, name, _)| name.clone())
                .collect();
        }
        let path = format!("{TYPES_PATH}::{}", def.rust_path());
        self.user_types
            .entry((ty.schema().to_string(), ty.name().to_string()))
            .or_insert(def);
        Ok(if copy {
            RustType::copy(ty, path)
        } else {
            RustType::by_ref(ty, path)
        })
    }
}

/// The error for a type without a mapping.
fn unsupported(ty: &Type, why: Option<&str>) -> Unsupported {
    let key = display_name(ty);
    let why = why.map_or_else(String::new, |w| format!("{w}; otherwise "));
    Unsupported {
        hint: format!(
            "{why}map it to a Rust type that implements `ToSql` and `FromSql`: \
             `.type_override(\"{key}\", \"your_crate::YourType\")` in build.rs, or \
             `--type-override {key}=your_crate::YourType` with cargo quarry; or cast it in the SQL (e.g. `::text`)"
        ),
        pg_type: key,
    }
}

/// `name` for types in `public` and `pg_catalog`, `schema.name` otherwise; arrays as `element[]`.
pub fn display_name(ty: &Type) -> String {
    if let Kind::Array(element) = ty.kind() {
        return format!("{}[]", display_name(element));
    }
    match ty.schema() {
        "public" | "pg_catalog" | "" => ty.name().to_string(),
        schema => format!("{schema}.{}", ty.name()),
    }
}

/// Built-in types have the same OID in every database (below `FirstNormalObjectId`).
fn is_builtin(ty: &Type) -> bool {
    ty.oid() < 16384 && Type::from_oid(ty.oid()).is_some()
}

/// The built-in array type whose elements have OID `element`.
pub(crate) fn array_of(element: u32) -> Option<u32> {
    static ARRAYS: OnceLock<HashMap<u32, u32>> = OnceLock::new();
    let arrays = ARRAYS.get_or_init(|| {
        (0..16384)
            .filter_map(Type::from_oid)
            .filter_map(|t| match t.kind() {
                Kind::Array(e) => Some((e.oid(), t.oid())),
                _ => None,
            })
            .collect()
    });
    arrays.get(&element).copied()
}
