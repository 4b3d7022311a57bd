//! `INSERT`, `UPDATE` and `DELETE … RETURNING`.

use super::expr::{ident, object_name};
use super::from::narrow;
use super::query::Analyser;
use super::scope::{Column, Relation, Scope};
use sqlparser::ast::{AssignmentTarget, Delete, FromTable, Insert, TableObject, Update, UpdateTableFromKind};

impl Analyser<'_> {
    pub(super) fn insert(&self, insert: &Insert) -> Result<Vec<Column>, String> {
        let Some(returning) = &insert.returning else {
            return Ok(Vec::new());
        };
        let TableObject::TableName(name) = &insert.table else {
            return Err("INSERT into a table function".into());
        };
        let parts = object_name(name);
        let alias = insert
            .table_alias
            .as_ref()
            .map(|a| ident(&a.alias))
            .or_else(|| parts.last().cloned())
            .unwrap_or_default();
        let mut scope = Scope::new(None);
        let columns = self.named_relation(&parts)?;
        let star = (0..columns.len()).map(|c| (0, c)).collect();
        scope.relations.push(Relation {
            alias,
            columns,
            outer: None,
        });
        self.projection(returning, &scope, &star)
    }

    pub(super) fn update(&self, update: &Update) -> Result<Vec<Column>, String> {
        let Some(returning) = &update.returning else {
            return Ok(Vec::new());
        };
        let mut scope = Scope::new(None);
        let mut star = self.join_tree(&update.table, &mut scope, true)?;
        if let Some(UpdateTableFromKind::BeforeSet(from) | UpdateTableFromKind::AfterSet(from)) = &update.from {
            for item in from {
                star.extend(self.join_tree(item, &mut scope, true)?);
            }
        }
        if let Some(filter) = &update.selection {
            narrow(&mut scope, filter);
            // WHERE sees the old row; RETURNING sees the new one: assigned columns stay as assigned.
            let target = scope.relations[0].alias.clone();
            for assignment in &update.assignments {
                match &assignment.target {
                    AssignmentTarget::ColumnName(name) => {
                        let column = object_name(name).pop().unwrap_or_default();
                        scope.narrowed.remove(&(target.clone(), column));
                    }
                    AssignmentTarget::Tuple(_) => scope.narrowed.retain(|(alias, _)| *alias != target),
                }
            }
        }
        self.projection(returning, &scope, &star)
    }

    pub(super) fn delete(&self, delete: &Delete) -> Result<Vec<Column>, String> {
        let Some(returning) = &delete.returning else {
            return Ok(Vec::new());
        };
        let mut scope = Scope::new(None);
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
        let mut star = Vec::new();
        for item in from.iter().chain(delete.using.iter().flatten()) {
            star.extend(self.join_tree(item, &mut scope, true)?);
        }
        if let Some(filter) = &delete.selection {
            narrow(&mut scope, filter);
        }
        self.projection(returning, &scope, &star)
    }
}
