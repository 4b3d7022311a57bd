//! Shared row structs per table — sqlc's `models`.
//!
//! A query whose result columns are exactly one table's columns, in order (`SELECT * FROM t`,
//! `RETURNING *`, or the columns spelled out), none of them nullable where the table declares
//! `NOT NULL`, returns that table's [`TableModel`] instead of a struct of its own; its
//! `<Query>Row` name stays, as an alias. The model has the table's nullability, as in sqlc: a
//! column the query proves non-null is still `Option` there. A nullability override
//! (`AS "isbn!"`) on any column keeps the query's own, exact struct. A `sqlc.embed(t)` field is the model of `t` too, `Option` when `t` is outer-joined.
//!
//! The server says where each result column comes from (table OID and attribute number), so
//! no SQL is parsed here. A model is built from the first query that uses the table; a later
//! query whose columns map to different Rust types (a per-query type override) keeps its own
//! struct.

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::model::{Column, Embed, TableModel};
use crate::nullability::{Catalog, RelationByOid};
use crate::parse::QueryDef;

/// Where each result column comes from: `(table OID, attribute number)`.
pub type Origins = [Option<(u32, i16)>];

/// The models found so far in one run.
#[derive(Debug, Default)]
pub struct TableModels {
    models: Vec<TableModel>,
}

impl TableModels {
    /// Every model used, for `Model::tables`.
    pub fn into_models(self) -> Vec<TableModel> {
        self.models
    }

    /// The model the whole row is, if the columns are exactly one table's with its nullability.
    pub fn whole_row(&mut self, catalog: &Catalog, columns: &[Column], origins: &Origins) -> Option<String> {
        if columns.len() < 2 {
            return None;
        }
        let (relation, len) = full_table_at(catalog, origins, 0)?;
        let declared = declared(relation, columns);
        // The model is as wide as the table: a column the query proves non-null (`WHERE isbn
        // = $1`) is still `Option` in it, but a column the table guarantees and the query can
        // null (an outer join) cannot use it.
        if len != columns.len() || columns.iter().zip(&declared).any(|(c, d)| c.nullable && !d.nullable) {
            return None;
        }
        self.model_for(relation, declared)
    }

    /// The model a table's row type (`array_agg(b)`, `SELECT b FROM books b`) decodes into:
    /// `fields` are the row type's attributes, resolved. `None` when the table's model has
    /// another shape (a per-query type override made it first).
    pub fn table_row(
        &mut self,
        relation: &RelationByOid,
        fields: Vec<(String, crate::types::RustType)>,
    ) -> Option<String> {
        let same_names = fields.len() == relation.columns.len()
            && fields.iter().zip(&relation.columns).all(|((f, _), (_, c, _))| f == c);
        if !same_names {
            return None;
        }
        let columns: Vec<Column> = fields
            .into_iter()
            .map(|(name, ty)| Column {
                field: crate::naming::field(&name).unwrap_or_else(|| crate::naming::attribute(&name)),
                pg_name: name,
                ty,
                nullable: true,
                nullability_reason: String::new(),
                json: false,
            })
            .collect();
        let name = self.model_for(relation, declared(relation, &columns))?;
        if let Some(model) = self.models.iter_mut().find(|m| m.name == name) {
            model.row_type = true;
        }
        Some(name)
    }

    /// The columns of model `name` (none for an unknown name).
    pub fn columns(&self, name: &str) -> &[Column] {
        self.models
            .iter()
            .find(|m| m.name == name)
            .map_or(&[], |m| m.columns.as_slice())
    }

    /// Marks model `name` as read from JSON too (`json_agg(b)`).
    pub fn mark_json(&mut self, name: &str) {
        if let Some(model) = self.models.iter_mut().find(|m| m.name == name) {
            model.json = true;
        }
    }

    /// Resolves each `sqlc.embed` of `query` to a run of result columns, left to right.
    pub fn embeds(
        &mut self,
        catalog: &Catalog,
        source: &SourceFile,
        query: &QueryDef,
        columns: &[Column],
        origins: &Origins,
    ) -> Result<Vec<Embed>, Diagnostic> {
        let mut embeds: Vec<Embed> = Vec::new();
        let mut cursor = 0;
        for def in &query.embeds {
            let runs: Vec<(usize, &RelationByOid, usize)> = (cursor..columns.len())
                .filter_map(|at| full_table_at(catalog, origins, at).map(|(r, len)| (at, r, len)))
                .collect();
            // By table name; an alias (`sqlc.embed(a)` over `authors a`) takes the next run.
            let run = runs.iter().find(|(_, r, _)| r.name == def.table).or(runs.first());
            let not_found = || {
                Diagnostic::at(
                    source,
                    def.span.clone(),
                    format!("`sqlc.embed({})`: the table's columns are not in the result", def.table),
                )
                .with_help("embed a table (or its alias) of the FROM clause, whose columns the query returns unchanged")
            };
            let &(first, relation, len) = run.ok_or_else(not_found)?;
            let slice = &columns[first..first + len];
            let declared = declared(relation, slice);
            let nullable = slice.iter().zip(&declared).any(|(c, d)| c.nullable && !d.nullable);
            let model = self.model_for(relation, declared).ok_or_else(|| {
                not_found().with_help(format!(
                    "a type override makes this query's columns of `{}` differ from its shared struct",
                    def.table
                ))
            })?;
            embeds.push(Embed {
                field: crate::naming::snake(&model),
                model,
                first,
                len,
                nullable,
            });
            cursor = first + len;
        }
        Ok(embeds)
    }

    /// The model of `relation` with these columns: the existing one if equal, a new one if
    /// the table has none yet, `None` if the table's model differs.
    fn model_for(&mut self, relation: &RelationByOid, columns: Vec<Column>) -> Option<String> {
        let table = format!("{}.{}", relation.schema, relation.name);
        if let Some(existing) = self.models.iter().find(|m| m.table == table) {
            return same_shape(&existing.columns, &columns).then(|| existing.name.clone());
        }
        let mut name = struct_name(relation);
        if self.models.iter().any(|m| m.name == name) {
            name = crate::naming::camel(&format!("{}_{}", relation.schema, relation.name));
        }
        self.models.push(TableModel {
            name: name.clone(),
            table,
            columns,
            row_type: false,
            json: false,
        });
        Some(name)
    }
}

/// Fields, types and nullability equal (the reasons may differ).
fn same_shape(a: &[Column], b: &[Column]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.field == y.field && x.ty == y.ty && x.nullable == y.nullable)
}

/// The columns with the table's declared nullability.
fn declared(relation: &RelationByOid, columns: &[Column]) -> Vec<Column> {
    columns
        .iter()
        .zip(&relation.columns)
        .map(|(c, (_, name, not_null))| Column {
            nullable: !not_null,
            nullability_reason: format!(
                "{}.{}.{name} is {}",
                relation.schema,
                relation.name,
                if *not_null { "NOT NULL" } else { "nullable" }
            ),
            ..c.clone()
        })
        .collect()
}

/// The relation whose every column appears, in order, from result column `at`, and how many.
fn full_table_at<'c>(catalog: &'c Catalog, origins: &Origins, at: usize) -> Option<(&'c RelationByOid, usize)> {
    let (oid, _) = (*origins.get(at)?)?;
    let relation = catalog.relation_by_oid(oid)?;
    let len = relation.columns.len();
    let run = origins.get(at..at + len)?;
    let matches = run
        .iter()
        .zip(&relation.columns)
        .all(|(origin, (attnum, _, _))| *origin == Some((oid, *attnum)));
    matches.then_some((relation, len))
}

/// `authors` → `Author`, `statuses` → `Status` (sqlc's singulars, [`crate::naming::singular`]),
/// `public.order_items` → `OrderItem`; other
/// schemas prefix theirs (`audit.events` → `AuditEvent`).
fn struct_name(relation: &RelationByOid) -> String {
    let singular = crate::naming::singular(&relation.name);
    let name = if relation.schema == "public" {
        singular
    } else {
        format!("{}_{singular}", relation.schema)
    };
    crate::naming::camel(&name)
}
