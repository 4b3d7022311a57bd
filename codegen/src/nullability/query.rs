//! Statement rules: `SELECT` (joins, filters, grouping, projection), set operations, CTEs,
//! `VALUES`, and `INSERT`/`UPDATE`/`DELETE … RETURNING`.

use super::expr::{arguments, has_aggregate, ident, object_name, proven_non_null};
use super::scope::{Column, Grouping, Relation, Scope, MERGED};
use super::{Context, Verdict};
use sqlparser::ast::{
    AssignmentTarget, Delete, Expr, FromTable, GroupByExpr, Insert, JoinConstraint, JoinOperator, Query, Select,
    SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator, Spanned, Statement, TableAlias, TableFactor,
    TableObject, TableWithJoins, Update, UpdateTableFromKind,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::cell::{Cell, RefCell};

/// Walks one statement with a stack of visible CTEs.
pub struct Analyser<'a> {
    pub(super) context: &'a Context<'a>,
    ctes: RefCell<Vec<(String, Vec<Column>)>>,
    view_depth: Cell<usize>,
}

/// A `*` expansion entry: relation index and column index in the scope.
type Star = Vec<(usize, usize)>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

impl<'a> Analyser<'a> {
    /// An analyser with no CTEs in view.
    pub fn new(context: &'a Context<'a>) -> Self {
        Analyser {
            context,
            ctes: RefCell::new(Vec::new()),
            view_depth: Cell::new(0),
        }
    }

    /// The result columns of a statement (none for DML without `RETURNING`).
    pub fn statement(&self, statement: &Statement) -> Result<Vec<Column>, String> {
        match statement {
            Statement::Query(q) => self.query(q, None),
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            _ => Err("only SELECT, VALUES, INSERT, UPDATE and DELETE are analysed".into()),
        }
    }

    /// A query with its CTEs, inside `parent` when it is a subquery.
    pub fn query(&self, query: &Query, parent: Option<&Scope<'_>>) -> Result<Vec<Column>, String> {
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
                        let verdict = self.expr(e, &scope)?;
                        match columns.get_mut(i) {
                            Some(c) if !c.verdict.nullable => c.verdict = verdict,
                            Some(_) => {}
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
    pub fn select_aggregates(&self, select: &Select) -> bool {
        select.having.is_some()
            || select.projection.iter().any(|item| match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => has_aggregate(e),
                _ => false,
            })
    }

    fn projection(&self, items: &[SelectItem], scope: &Scope<'_>, star: &Star) -> Result<Vec<Column>, String> {
        let mut columns = Vec::new();
        for item in items {
            match item {
                SelectItem::UnnamedExpr(e) => columns.push(Column {
                    name: output_name(e),
                    verdict: self.expr(e, scope)?,
                }),
                SelectItem::ExprWithAlias { expr, alias } => columns.push(Column {
                    name: ident(alias),
                    verdict: self.expr(expr, scope)?,
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

    /// Adds a `FROM` item (a relation and its joins) to `scope`; returns its `*` expansion.
    fn join_tree(&self, item: &TableWithJoins, scope: &mut Scope<'_>, top_level: bool) -> Result<Star, String> {
        let start = scope.relations.len();
        let mut star = self.table_factor(&item.relation, scope)?;
        for join in &item.joins {
            let right_start = scope.relations.len();
            let right_star = self.table_factor(&join.relation, scope)?;
            let end = scope.relations.len();
            let line = self.line(join.relation.span().start.line);
            let (kind, constraint) = match &join.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinKind::Inner, Some(c)),
                JoinOperator::CrossJoin(c) => (JoinKind::Inner, Some(c)),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
                JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
                _ => return Err("this kind of join is not analysed".into()),
            };
            let using = match constraint {
                Some(JoinConstraint::Using(names)) => names
                    .iter()
                    .map(|n| object_name(n).pop().unwrap_or_default())
                    .collect::<Vec<_>>(),
                Some(JoinConstraint::Natural) => common_names(scope, &star, &right_star),
                _ => Vec::new(),
            };
            let merged = if using.is_empty() {
                None
            } else {
                Some(self.merge(scope, &star, &right_star, &using, kind)?)
            };
            match kind {
                JoinKind::Left => mark_outer(
                    scope,
                    right_start..end,
                    format!("right side of LEFT JOIN at line {line}"),
                ),
                JoinKind::Right => mark_outer(
                    scope,
                    start..right_start,
                    format!("left side of RIGHT JOIN at line {line}"),
                ),
                JoinKind::Full => mark_outer(scope, start..end, format!("side of FULL JOIN at line {line}")),
                JoinKind::Inner => {
                    if let (true, Some(JoinConstraint::On(on))) = (top_level, constraint) {
                        narrow(scope, on);
                    }
                }
            }
            star = match merged {
                Some(merged_index) => {
                    let drop = |s: &Star, scope: &Scope<'_>| -> Star {
                        s.iter()
                            .copied()
                            .filter(|&(r, c)| !using.contains(&scope.relations[r].columns[c].name))
                            .collect()
                    };
                    let mut joined: Star = (0..using.len()).map(|c| (merged_index, c)).collect();
                    joined.extend(drop(&star, scope));
                    joined.extend(drop(&right_star, scope));
                    joined
                }
                None => {
                    star.extend(right_star);
                    star
                }
            };
        }
        Ok(star)
    }

    /// Adds the merged columns of `JOIN … USING (cols)` as a pseudo-relation; returns its index.
    fn merge(
        &self,
        scope: &mut Scope<'_>,
        left: &Star,
        right: &Star,
        using: &[String],
        kind: JoinKind,
    ) -> Result<usize, String> {
        let find = |star: &Star, scope: &Scope<'_>, name: &str| -> Result<Verdict, String> {
            star.iter()
                .find(|&&(r, c)| scope.relations[r].columns[c].name == name)
                .map(|&(r, c)| scope.in_rows(&scope.relations[r], &scope.relations[r].columns[c]))
                .ok_or_else(|| format!("USING column `{name}` not found"))
        };
        let mut columns = Vec::new();
        for name in using {
            let (l, r) = (find(left, scope, name)?, find(right, scope, name)?);
            let verdict = match kind {
                JoinKind::Inner => Verdict::non_null(format!("JOIN … USING ({name}) matched equal non-null values")),
                JoinKind::Left => l,
                JoinKind::Right => r,
                JoinKind::Full if !l.nullable && !r.nullable => {
                    Verdict::non_null(format!("FULL JOIN … USING ({name}) of two non-null columns"))
                }
                JoinKind::Full => Verdict::nullable(format!("FULL JOIN … USING ({name}) of a nullable column")),
            };
            columns.push(Column {
                name: name.clone(),
                verdict,
            });
        }
        scope.relations.push(Relation {
            alias: format!("{MERGED}{}", scope.relations.len()),
            columns,
            outer: None,
        });
        Ok(scope.relations.len() - 1)
    }

    fn table_factor(&self, factor: &TableFactor, scope: &mut Scope<'_>) -> Result<Star, String> {
        let (alias, columns) = match factor {
            TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                let parts = object_name(name);
                let columns = self.named_relation(&parts)?;
                (
                    alias_name(alias.as_ref(), parts.last().cloned().unwrap_or_default()),
                    rename(columns, alias.as_ref())?,
                )
            }
            TableFactor::Table {
                name,
                alias,
                args: Some(args),
                ..
            } => {
                let function = object_name(name).pop().unwrap_or_default();
                let columns = self.table_function(&function, args.args.len())?;
                (alias_name(alias.as_ref(), function), rename(columns, alias.as_ref())?)
            }
            TableFactor::Function { name, alias, args, .. } => {
                let function = object_name(name).pop().unwrap_or_default();
                let columns = self.table_function(&function, args.len())?;
                (alias_name(alias.as_ref(), function), rename(columns, alias.as_ref())?)
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                let columns = if *lateral {
                    self.query(subquery, Some(scope))?
                } else {
                    self.query(subquery, scope.parent)?
                };
                (
                    alias_name(alias.as_ref(), format!("subquery{}", scope.relations.len())),
                    rename(columns, alias.as_ref())?,
                )
            }
            TableFactor::UNNEST {
                alias,
                array_exprs,
                with_ordinality,
                ..
            } => {
                let mut columns: Vec<Column> = array_exprs
                    .iter()
                    .map(|_| Column {
                        name: "unnest".into(),
                        verdict: Verdict::nullable("array elements may be NULL"),
                    })
                    .collect();
                if *with_ordinality {
                    columns.push(Column {
                        name: "ordinality".into(),
                        verdict: Verdict::non_null("WITH ORDINALITY"),
                    });
                }
                (
                    alias_name(alias.as_ref(), "unnest".into()),
                    rename(columns, alias.as_ref())?,
                )
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => {
                return self.join_tree(table_with_joins, scope, false);
            }
            _ => return Err("this kind of FROM item is not analysed".into()),
        };
        let index = scope.relations.len();
        let star = (0..columns.len()).map(|c| (index, c)).collect();
        scope.relations.push(Relation {
            alias,
            columns,
            outer: None,
        });
        Ok(star)
    }

    /// A CTE in view, else a table or view from the catalog.
    fn named_relation(&self, parts: &[String]) -> Result<Vec<Column>, String> {
        if let [name] = parts {
            if let Some((_, columns)) = self.ctes.borrow().iter().rev().find(|(n, _)| n == name) {
                return Ok(columns.clone());
            }
        }
        let relation = self
            .context
            .catalog
            .relation(parts)
            .ok_or_else(|| format!("relation `{}` not in the catalog", parts.join(".")))?;
        if let Some(definition) = &relation.view_definition {
            return Ok(self.view(
                &relation.qualified,
                definition,
                relation.columns.iter().map(|c| c.name.clone()).collect(),
            ));
        }
        Ok(relation
            .columns
            .iter()
            .map(|c| {
                let verdict = if c.not_null {
                    Verdict::non_null(format!("{}.{} is NOT NULL", relation.qualified, c.name))
                } else {
                    Verdict {
                        nullable: true,
                        reason: format!("{}.{} is nullable", relation.qualified, c.name),
                        catalog_nullable: true,
                    }
                };
                Column {
                    name: c.name.clone(),
                    verdict,
                }
            })
            .collect())
    }

    /// A view's columns: its definition analysed like a subquery, or all nullable if that fails.
    fn view(&self, name: &str, definition: &str, names: Vec<String>) -> Vec<Column> {
        let analysed = (self.view_depth.get() < 8)
            .then(|| {
                self.view_depth.set(self.view_depth.get() + 1);
                let result = Parser::parse_sql(&PostgreSqlDialect {}, definition)
                    .map_err(|e| e.to_string())
                    .and_then(|statements| {
                        let [statement] = statements.as_slice() else {
                            return Err("not one statement".into());
                        };
                        // Views are analysed without outer CTEs in view.
                        let saved = self.ctes.replace(Vec::new());
                        let columns = self.statement(statement);
                        self.ctes.replace(saved);
                        columns
                    });
                self.view_depth.set(self.view_depth.get() - 1);
                result
            })
            .and_then(Result::ok)
            .filter(|columns| columns.len() == names.len());
        match analysed {
            Some(columns) => names
                .into_iter()
                .zip(columns)
                .map(|(n, c)| Column {
                    name: n,
                    verdict: Verdict {
                        reason: format!("view {name}: {}", c.verdict.reason),
                        ..c.verdict
                    },
                })
                .collect(),
            None => names
                .into_iter()
                .map(|n| Column {
                    name: n.clone(),
                    verdict: Verdict::nullable(format!("view {name}.{n} (definition not analysed)")),
                })
                .collect(),
        }
    }

    fn table_function(&self, function: &str, _args: usize) -> Result<Vec<Column>, String> {
        match function {
            "generate_series" => Ok(vec![Column {
                name: "generate_series".into(),
                verdict: Verdict::non_null("generate_series() yields non-null values"),
            }]),
            "unnest" => Ok(vec![Column {
                name: "unnest".into(),
                verdict: Verdict::nullable("array elements may be NULL"),
            }]),
            other => Err(format!("set-returning function {other}() in FROM is not analysed")),
        }
    }

    fn insert(&self, insert: &Insert) -> Result<Vec<Column>, String> {
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

    fn update(&self, update: &Update) -> Result<Vec<Column>, String> {
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

    fn delete(&self, delete: &Delete) -> Result<Vec<Column>, String> {
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

    /// A file line for a line of the statement.
    fn line(&self, statement_line: u64) -> usize {
        self.context.first_line + (statement_line as usize).saturating_sub(1)
    }
}

/// Records what `condition` (a `WHERE` or inner-join `ON`) proves non-null.
fn narrow(scope: &mut Scope<'_>, condition: &Expr) {
    let mut refs = Vec::new();
    proven_non_null(condition, &mut refs);
    for (qualifier, column) in refs {
        let owner = match qualifier {
            Some(q) => scope.relation(&q).map(|r| r.alias.clone()),
            None => {
                let owners: Vec<_> = scope
                    .relations
                    .iter()
                    .filter(|r| !r.alias.starts_with(MERGED) && r.columns.iter().any(|c| c.name == column))
                    .collect();
                match owners.as_slice() {
                    [only] => Some(only.alias.clone()),
                    _ => None,
                }
            }
        };
        if let Some(alias) = owner {
            scope.narrowed.insert((alias, column));
        }
    }
}

/// Marks relations as null-extended; an inner-join filter recorded earlier no longer holds.
fn mark_outer(scope: &mut Scope<'_>, range: std::ops::Range<usize>, reason: String) {
    for relation in &mut scope.relations[range] {
        relation.outer.get_or_insert_with(|| reason.clone());
        let alias = relation.alias.clone();
        scope.narrowed.retain(|(a, _)| *a != alias);
    }
}

fn common_names(scope: &Scope<'_>, left: &Star, right: &Star) -> Vec<String> {
    let name = |&(r, c): &(usize, usize)| scope.relations[r].columns[c].name.clone();
    let right: Vec<String> = right.iter().map(name).collect();
    left.iter().map(name).filter(|n| right.contains(n)).collect()
}

fn combine(
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
            let verdict = pick(l.verdict, r.verdict);
            let verdict = Verdict {
                reason: format!("{what}: {}", verdict.reason),
                catalog_nullable: false,
                ..verdict
            };
            Column { name: l.name, verdict }
        })
        .collect())
}

fn alias_name(alias: Option<&TableAlias>, default: String) -> String {
    alias.map_or(default, |a| ident(&a.name))
}

/// Applies `AS alias (a, b, …)` column names.
fn rename(mut columns: Vec<Column>, alias: Option<&TableAlias>) -> Result<Vec<Column>, String> {
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
        _ => {
            let _ = arguments;
            "?column?".into()
        }
    }
}
