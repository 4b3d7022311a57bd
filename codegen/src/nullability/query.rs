//! Statement rules: `SELECT` (joins, filters, grouping, projection), set operations, CTEs,
//! `VALUES`, and `INSERT`/`UPDATE`/`DELETE … RETURNING`.

use super::expr::{has_aggregate, ident, object_name};
use super::from::{narrow, Star};
use super::scope::{Column, Grouping, Scope};
use super::{Context, Verdict};
use sqlparser::ast::{
    Expr, GroupByExpr, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator, Statement,
    TableAlias,
};
use std::cell::{Cell, RefCell};

/// Walks one statement with a stack of visible CTEs.
pub(super) struct Analyser<'a> {
    pub(super) context: &'a Context<'a>,
    pub(super) ctes: RefCell<Vec<(String, Vec<Column>)>>,
    pub(super) view_depth: Cell<usize>,
}

impl<'a> Analyser<'a> {
    /// An analyser with no CTEs in view.
    pub(super) fn new(context: &'a Context<'a>) -> Self {
        Analyser {
            context,
            ctes: RefCell::new(Vec::new()),
            view_depth: Cell::new(0),
        }
    }

    /// The result columns of a statement (none for DML without `RETURNING`).
    pub(super) fn statement(&self, statement: &Statement) -> Result<Vec<Column>, String> {
        match statement {
            Statement::Query(q) => self.query(q, None),
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            _ => Err("only SELECT, VALUES, INSERT, UPDATE and DELETE are analysed".into()),
        }
    }

    /// A query with its CTEs, inside `parent` when it is a subquery.
    pub(super) fn query(&self, query: &Query, parent: Option<&Scope<'_>>) -> Result<Vec<Column>, String> {
        let mark = self.ctes.borrow().len();
        let result = self
            .with_ctes(query, parent)
            .and_then(|()| self.set_expr(&query.body, parent));
        self.ctes.borrow_mut().truncate(mark);
        result
    }

    fn with_ctes(&self, query: &Query, parent: Option<&Scope<'_>>) -> Result<(), String> {
        let Some(with) = &query.with else { return Ok(()) };
        for cte in &with.cte_tables {
            let name = ident(&cte.alias.name);
            let columns = if with.recursive {
                self.recursive_cte(&name, &cte.query, parent)?
            } else {
                self.query(&cte.query, parent)?
            };
            let columns = rename(columns, Some(&cte.alias))?;
            self.ctes.borrow_mut().push((name, columns));
        }
        Ok(())
    }

    /// `base UNION [ALL] recursive`: iterated to a fixpoint, starting from the base term's
    /// verdicts; a column becomes nullable as soon as either term can produce `NULL` there.
    /// Verdicts only ever move from non-null to nullable, so this ends within one pass per column.
    fn recursive_cte(&self, name: &str, query: &Query, parent: Option<&Scope<'_>>) -> Result<Vec<Column>, String> {
        let SetExpr::SetOperation {
            left,
            op: SetOperator::Union,
            right,
            ..
        } = query.body.as_ref()
        else {
            return self.query(query, parent);
        };
        let base = self.set_expr(left, parent)?;
        let mut current = base.clone();
        for _ in 0..=base.len() {
            self.ctes.borrow_mut().push((name.to_string(), current.clone()));
            let recursive = self.set_expr(right, parent);
            self.ctes.borrow_mut().pop();
            let next = combine(
                base.clone(),
                recursive?,
                |l, r| if l.nullable { l } else { r },
                "recursive CTE",
            )?;
            if next
                .iter()
                .zip(&current)
                .all(|(a, b)| a.verdict.nullable == b.verdict.nullable)
            {
                return Ok(next);
            }
            current = next;
        }
        Err("recursive CTE did not settle".into())
    }

    fn set_expr(&self, body: &SetExpr, parent: Option<&Scope<'_>>) -> Result<Vec<Column>, String> {
        match body {
            SetExpr::Select(select) => self.select(select, parent),
            SetExpr::Query(query) => self.query(query, parent),
            SetExpr::SetOperation { left, op, right, .. } => {
                let (l, r) = (self.set_expr(left, parent)?, self.set_expr(right, parent)?);
                match op {
                    SetOperator::Union => combine(l, r, |l, r| if l.nullable { l } else { r }, "UNION"),
                    SetOperator::Intersect => combine(l, r, |l, r| if l.nullable { r } else { l }, "INTERSECT"),
                    SetOperator::Except | SetOperator::Minus => Ok(l),
                }
            }
            SetExpr::Values(values) => {
                let scope = Scope::new(parent);
                let mut columns: Vec<Column> = Vec::new();
                for row in &values.rows {
                    for (i, e) in row.content.iter().enumerate() {
                        let verdict = self.column_verdict(e, &scope)?;
                        match columns.get_mut(i) {
                            Some(c) => {
                                let elements = c.verdict.elements.clone().merge(verdict.elements.clone());
                                if !c.verdict.nullable {
                                    c.verdict = verdict;
                                }
                                c.verdict.elements = elements;
                            }
                            None => columns.push(Column {
                                name: format!("column{}", i + 1),
                                verdict,
                            }),
                        }
                    }
                }
                Ok(columns)
            }
            SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) => self.statement(s),
            _ => Err("this kind of query body is not analysed".into()),
        }
    }

    fn select(&self, select: &Select, parent: Option<&Scope<'_>>) -> Result<Vec<Column>, String> {
        let mut scope = Scope::new(parent);
        let mut star = Vec::new();
        for item in &select.from {
            star.extend(self.join_tree(item, &mut scope, true)?);
        }
        scope.grouping = self.grouping(select);
        if let Some(filter) = &select.selection {
            narrow(&mut scope, filter);
        }
        self.projection(&select.projection, &scope, &star)
    }

    fn grouping(&self, select: &Select) -> Grouping {
        match &select.group_by {
            GroupByExpr::All(_) => Grouping::Groups,
            GroupByExpr::Expressions(exprs, modifiers) => {
                let sets = !modifiers.is_empty()
                    || exprs
                        .iter()
                        .any(|e| matches!(e, Expr::Rollup(_) | Expr::Cube(_) | Expr::GroupingSets(_)));
                if sets {
                    Grouping::Sets
                } else if !exprs.is_empty() {
                    Grouping::Groups
                } else if self.select_aggregates(select) {
                    Grouping::WholeInput
                } else {
                    Grouping::None
                }
            }
        }
    }

    /// Whether a `SELECT` aggregates (an aggregate in its list, or a `HAVING`).
    pub(super) fn select_aggregates(&self, select: &Select) -> bool {
        select.having.is_some()
            || select.projection.iter().any(|item| match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => has_aggregate(e),
                _ => false,
            })
    }

    pub(super) fn projection(
        &self,
        items: &[SelectItem],
        scope: &Scope<'_>,
        star: &Star,
    ) -> Result<Vec<Column>, String> {
        let mut columns = Vec::new();
        for item in items {
            match item {
                SelectItem::UnnamedExpr(e) => columns.push(Column {
                    name: output_name(e),
                    verdict: self.column_verdict(e, scope)?,
                }),
                SelectItem::ExprWithAlias { expr, alias } => columns.push(Column {
                    name: ident(alias),
                    verdict: self.column_verdict(expr, scope)?,
                }),
                SelectItem::Wildcard(_) => {
                    for &(r, c) in star {
                        let relation = &scope.relations[r];
                        let column = &relation.columns[c];
                        columns.push(Column {
                            name: column.name.clone(),
                            verdict: scope.in_rows(relation, column),
                        });
                    }
                }
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                    let alias = object_name(name).pop().unwrap_or_default();
                    let relation = scope
                        .relation(&alias)
                        .ok_or_else(|| format!("relation `{alias}` not found"))?;
                    for column in &relation.columns {
                        columns.push(Column {
                            name: column.name.clone(),
                            verdict: scope.in_rows(relation, column),
                        });
                    }
                }
                _ => return Err("this kind of select item is not analysed".into()),
            }
        }
        Ok(columns)
    }

    /// A file line for a line of the statement.
    pub(super) fn line(&self, statement_line: u64) -> usize {
        self.context.first_line + (statement_line as usize).saturating_sub(1)
    }
}

pub(super) fn combine(
    left: Vec<Column>,
    right: Vec<Column>,
    pick: impl Fn(Verdict, Verdict) -> Verdict,
    what: &str,
) -> Result<Vec<Column>, String> {
    if left.len() != right.len() {
        return Err(format!("{what} branches have different column counts"));
    }
    Ok(left
        .into_iter()
        .zip(right)
        .map(|(l, r)| {
            let elements = l.verdict.elements.clone().merge(r.verdict.elements.clone());
            let verdict = pick(l.verdict, r.verdict);
            let verdict = Verdict {
                reason: format!("{what}: {}", verdict.reason),
                catalog_nullable: false,
                elements,
                json: None,
                ..verdict
            };
            Column { name: l.name, verdict }
        })
        .collect())
}

pub(super) fn alias_name(alias: Option<&TableAlias>, default: String) -> String {
    alias.map_or(default, |a| ident(&a.name))
}

/// Applies `AS alias (a, b, …)` column names.
pub(super) fn rename(mut columns: Vec<Column>, alias: Option<&TableAlias>) -> Result<Vec<Column>, String> {
    let Some(alias) = alias else { return Ok(columns) };
    if alias.columns.len() > columns.len() {
        return Err("more alias columns than columns".into());
    }
    for (column, name) in columns.iter_mut().zip(&alias.columns) {
        column.name = ident(&name.name);
    }
    Ok(columns)
}

/// The name PostgreSQL gives an unaliased select item.
fn output_name(expr: &Expr) -> String {
    match expr {
        Expr::Identifier(i) => ident(i),
        Expr::CompoundIdentifier(parts) => parts.last().map(ident).unwrap_or_default(),
        Expr::Function(f) => object_name(&f.name).pop().unwrap_or_default(),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => output_name(expr),
        _ => "?column?".into(),
    }
}
