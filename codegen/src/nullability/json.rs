//! JSON shapes: what a `json`/`jsonb` result column holds when the SQL spells it out —
//! `json_agg(b)`, `json_build_object('id', l.id, …)`, `to_jsonb(p)`, nested, inside scalar
//! subqueries and `COALESCE(…, '[]')` (docs/nested.md).
//!
//! Inference gives each key and element its nullability in its own scope (an aggregate's input
//! rows, narrowed by its `FILTER`; a subquery's rows). The SQL type of each value inside is the
//! server's to say: every value comes with a *probe*, an expression that, put in the
//! statement's select list with grouping removed, has that value's type — `l.id` stays `l.id`,
//! and a value inside a subquery is the same subquery selecting just that value.

use super::expr::{arguments, object_name};
use super::from::narrow;
use super::query::Analyser;
use super::scope::Scope;
use sqlparser::ast::{CastKind, DataType, Expr, GroupByExpr, Query, SelectItem, SetExpr, Statement, Value};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// One value inside a JSON shape: what it is and whether it can be JSON `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonNode {
    /// Its shape.
    pub shape: JsonShape,
    /// Whether it can be `null`.
    pub nullable: bool,
    /// Why, as for a column.
    pub reason: String,
}

/// What a JSON value built by the SQL looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonShape {
    /// `json_build_object('k', v, …)`: its keys in order, and the SQL that builds it.
    Object {
        /// Keys and their values.
        fields: Vec<(String, JsonNode)>,
        /// The `json_build_object(…)` call as written (normalised), for the struct's docs.
        sql: String,
    },
    /// `json_agg(v)`: an array of `v`.
    Array(Box<JsonNode>),
    /// Any other SQL value, written as `to_json` writes its type (a table row is an object
    /// of its columns). The probe has its type (see the module docs).
    Value(Box<Expr>),
}

impl JsonShape {
    /// Every value's probe, depth first, in key order.
    pub fn probes(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        match self {
            JsonShape::Object { fields, .. } => fields.iter().for_each(|(_, n)| n.shape.collect(out)),
            JsonShape::Array(element) => element.shape.collect(out),
            JsonShape::Value(probe) => out.push(probe),
        }
    }

    /// The same shape read through a scalar subquery: each probe becomes the subquery
    /// selecting only it, with no grouping (so an aggregate's argument stands alone).
    pub(super) fn through_subquery(self, query: &Query) -> JsonShape {
        match self {
            JsonShape::Object { fields, sql } => JsonShape::Object {
                fields: fields
                    .into_iter()
                    .map(|(k, n)| (k, n.map_shape(|s| s.through_subquery(query))))
                    .collect(),
                sql,
            },
            JsonShape::Array(element) => JsonShape::Array(Box::new(element.map_shape(|s| s.through_subquery(query)))),
            JsonShape::Value(probe) => {
                let mut query = query.clone();
                if let SetExpr::Select(select) = query.body.as_mut() {
                    ungroup(select, vec![SelectItem::UnnamedExpr(*probe)]);
                }
                query.order_by = None;
                JsonShape::Value(Box::new(Expr::Subquery(Box::new(query))))
            }
        }
    }
}

impl JsonNode {
    fn map_shape(self, f: impl FnOnce(JsonShape) -> JsonShape) -> JsonNode {
        JsonNode {
            shape: f(self.shape),
            ..self
        }
    }
}

/// A select with `items` as its only output and no grouping, `DISTINCT` or `HAVING`: every
/// probe is then valid as a plain expression over the rows.
fn ungroup(select: &mut sqlparser::ast::Select, items: Vec<SelectItem>) {
    select.projection = items;
    select.group_by = GroupByExpr::Expressions(Vec::new(), Vec::new());
    select.having = None;
    select.distinct = None;
}

/// The statement `sql` (a `SELECT`) with its select list replaced by `probes`, grouping,
/// `DISTINCT` and `ORDER BY` removed: one result column per probe, whose types the server
/// reports. `None` for another kind of statement.
pub fn probe_statement(sql: &str, probes: &[&Expr]) -> Option<String> {
    let sql = super::rewrite::for_analysis(sql);
    let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, &sql).ok()?;
    let [Statement::Query(query)] = statements.as_mut_slice() else {
        return None;
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    ungroup(
        select,
        probes.iter().map(|p| SelectItem::UnnamedExpr((*p).clone())).collect(),
    );
    query.order_by = None;
    query.locks.clear();
    Some(query.to_string())
}

impl Analyser<'_> {
    /// The JSON shape `expr` builds, when it is one of the recognised forms.
    pub(super) fn json_shape(&self, expr: &Expr, scope: &Scope<'_>) -> Result<Option<JsonShape>, String> {
        let f = match expr {
            Expr::Nested(inner) => return self.json_shape(inner, scope),
            Expr::Cast {
                kind: CastKind::Cast | CastKind::DoubleColon,
                expr,
                data_type: DataType::JSON | DataType::JSONB,
                ..
            } => return self.json_shape(expr, scope),
            Expr::Subquery(_) => return Ok(self.expr(expr, scope)?.json.map(|shape| *shape)),
            Expr::Function(f) if f.over.is_none() => f,
            _ => return Ok(None),
        };
        let name = object_name(&f.name).last().cloned().unwrap_or_default();
        let args = arguments(f);
        Ok(match (name.as_str(), args.as_slice()) {
            ("json_agg" | "jsonb_agg", [value]) => {
                let mut rows = self.inner_scope_for_aggregate(scope);
                if let Some(filter) = &f.filter {
                    narrow(&mut rows, filter);
                }
                Some(JsonShape::Array(Box::new(self.json_node(value, &rows)?)))
            }
            ("to_json" | "to_jsonb" | "row_to_json", [value]) => Some(self.json_node(value, scope)?.shape),
            // An empty object (`json_build_object()`) has nothing to type: it stays JSON.
            ("json_build_object" | "jsonb_build_object", pairs) if !pairs.is_empty() && pairs.len() % 2 == 0 => {
                let mut fields = Vec::new();
                for pair in pairs.chunks(2) {
                    let Some(key) = string_literal(pair[0]) else {
                        return Ok(None);
                    };
                    fields.push((key, self.json_node(pair[1], scope)?));
                }
                Some(JsonShape::Object {
                    fields,
                    sql: expr.to_string(),
                })
            }
            // `COALESCE(json_agg(…), '[]')`: the shape of the first, defaults written as literals.
            ("coalesce", [first, defaults @ ..]) if defaults.iter().all(|d| literal(d)) => {
                self.json_shape(first, scope)?
            }
            _ => None,
        })
    }

    /// `value` as a part of a JSON shape: its own shape if it builds one, else a SQL value.
    fn json_node(&self, value: &Expr, scope: &Scope<'_>) -> Result<JsonNode, String> {
        let verdict = self.expr(value, scope)?;
        // A subquery's verdict carries its shape: analysing it again would double the work at
        // every level of nesting.
        let shape = match value {
            Expr::Subquery(_) => verdict.json.map(|shape| *shape),
            _ => self.json_shape(value, scope)?,
        };
        let shape = shape.unwrap_or_else(|| JsonShape::Value(Box::new(value.clone())));
        Ok(JsonNode {
            shape,
            nullable: verdict.nullable,
            reason: verdict.reason,
        })
    }
}

fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::Cast { expr, .. } | Expr::Nested(expr) => string_literal(expr),
        _ => None,
    }
}

fn literal(expr: &Expr) -> bool {
    match expr {
        Expr::Value(_) => true,
        Expr::Cast { expr, .. } | Expr::Nested(expr) => literal(expr),
        _ => false,
    }
}
