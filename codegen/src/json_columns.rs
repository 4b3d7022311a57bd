//! Typed nested results from JSON: a `json`/`jsonb` column whose shape the SQL spells out
//! (`json_agg(b)`, `json_build_object('id', l.id, …)`, `to_jsonb(p)`; see
//! [`crate::nullability::JsonShape`]) becomes Rust structs and `Vec`s, read with `FromJson`.
//!
//! Inference gives the shape and each value's nullability; one more statement, the *probe*,
//! asks the server for each value's SQL type. Only types whose JSON form holds the value
//! exactly are allowed (docs/nested.md): a shape holding another (`bytea`, `interval`, a type
//! override, a free-standing composite) stays `serde_json::Value`, with a warning that says
//! which value and why.

use crate::model::{JsonField, JsonStruct};
use crate::nullability::{element_nullability, probe_statement, Elements, JsonNode, JsonShape};
use crate::pg::Connection;
use crate::types::{Resolver, RustType, MODELS_PATH, TYPES_PATH};
use postgres_types::{Kind, Type};

/// Rust types read from their JSON form exactly (`quarry::types::FromJson`).
const EXACT_IN_JSON: &[&str] = &[
    "bool",
    "i16",
    "i32",
    "i64",
    "f32",
    "f64",
    "::std::string::String",
    "::quarry::rust_decimal::Decimal",
    "::quarry::uuid::Uuid",
    "::quarry::serde_json::Value",
    "::quarry::chrono::NaiveDate",
    "::quarry::chrono::NaiveTime",
    "::quarry::chrono::NaiveDateTime",
    "::quarry::chrono::DateTime<::quarry::chrono::Utc>",
];

/// A JSON column, typed.
#[derive(Debug)]
pub(crate) struct Typed {
    /// The column's Rust type.
    pub ty: RustType,
    /// The structs of its objects, outermost first.
    pub structs: Vec<JsonStruct>,
}

/// Types the JSON column `column` (of type `column_type`) of query `sql`, whose structs are
/// named from `prefix`. `Err` says, in words, why it stays `serde_json::Value`.
pub(crate) fn type_column(
    client: &mut Connection,
    resolver: &mut Resolver<'_>,
    (sql, params): (&str, &[Type]),
    column_type: &Type,
    shape: &JsonShape,
    prefix: &str,
) -> Result<Typed, String> {
    let probes = shape.probes();
    let probe = probe_statement(sql, &probes).ok_or("the statement is not a plain SELECT")?;
    let param_oids: Vec<u32> = params.iter().map(Type::oid).collect();
    let described = client
        .prepare_all_typed(&[(&probe, &param_oids)], |_| {})
        .map_err(|e| format!("the type probe failed: {e}"))?
        .pop()
        .ok_or("the type probe returned nothing")?
        .map_err(|e| format!("the server refused the type probe ({})", e.message()))?;
    let mut types = described.columns().iter().map(|c| c.type_().clone());
    let mut structs = Vec::new();
    let mut typer = Typer {
        resolver,
        types: &mut types,
        structs: &mut structs,
    };
    let owned = typer.shape(shape, prefix, "the column")?;
    Ok(Typed {
        ty: RustType {
            owned: owned.clone(),
            param: format!("&{owned}"),
            borrowed: owned,
            ..RustType::by_ref(column_type, "")
        },
        structs,
    })
}

struct Typer<'r, 's, 't> {
    resolver: &'r mut Resolver<'s>,
    types: &'t mut dyn Iterator<Item = Type>,
    structs: &'t mut Vec<JsonStruct>,
}

impl Typer<'_, '_, '_> {
    /// The Rust type of a value of this shape (without its `Option`); `at` names it for errors.
    fn shape(&mut self, shape: &JsonShape, name: &str, at: &str) -> Result<String, String> {
        match shape {
            JsonShape::Value(_) => {
                let ty = self.types.next().ok_or("the type probe has too few columns")?;
                self.value(&ty).map_err(|why| format!("{at}: {why}"))
            }
            JsonShape::Array(element) => {
                let inner = self.node(element, &crate::naming::singular(name), &format!("{at}'s elements"))?;
                Ok(format!("::std::vec::Vec<{inner}>"))
            }
            JsonShape::Object { fields, sql } => self.object(fields, sql, name),
        }
    }

    fn node(&mut self, node: &JsonNode, name: &str, at: &str) -> Result<String, String> {
        let ty = self.shape(&node.shape, name, at)?;
        Ok(match node.nullable {
            true => format!("::core::option::Option<{ty}>"),
            false => ty,
        })
    }

    fn object(&mut self, keys: &[(String, JsonNode)], sql: &str, name: &str) -> Result<String, String> {
        let at = self.structs.len();
        // The outer struct comes first in the docs; its place is kept while its fields are typed.
        self.structs.push(JsonStruct {
            name: crate::naming::camel(name),
            column: String::new(),
            sql: sql.to_string(),
            fields: Vec::new(),
        });
        let mut fields: Vec<JsonField> = Vec::new();
        for (key, node) in keys {
            let field = crate::naming::field(key).ok_or_else(|| format!("key `{key}` is not a Rust field name"))?;
            if fields.iter().any(|f| f.field == field) {
                return Err(format!("two keys become field `{field}`"));
            }
            let ty = self.shape(&node.shape, &format!("{name}_{key}"), &format!("key `{key}`"))?;
            fields.push(JsonField {
                field,
                key: key.clone(),
                ty,
                nullable: node.nullable,
                reason: node.reason.clone(),
            });
        }
        self.structs[at].fields = fields;
        Ok(self.structs[at].name.clone())
    }

    /// A SQL value inside the JSON: its Rust type if its JSON form is exact.
    fn value(&mut self, ty: &Type) -> Result<String, String> {
        if *ty == Type::RECORD {
            return Err("an anonymous row (of a CTE, a subquery or ROW(…)) has no known columns; build its object with json_build_object(…)".into());
        }
        if let Kind::Composite(_) = ty.kind() {
            let rust = self.resolver.resolve(ty).map_err(|e| e.hint)?.owned;
            let model = rust
                .strip_prefix(MODELS_PATH)
                .map(|m| m.trim_start_matches("::").to_string())
                .ok_or_else(|| {
                    format!(
                        "composite type `{}` is not a table's row; build its object with json_build_object(…)",
                        ty.name()
                    )
                })?;
            self.model(&model)?;
            return Ok(rust);
        }
        let rust = self.resolver.resolve(ty).map_err(|e| e.hint)?;
        let (rust, _) = element_nullability(rust, &Elements::Unknown, self.resolver.settings());
        self.exact(&rust.owned, ty.name())?;
        Ok(rust.owned)
    }

    /// Checks a table's struct can be read from JSON, and marks it so.
    fn model(&mut self, model: &str) -> Result<(), String> {
        let columns: Vec<(String, String)> = self
            .resolver
            .models()
            .columns(model)
            .iter()
            .map(|c| (c.pg_name.clone(), c.ty.owned.clone()))
            .collect();
        for (column, owned) in columns {
            self.exact(&owned, &column)
                .map_err(|why| format!("column `{column}` of `{model}`: {why}"))?;
        }
        self.resolver.models().mark_json(model);
        Ok(())
    }

    /// Whether `owned` is read exactly from PostgreSQL's JSON form of its type.
    fn exact(&mut self, owned: &str, pg: &str) -> Result<(), String> {
        let inner = unwrap(owned);
        if EXACT_IN_JSON.contains(&inner) {
            return Ok(());
        }
        if let Some(path) = inner.strip_prefix(TYPES_PATH) {
            if self.resolver.enum_in_json(path.trim_start_matches("::")) {
                return Ok(());
            }
        }
        Err(format!(
            "`{pg}` (Rust `{}`) has no exact JSON form quarry reads; select it as its own column, or aggregate the rows with array_agg(…) (binary, every type)",
            owned.replace(TYPES_PATH, "types")
        ))
    }
}

/// The innermost type of `Vec<…>` and `Option<…>` wrappers.
fn unwrap(mut owned: &str) -> &str {
    loop {
        let stripped = ["::std::vec::Vec<", "::core::option::Option<"]
            .iter()
            .find_map(|w| owned.strip_prefix(w).and_then(|r| r.strip_suffix('>')));
        match stripped {
            Some(inner) => owned = inner,
            None => return owned,
        }
    }
}
