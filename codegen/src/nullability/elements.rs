//! Array element rules: can an element of this array value be `NULL`?
//!
//! PostgreSQL cannot declare array elements `NOT NULL`, so element nullability is proven from
//! how the array is built: `ARRAY[...]` and `array_agg` of values whose own verdicts are known,
//! `ARRAY(SELECT …)` from its column, `array_remove(a, NULL)`, `string_to_array` without a null
//! string, a CHECK constraint on the column (`array_position(c, NULL) IS NULL`, read by the
//! catalog). What is not proven either way stays [`Elements::Unknown`], for the
//! `nullable_array_elements` setting to decide.

use super::expr::{arguments, object_name};
use super::from::narrow;
use super::query::Analyser;
use super::scope::Scope;
use super::{Elements, Verdict};
use crate::types::{RustType, TypeSettings};
use sqlparser::ast::{BinaryOperator, CastKind, Expr, Function, FunctionArguments, Value};

/// Functions whose result holds the elements of their first (array) argument and nothing else.
const KEEP_ELEMENTS: &[&str] = &["trim_array", "array_shuffle", "array_sample"];

/// Functions whose result's elements are never `NULL`.
const NON_NULL_ELEMENTS: &[&str] = &[
    "regexp_split_to_array",
    "array_positions",
    "tsvector_to_array",
    "akeys",
    "current_schemas",
    "parse_ident",
];

impl Analyser<'_> {
    /// The verdict of `expr` as a result column: its own, plus what its elements can be.
    pub(super) fn column_verdict(&self, expr: &Expr, scope: &Scope<'_>) -> Result<Verdict, String> {
        let verdict = self.expr(expr, scope)?;
        // A column reference or a scalar subquery carries its elements already: analysing the
        // subquery again would double the work at every nesting level. A JSON shape is
        // only read from the expression itself: a reference to a derived table's column
        // would carry probes that are valid only inside that table.
        match expr {
            Expr::Subquery(_) => return Ok(verdict),
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => return Ok(Verdict { json: None, ..verdict }),
            _ => {}
        }
        let elements = self.elements(expr, scope)?;
        let json = self.json_shape(expr, scope)?.map(Box::new);
        Ok(Verdict {
            json,
            ..verdict.with_elements(elements)
        })
    }

    /// What is known about the elements of `expr`'s value, when it is an array.
    pub(super) fn elements(&self, expr: &Expr, scope: &Scope<'_>) -> Result<Elements, String> {
        Ok(match expr {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Subquery(_) => self.expr(expr, scope)?.elements,
            Expr::Nested(e) => self.elements(e, scope)?,
            Expr::Cast {
                kind: CastKind::Cast | CastKind::DoubleColon,
                expr,
                ..
            } => match expr.as_ref() {
                Expr::Value(v) => match &v.value {
                    Value::SingleQuotedString(text) => literal_elements(text),
                    _ => Elements::Unknown,
                },
                // A cast converts each element; NULL stays NULL and a value stays a value.
                other => self.elements(other, scope)?,
            },
            // An untyped literal whose type the server infers (`COALESCE(…, '{}')`).
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(text) => literal_elements(text),
                _ => Elements::Unknown,
            },
            Expr::Array(array) => self.constructor(&array.elem, scope)?,
            Expr::Function(f) => self.function_elements(f, scope)?,
            Expr::Case {
                conditions,
                else_result,
                ..
            } => {
                let mut elements = match else_result {
                    Some(e) => self.elements(e, scope)?,
                    None => Elements::NonNull("CASE without ELSE adds only a NULL array".into()),
                };
                for c in conditions {
                    elements = elements.merge(self.elements(&c.result, scope)?);
                }
                elements
            }
            Expr::BinaryOp {
                left,
                op: BinaryOperator::StringConcat,
                right,
            } => self.elements(left, scope)?.merge(self.elements(right, scope)?),
            _ => Elements::Unknown,
        })
    }

    /// `ARRAY[a, b, …]`: its elements are the values listed (nested rows for more dimensions).
    fn constructor(&self, values: &[Expr], scope: &Scope<'_>) -> Result<Elements, String> {
        let mut elements = Elements::NonNull("ARRAY[…] of non-null values".into());
        for value in values {
            let part = match value {
                Expr::Array(inner) => self.constructor(&inner.elem, scope)?,
                value => value_elements(self.expr(value, scope)?, "ARRAY[…] holds a value that"),
            };
            elements = elements.merge(part);
        }
        Ok(elements)
    }

    fn function_elements(&self, f: &Function, scope: &Scope<'_>) -> Result<Elements, String> {
        let name = object_name(&f.name).last().cloned().unwrap_or_default();
        let args = arguments(f);
        Ok(match (name.as_str(), args.as_slice()) {
            ("array", _) => match &f.args {
                FunctionArguments::Subquery(query) => match self.query(query, Some(scope))?.as_slice() {
                    [column] => value_elements(column.verdict.clone(), "ARRAY(SELECT …) of a column that"),
                    _ => Elements::Unknown,
                },
                _ => Elements::Unknown,
            },
            ("array_agg", [value, ..]) => self.aggregated(f, value, scope)?,
            ("array_remove", [_, removed]) if is_null_literal(removed) => {
                Elements::NonNull("array_remove(…, NULL) removes every NULL element".into())
            }
            ("array_remove", [array, _]) => self.elements(array, scope)?,
            ("array_append", [array, value]) | ("array_prepend", [value, array]) => self
                .elements(array, scope)?
                .merge(value_elements(self.expr(value, scope)?, "the value added")),
            ("array_replace", [array, _, value]) => self
                .elements(array, scope)?
                .merge(value_elements(self.expr(value, scope)?, "the replacement")),
            ("array_cat", [a, b]) => self.elements(a, scope)?.merge(self.elements(b, scope)?),
            ("array_fill", [value, ..]) => value_elements(self.expr(value, scope)?, "array_fill()'s value"),
            ("coalesce", values) | ("greatest", values) | ("least", values) => {
                let mut elements = Elements::NonNull(format!("every argument of {name}() has non-null elements"));
                for value in values {
                    elements = elements.merge(self.elements(value, scope)?);
                }
                elements
            }
            ("nullif", [value, _]) => self.elements(value, scope)?,
            ("string_to_array", [_, _]) => Elements::NonNull("string_to_array() without a null string".into()),
            ("string_to_array", [_, _, _]) => {
                Elements::Nullable("string_to_array() turns its null string into NULL elements".into())
            }
            ("regexp_match" | "regexp_matches", _) => Elements::Nullable(format!(
                "{name}() gives NULL for a capture group that does not take part"
            )),
            (n, [array, ..]) if KEEP_ELEMENTS.contains(&n) => self.elements(array, scope)?,
            (n, _) if NON_NULL_ELEMENTS.contains(&n) => Elements::NonNull(format!("{n}() never holds NULL")),
            _ => Elements::Unknown,
        })
    }

    /// `array_agg(value)`: one element per input row, as nullable as `value` in those rows
    /// (before grouping, narrowed by the aggregate's `FILTER`).
    fn aggregated(&self, f: &Function, value: &Expr, scope: &Scope<'_>) -> Result<Elements, String> {
        let mut rows = self.inner_scope_for_aggregate(scope);
        if let Some(filter) = &f.filter {
            narrow(&mut rows, filter);
        }
        Ok(value_elements(self.expr(value, &rows)?, "array_agg() of a value that"))
    }
}

/// An array column's type with its elements as nullable as inference and the settings say,
/// and the reason to add to the column's (empty for a type that is not an array).
pub(crate) fn element_nullability(ty: RustType, elements: &Elements, settings: &TypeSettings) -> (RustType, String) {
    let Some(nullable) = ty.with_nullable_elements() else {
        return (ty, String::new());
    };
    match elements {
        Elements::NonNull(why) => (ty, format!("; elements non-null: {why}")),
        Elements::Nullable(why) => (nullable, format!("; elements nullable: {why}")),
        Elements::Unknown if settings.nullable_array_elements => (
            nullable,
            "; elements nullable: not proven non-null (`nullable_array_elements`)".into(),
        ),
        Elements::Unknown => (
            ty,
            "; elements assumed non-null (not proven either way; `nullable_array_elements` makes them Option)".into(),
        ),
    }
}

/// Elements that are `verdict`'s value: non-null exactly when it is.
fn value_elements(verdict: Verdict, what: &str) -> Elements {
    if verdict.nullable {
        Elements::Nullable(format!("{what} may be NULL ({})", verdict.reason))
    } else {
        Elements::NonNull(format!("{what} is never NULL ({})", verdict.reason))
    }
}

fn is_null_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Value(v) => matches!(v.value, Value::Null),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => is_null_literal(expr),
        _ => false,
    }
}

/// An array literal (`'{a,"b c",NULL}'`): nullable when an unquoted element reads `NULL`.
fn literal_elements(text: &str) -> Elements {
    if !text.trim_start().starts_with('{') {
        return Elements::Unknown;
    }
    let (mut quoted, mut escaped, mut token) = (false, false, String::new());
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '{' | '}' | ',' if !quoted => {
                if token.trim().eq_ignore_ascii_case("null") {
                    return Elements::Nullable("the array literal holds NULL".into());
                }
                token.clear();
                continue;
            }
            _ if quoted => {}
            c => token.push(c),
        }
    }
    Elements::NonNull("an array literal without NULL".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_literals() {
        assert!(matches!(literal_elements("{}"), Elements::NonNull(_)));
        assert!(matches!(literal_elements("{a,\"NULL\",b}"), Elements::NonNull(_)));
        assert!(matches!(literal_elements("{a, null ,b}"), Elements::Nullable(_)));
        assert!(matches!(literal_elements("{{1,2},{NULL,4}}"), Elements::Nullable(_)));
        assert!(matches!(literal_elements("{nullable}"), Elements::NonNull(_)));
        assert!(matches!(literal_elements("[1:2]={1,2}"), Elements::Unknown));
    }
}
