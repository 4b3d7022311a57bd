//! `FROM` clauses: relations, joins (outer sides, `USING`/`NATURAL` merges), and the filters
//! that prove columns non-null.

use super::expr::{ident, object_name, proven_non_null};
use super::query::{alias_name, rename, Analyser};
use super::scope::{Column, Relation, Scope, MERGED};
use super::{CatalogColumn, Elements, Verdict};
use sqlparser::ast::{Expr, JoinConstraint, JoinOperator, Spanned, TableFactor, TableWithJoins};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// A `*` expansion: (relation index, column index) pairs in the scope.
pub(super) type Star = Vec<(usize, usize)>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

impl Analyser<'_> {
    /// Adds a `FROM` item (a relation and its joins) to `scope`; returns its `*` expansion.
    pub(super) fn join_tree(
        &self,
        item: &TableWithJoins,
        scope: &mut Scope<'_>,
        top_level: bool,
    ) -> Result<Star, String> {
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
                args: Some(_),
                ..
            } => {
                let function = object_name(name).pop().unwrap_or_default();
                let columns = scalar_alias(self.table_function(&function)?, alias.as_ref());
                (alias_name(alias.as_ref(), function), rename(columns, alias.as_ref())?)
            }
            TableFactor::Function { name, alias, .. } => {
                let function = object_name(name).pop().unwrap_or_default();
                let columns = scalar_alias(self.table_function(&function)?, alias.as_ref());
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
    pub(super) fn named_relation(&self, parts: &[String]) -> Result<Vec<Column>, String> {
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
                        catalog_nullable: true,
                        ..Verdict::nullable(format!("{}.{} is nullable", relation.qualified, c.name))
                    }
                };
                let verdict = verdict.with_elements(catalog_elements(&relation.qualified, c));
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

    fn table_function(&self, function: &str) -> Result<Vec<Column>, String> {
        match function {
            "generate_series" => Ok(vec![Column {
                name: "generate_series".into(),
                verdict: Verdict::non_null("generate_series() yields non-null values"),
            }]),
            "unnest" => Ok(vec![Column {
                name: "unnest".into(),
                verdict: Verdict::nullable("array elements may be NULL"),
            }]),
            other => {
                let names = self
                    .context
                    .catalog
                    .table_function(other)
                    .ok_or_else(|| format!("set-returning function {other}() in FROM is not analysed"))?;
                // What a function returns in each column is its body's business: nullable,
                // except where PostgreSQL documents otherwise.
                Ok(names
                    .iter()
                    .map(|name| Column {
                        name: name.clone(),
                        verdict: match (other, name.as_str()) {
                            ("json_each" | "jsonb_each" | "json_each_text" | "jsonb_each_text", "key")
                            // A JSON null is the json value `null`, not SQL NULL (the `_text`
                            // variants do turn it into NULL).
                            | ("json_each" | "jsonb_each", "value")
                            | ("json_object_keys" | "jsonb_object_keys", _)
                            | ("json_array_elements" | "jsonb_array_elements", _)
                            | ("generate_subscripts" | "regexp_matches" | "regexp_split_to_table", _) => {
                                Verdict::non_null(format!("{other}() yields non-null `{name}`"))
                            }
                            _ => Verdict::nullable(format!("{other}() may return NULL in `{name}`")),
                        },
                    })
                    .collect())
            }
        }
    }
}

/// `FROM f() AS p` of a function returning a scalar (or one OUT column, which PostgreSQL makes
/// the scalar result): its one column is named `p`.
fn scalar_alias(mut columns: Vec<Column>, alias: Option<&sqlparser::ast::TableAlias>) -> Vec<Column> {
    if let ([column], Some(alias)) = (columns.as_mut_slice(), alias) {
        if alias.columns.is_empty() {
            column.name = ident(&alias.name);
        }
    }
    columns
}

/// Records what `condition` (a `WHERE` or inner-join `ON`) proves non-null.
pub(super) fn narrow(scope: &mut Scope<'_>, condition: &Expr) {
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

/// A table column's elements: non-null when a CHECK constraint rules out NULL elements.
fn catalog_elements(table: &str, column: &CatalogColumn) -> Elements {
    if column.elements_non_null {
        Elements::NonNull(format!(
            "a CHECK constraint on {table}.{} rules out NULL elements",
            column.name
        ))
    } else {
        Elements::Unknown
    }
}
