//! Expression rules: can this expression be `NULL`, given the scope it is evaluated in?

use super::functions::{aggregate, Aggregate, NEVER_NULL, NULL_PRESERVING, WINDOW_NEVER_NULL, WINDOW_OTHER_ROW};
use super::query::Analyser;
use super::scope::{Grouping, Scope};
use super::Verdict;
use sqlparser::ast::{
    BinaryOperator as Op, CastKind, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    ObjectNamePart, SetExpr, Value, WindowType,
};

/// The case-folded name of an identifier: unquoted names fold to lower case.
pub(super) fn ident(i: &Ident) -> String {
    match i.quote_style {
        Some(_) => i.value.clone(),
        None => i.value.to_lowercase(),
    }
}

/// The case-folded parts of `schema.name`.
pub(super) fn object_name(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(i) => ident(i),
            ObjectNamePart::Function(f) => ident(&f.name),
        })
        .collect()
}

/// Operators that return `NULL` only for a `NULL` operand.
fn null_preserving(op: &Op) -> bool {
    matches!(
        op,
        Op::Plus
            | Op::Minus
            | Op::Multiply
            | Op::Divide
            | Op::Modulo
            | Op::StringConcat
            | Op::Gt
            | Op::Lt
            | Op::GtEq
            | Op::LtEq
            | Op::Eq
            | Op::NotEq
            | Op::And
            | Op::Or
            | Op::BitwiseOr
            | Op::BitwiseAnd
            | Op::BitwiseXor
            | Op::PGBitwiseXor
            | Op::PGBitwiseShiftLeft
            | Op::PGBitwiseShiftRight
            | Op::PGExp
            | Op::PGOverlap
            | Op::PGRegexMatch
            | Op::PGRegexIMatch
            | Op::PGRegexNotMatch
            | Op::PGRegexNotIMatch
            | Op::PGLikeMatch
            | Op::PGILikeMatch
            | Op::PGNotLikeMatch
            | Op::PGNotILikeMatch
            | Op::PGStartsWith
            | Op::AtArrow
            | Op::ArrowAt
            | Op::Question
            | Op::QuestionAnd
            | Op::QuestionPipe
            | Op::AtAt
    )
}

/// Operators whose truth requires both operands non-null, for `WHERE` narrowing.
fn comparison(op: &Op) -> bool {
    null_preserving(op) && !matches!(op, Op::And | Op::Or)
}

impl Analyser<'_> {
    /// The verdict of `expr` evaluated in `scope`.
    pub(super) fn expr(&self, expr: &Expr, scope: &Scope<'_>) -> Result<Verdict, String> {
        Ok(match expr {
            Expr::Identifier(i) => scope.resolve(None, &ident(i))?,
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [.., qualifier, column] => scope.resolve(Some(&ident(qualifier)), &ident(column))?,
                [column] => scope.resolve(None, &ident(column))?,
                [] => return Err("empty identifier".into()),
            },
            Expr::Value(v) => match &v.value {
                Value::Null => Verdict::nullable("NULL literal"),
                Value::Placeholder(p) => self.param(p)?,
                _ => Verdict::non_null("literal"),
            },
            Expr::TypedString(_) | Expr::Interval(_) => Verdict::non_null("literal"),
            Expr::Cast { kind, expr, .. } => match kind {
                CastKind::TryCast | CastKind::SafeCast => Verdict::nullable("TRY_CAST may return NULL"),
                _ => self.expr(expr, scope)?,
            },
            Expr::Nested(e) | Expr::UnaryOp { expr: e, .. } | Expr::Collate { expr: e, .. } => self.expr(e, scope)?,
            Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::IsTrue(_)
            | Expr::IsNotTrue(_)
            | Expr::IsFalse(_)
            | Expr::IsNotFalse(_)
            | Expr::IsUnknown(_)
            | Expr::IsNotUnknown(_)
            | Expr::IsDistinctFrom(..)
            | Expr::IsNotDistinctFrom(..) => Verdict::non_null("IS tests never return NULL"),
            Expr::Exists { .. } => Verdict::non_null("EXISTS never returns NULL"),
            Expr::BinaryOp { left, op, right } => {
                if null_preserving(op) {
                    self.all(&[&**left, &**right], scope, "operator on non-null operands")?
                } else {
                    Verdict::nullable(format!("operator `{op}` may return NULL"))
                }
            }
            Expr::Between { expr, low, high, .. } => {
                self.all(&[&**expr, &**low, &**high], scope, "BETWEEN on non-null operands")?
            }
            Expr::Like { expr, pattern, .. }
            | Expr::ILike { expr, pattern, .. }
            | Expr::SimilarTo { expr, pattern, .. } => {
                self.all(&[&**expr, &**pattern], scope, "pattern match on non-null operands")?
            }
            Expr::InList { expr, list, .. } => {
                let mut all: Vec<&Expr> = vec![&**expr];
                all.extend(list.iter());
                self.all(&all, scope, "IN list of non-null values")?
            }
            Expr::InSubquery { expr, subquery, .. } => {
                let columns = self.query(subquery, Some(scope))?;
                match (self.expr(expr, scope)?, columns.as_slice()) {
                    (left, [right]) if !left.nullable && !right.verdict.nullable => {
                        Verdict::non_null("IN over a subquery of non-null values")
                    }
                    (left, _) if left.nullable => left,
                    _ => Verdict::nullable("IN over a subquery that may yield NULL"),
                }
            }
            Expr::AnyOp { .. } | Expr::AllOp { .. } => {
                Verdict::nullable("ANY/ALL is NULL when the array holds a NULL and nothing matches")
            }
            Expr::Case {
                conditions,
                else_result,
                ..
            } => {
                let Some(else_result) = else_result else {
                    return Ok(Verdict::nullable("CASE without ELSE"));
                };
                let mut results: Vec<&Expr> = conditions.iter().map(|c| &c.result).collect();
                results.push(else_result);
                self.all(&results, scope, "every CASE branch is non-null")?
            }
            Expr::Subquery(query) => self.scalar_subquery(query, scope)?,
            Expr::Function(f) => self.function(f, scope)?,
            Expr::Extract { expr, .. } | Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => {
                self.all(&[&**expr], scope, "non-null argument")?
            }
            Expr::Position { expr, r#in } => self.all(&[&**expr, &**r#in], scope, "non-null arguments")?,
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                // `substring(s FROM 'regex')` is NULL when nothing matches; only the
                // positional form (integer bounds) is null-preserving.
                let bounds: Vec<&Expr> = substring_from
                    .iter()
                    .chain(substring_for.iter())
                    .map(|e| &**e)
                    .collect();
                let positional = bounds
                    .iter()
                    .all(|b| matches!(b, Expr::Value(v) if matches!(v.value, Value::Number(..))));
                if !positional {
                    return Ok(Verdict::nullable(
                        "substring() with a pattern is NULL when nothing matches",
                    ));
                }
                self.all(&[&**expr], scope, "substring() by position of a non-null string")?
            }
            Expr::Trim { expr, trim_what, .. } => {
                let mut all: Vec<&Expr> = vec![&**expr];
                all.extend(trim_what.iter().map(|e| &**e));
                self.all(&all, scope, "non-null arguments")?
            }
            Expr::AtTimeZone { timestamp, time_zone } => {
                self.all(&[&**timestamp, &**time_zone], scope, "non-null operands")?
            }
            Expr::Array(_) | Expr::Tuple(_) => Verdict::non_null("ARRAY and ROW constructors are never NULL"),
            Expr::CompoundFieldAccess { .. } | Expr::JsonAccess { .. } => {
                Verdict::nullable("subscripts and field access may return NULL")
            }
            other => Verdict::nullable(format!("expression `{}` is not analysed", short(other))),
        })
    }

    /// Non-null when every expression is; otherwise the first nullable one's verdict.
    fn all(&self, exprs: &[&Expr], scope: &Scope<'_>, because: &str) -> Result<Verdict, String> {
        for e in exprs {
            let verdict = self.expr(e, scope)?;
            if verdict.nullable {
                return Ok(Verdict {
                    catalog_nullable: false,
                    ..verdict
                });
            }
        }
        Ok(Verdict::non_null(because))
    }

    fn param(&self, placeholder: &str) -> Result<Verdict, String> {
        let n: usize = placeholder
            .trim_start_matches('$')
            .parse()
            .map_err(|_| format!("placeholder {placeholder}"))?;
        match self.context.nullable_params.get(n.wrapping_sub(1)) {
            Some(true) => Ok(Verdict::nullable(format!("parameter ${n} is nullable"))),
            _ => Ok(Verdict::non_null(format!("parameter ${n} is not nullable"))),
        }
    }

    /// A scalar subquery is `NULL` when it returns no row, unless it is an aggregate
    /// without `GROUP BY`, which always returns exactly one row.
    fn scalar_subquery(&self, query: &sqlparser::ast::Query, scope: &Scope<'_>) -> Result<Verdict, String> {
        let columns = self.query(query, Some(scope))?;
        let one_row = match query.body.as_ref() {
            SetExpr::Select(select) => {
                query.limit_clause.is_none()
                    && query.fetch.is_none()
                    && select.having.is_none()
                    && matches!(&select.group_by, sqlparser::ast::GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty())
                    && self.select_aggregates(select)
            }
            _ => false,
        };
        // An array's elements are the subquery column's, whatever the row count.
        let elements = match columns.as_slice() {
            [column] => column.verdict.elements.clone(),
            _ => super::Elements::Unknown,
        };
        let json = match columns.as_slice() {
            [column] => column
                .verdict
                .json
                .clone()
                .map(|shape| Box::new(shape.through_subquery(query))),
            _ => None,
        };
        let verdict = match columns.as_slice() {
            [column] if one_row && !column.verdict.nullable => Verdict::non_null(format!(
                "aggregate subquery always returns one row ({})",
                column.verdict.reason
            )),
            _ => Verdict::nullable("scalar subquery may return no row"),
        };
        Ok(Verdict {
            json,
            ..verdict.with_elements(elements)
        })
    }

    fn function(&self, f: &Function, scope: &Scope<'_>) -> Result<Verdict, String> {
        let name = object_name(&f.name).last().cloned().unwrap_or_default();
        let args = arguments(f);
        if let Some(over) = &f.over {
            let default_frame = matches!(over, WindowType::WindowSpec(spec) if spec.window_frame.is_none());
            return self.window(&name, &args, scope, default_frame, f);
        }
        if let Some(kind) = aggregate(&name) {
            return self.aggregate(&name, kind, f, &args, scope);
        }
        match name.as_str() {
            "array" if matches!(f.args, FunctionArguments::Subquery(_)) => {
                Ok(Verdict::non_null("ARRAY(SELECT …) is never NULL (empty over no rows)"))
            }
            "coalesce" | "greatest" | "least" => {
                for a in &args {
                    let v = self.expr(a, scope)?;
                    if !v.nullable {
                        return Ok(Verdict::non_null(format!(
                            "{name}() has a non-null argument ({})",
                            v.reason
                        )));
                    }
                }
                Ok(Verdict::nullable(format!("every argument of {name}() may be NULL")))
            }
            "nullif" => Ok(Verdict::nullable("nullif() returns NULL when its arguments are equal")),
            // NULL only for a NULL array: removing or replacing NULL elements is allowed.
            "array_remove" | "array_replace" => self.all(
                &args[..args.len().min(1)],
                scope,
                &format!("{name}() of a non-null array"),
            ),
            // NULL arguments after the separator are skipped.
            "concat_ws" => self.all(
                &args[..args.len().min(1)],
                scope,
                "concat_ws() with a non-null separator",
            ),
            n if NEVER_NULL.contains(&n) => Ok(Verdict::non_null(format!("{n}() never returns NULL"))),
            n if NULL_PRESERVING.contains(&n) => self.all(&args, scope, &format!("{n}() of non-null arguments")),
            n => Ok(Verdict::nullable(format!(
                "{n}() may return NULL (not a function quarry knows to be null-free)"
            ))),
        }
    }

    fn window(
        &self,
        name: &str,
        args: &[&Expr],
        scope: &Scope<'_>,
        default_frame: bool,
        f: &Function,
    ) -> Result<Verdict, String> {
        if WINDOW_NEVER_NULL.contains(&name) || name == "count" {
            return Ok(Verdict::non_null(format!("{name}() never returns NULL")));
        }
        // The default frame always holds the current row, so it is never empty.
        if default_frame && matches!(name, "first_value" | "last_value") {
            return self.all(
                &args[..args.len().min(1)],
                scope,
                &format!("{name}() of a non-null value over a frame holding the current row"),
            );
        }
        if default_frame && f.filter.is_none() {
            if let Some(kind @ (Aggregate::Collect | Aggregate::SkipsNulls)) = aggregate(name) {
                return Ok(match (kind, args.first()) {
                    (Aggregate::Collect, _) => {
                        Verdict::non_null(format!("{name}() over a frame holding the current row"))
                    }
                    (_, Some(arg)) => {
                        let v = self.expr(arg, scope)?;
                        if v.nullable {
                            Verdict::nullable(format!("{name}() is NULL when every input is NULL ({})", v.reason))
                        } else {
                            Verdict::non_null(format!(
                                "{name}() of a non-null value over a frame holding the current row"
                            ))
                        }
                    }
                    _ => Verdict::nullable(format!("{name}() without arguments")),
                });
            }
        }
        if WINDOW_OTHER_ROW.contains(&name) {
            // lag(x, n, default): the default covers the missing row.
            if let (true, [value, _, default]) = (matches!(name, "lag" | "lead"), args) {
                return self.all(
                    &[*value, *default],
                    scope,
                    &format!("{name}() with a non-null value and default"),
                );
            }
            return Ok(Verdict::nullable(format!(
                "{name}() is NULL when the row it reads does not exist"
            )));
        }
        Ok(Verdict::nullable(format!(
            "window function {name}() may be NULL (its frame may be empty)"
        )))
    }

    fn aggregate(
        &self,
        name: &str,
        kind: Aggregate,
        f: &Function,
        args: &[&Expr],
        scope: &Scope<'_>,
    ) -> Result<Verdict, String> {
        if kind == Aggregate::Count {
            return Ok(Verdict::non_null("count() is never NULL"));
        }
        if scope.grouping != Grouping::Groups || f.filter.is_some() {
            return Ok(Verdict::nullable(format!(
                "{name}() is NULL over no rows (no GROUP BY, or a FILTER)"
            )));
        }
        match kind {
            Aggregate::Collect => Ok(Verdict::non_null(format!(
                "{name}() over a non-empty group is never NULL"
            ))),
            Aggregate::SkipsNulls => {
                let inner = self.inner_scope_for_aggregate(scope);
                let Some(first) = args.first() else {
                    return Ok(Verdict::nullable(format!("{name}() without arguments")));
                };
                let v = self.expr(first, &inner)?;
                Ok(if v.nullable {
                    Verdict::nullable(format!("{name}() is NULL when every input is NULL ({})", v.reason))
                } else {
                    Verdict::non_null(format!("{name}() of a non-null value over a non-empty group"))
                })
            }
            _ => Ok(Verdict::nullable(format!(
                "{name}() may be NULL even over non-null input"
            ))),
        }
    }

    /// Aggregate arguments see the rows before grouping.
    pub(super) fn inner_scope_for_aggregate<'s>(&self, scope: &'s Scope<'s>) -> Scope<'s> {
        Scope {
            relations: scope.relations.clone(),
            narrowed: scope.narrowed.clone(),
            grouping: Grouping::None,
            parent: scope.parent,
        }
    }
}

/// The expression arguments of a call (`*` and named forms included).
pub(super) fn arguments(f: &Function) -> Vec<&Expr> {
    match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                | FunctionArg::Named {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                }
                | FunctionArg::ExprNamed {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `expr` contains an aggregate call (outside subqueries and window calls).
pub(super) fn has_aggregate(expr: &Expr) -> bool {
    match expr {
        Expr::Function(f) => {
            let name = object_name(&f.name).last().cloned().unwrap_or_default();
            (f.over.is_none() && aggregate(&name).is_some()) || arguments(f).into_iter().any(has_aggregate)
        }
        Expr::BinaryOp { left, right, .. } => has_aggregate(left) || has_aggregate(right),
        Expr::Nested(e) | Expr::UnaryOp { expr: e, .. } | Expr::Cast { expr: e, .. } => has_aggregate(e),
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            conditions
                .iter()
                .any(|c| has_aggregate(&c.condition) || has_aggregate(&c.result))
                || else_result.as_deref().is_some_and(has_aggregate)
        }
        _ => false,
    }
}

/// Column references whose non-nullness follows from `expr` being true: the operands of
/// comparisons in a conjunction, through null-preserving operators.
pub(super) fn proven_non_null(expr: &Expr, out: &mut Vec<(Option<String>, String)>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: Op::And,
            right,
        } => {
            proven_non_null(left, out);
            proven_non_null(right, out);
        }
        Expr::Nested(e) => proven_non_null(e, out),
        // A bare boolean column as a condition must be true.
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => operands(expr, out),
        Expr::IsNotNull(e) | Expr::IsTrue(e) | Expr::IsFalse(e) => operands(e, out),
        Expr::BinaryOp { left, op, right } if comparison(op) => {
            operands(left, out);
            operands(right, out);
        }
        Expr::Between {
            expr,
            low,
            high,
            negated: false,
        } => {
            operands(expr, out);
            operands(low, out);
            operands(high, out);
        }
        Expr::InList {
            expr, negated: false, ..
        }
        | Expr::InSubquery {
            expr, negated: false, ..
        } => operands(expr, out),
        // `x = ANY(array)` is true only for a non-null x (ALL is true over an empty array).
        Expr::AnyOp { left, compare_op, .. } if comparison(compare_op) => operands(left, out),
        // `NOT (x IS NULL)`.
        Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Not,
            expr,
        } => {
            if let Expr::IsNull(e) = strip_nested(expr) {
                operands(e, out)
            }
        }
        Expr::Like {
            expr,
            pattern,
            negated: false,
            ..
        }
        | Expr::ILike {
            expr,
            pattern,
            negated: false,
            ..
        } => {
            operands(expr, out);
            operands(pattern, out);
        }
        _ => {}
    }
}

fn strip_nested(expr: &Expr) -> &Expr {
    match expr {
        Expr::Nested(e) => strip_nested(e),
        e => e,
    }
}

/// Column references reachable through null-preserving operators only.
fn operands(expr: &Expr, out: &mut Vec<(Option<String>, String)>) {
    match expr {
        Expr::Identifier(i) => out.push((None, ident(i))),
        Expr::CompoundIdentifier(parts) => {
            if let [.., q, c] = parts.as_slice() {
                out.push((Some(ident(q)), ident(c)));
            }
        }
        Expr::Nested(e) | Expr::UnaryOp { expr: e, .. } => operands(e, out),
        Expr::Cast {
            kind: CastKind::Cast | CastKind::DoubleColon,
            expr,
            ..
        } => operands(expr, out),
        Expr::BinaryOp { left, op, right } if comparison(op) => {
            operands(left, out);
            operands(right, out);
        }
        _ => {}
    }
}

fn short(expr: &Expr) -> String {
    let text = expr.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}
