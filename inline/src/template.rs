//! An inline query's template: `"SELECT … WHERE org_id = {org_id} AND name = {name?}"`.
//!
//! Each `{expr}` outside string literals, quoted identifiers, comments and dollar-quoted bodies
//! is a parameter, bound (never spliced) by the macro; `{expr?}` is a nullable one (an
//! `Option`). The template becomes quarry's annotation syntax — `{expr}` → `:__pN`,
//! `{expr?}` → `:__pN?` — so inline queries go through the very parser, introspection and
//! nullability inference of `.sql` files. `'{1,2}'` (an array literal) is not a parameter.

use crate::scan::{scan, ParamRef, TokenKind};
use std::ops::Range;

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The statement in quarry's syntax, parameters written `:__p1`, `:__p2?`, ….
    pub sql: String,
    /// The interpolated expressions, in order (`__p1` first).
    pub args: Vec<Arg>,
    /// `(offset in sql, offset in template)` at the start of each copied segment.
    pub offset_map: Vec<(usize, usize)>,
}

/// One `{expr}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The Rust expression between the braces (without a trailing `?`), trimmed.
    pub expr: String,
    /// Written `{expr?}`: the value is an `Option`, `None` binds `NULL`.
    pub nullable: bool,
    /// The braces and what they hold, in the template.
    pub span: Range<usize>,
}

/// Why a template cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Where, in the template.
    pub span: Range<usize>,
    /// What is wrong and what to do.
    pub message: String,
}

impl Template {
    /// The template offset of a byte offset in [`Template::sql`].
    pub fn template_offset(&self, sql_offset: usize) -> usize {
        map_offset(&self.offset_map, sql_offset, 0)
    }
}

/// Maps an offset in rewritten text back to the original through `(rewritten, original)`
/// pairs at the start of each copied segment; `start` is the original offset of rewritten 0.
pub fn map_offset(offset_map: &[(usize, usize)], offset: usize, start: usize) -> usize {
    let (from, to) = offset_map
        .iter()
        .rev()
        .find(|(s, _)| *s <= offset)
        .copied()
        .unwrap_or((0, start));
    to + (offset - from)
}

/// The name the `n`-th (1-based) interpolation gets in [`Template::sql`].
pub fn param_name(n: usize) -> String {
    format!("__p{n}")
}

/// Parses a template.
pub fn parse(template: &str) -> Result<Template, TemplateError> {
    let tokens = scan(template).map_err(|e| TemplateError {
        span: e.span,
        message: format!("{} ({})", e.message, e.hint),
    })?;
    let mut out = Template {
        sql: String::new(),
        args: Vec::new(),
        offset_map: vec![(0, 0)],
    };
    let mut copied_to = 0;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let text = &template[token.span.clone()];
        if let TokenKind::Param(p) = &token.kind {
            let written = match p {
                ParamRef::Named { .. } => text.to_string(),
                ParamRef::Positional(n) => format!("${n}"),
            };
            return Err(TemplateError {
                span: token.span.clone(),
                message: format!("`{written}` in an inline query: write the value as `{{expr}}` instead"),
            });
        }
        if token.kind == TokenKind::Code && text == "}" {
            return Err(TemplateError {
                span: token.span.clone(),
                message: "`}` without a matching `{`".into(),
            });
        }
        if token.kind != TokenKind::Code || text != "{" {
            i += 1;
            continue;
        }
        let close = matching_brace(template, &tokens, i).ok_or_else(|| TemplateError {
            span: token.span.clone(),
            message: "`{` without a matching `}`: interpolate a value as `{expr}`".into(),
        })?;
        let span = token.span.start..tokens[close].span.end;
        let inner = template[token.span.end..tokens[close].span.start].trim();
        let (expr, nullable) = match inner.strip_suffix('?') {
            Some(expr) => (expr.trim_end(), true),
            None => (inner, false),
        };
        if expr.is_empty() {
            return Err(TemplateError {
                span,
                message: "empty `{}`: put the Rust expression to bind between the braces".into(),
            });
        }
        out.sql.push_str(&template[copied_to..span.start]);
        let n = out.args.len() + 1;
        out.sql.push(':');
        out.sql.push_str(&param_name(n));
        if nullable {
            out.sql.push('?');
        }
        copied_to = span.end;
        out.offset_map.push((out.sql.len(), copied_to));
        out.args.push(Arg {
            expr: expr.to_string(),
            nullable,
            span,
        });
        i = close + 1;
    }
    out.sql.push_str(&template[copied_to..]);
    Ok(out)
}

/// The index of the `}` closing the `{` at `open` (braces nest, as in Rust blocks).
fn matching_brace(template: &str, tokens: &[crate::scan::Token], open: usize) -> Option<usize> {
    crate::scan::balanced(tokens[open..].iter().map(|t| &template[t.span.clone()]), "{", "}").map(|k| open + k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolations_become_named_parameters() {
        let t =
            parse("SELECT id FROM users WHERE org = {org.id} AND bio = {bio?} AND tags = '{a,b}' -- {not}").unwrap();
        assert_eq!(
            t.sql,
            "SELECT id FROM users WHERE org = :__p1 AND bio = :__p2? AND tags = '{a,b}' -- {not}"
        );
        let args: Vec<_> = t.args.iter().map(|a| (a.expr.as_str(), a.nullable)).collect();
        assert_eq!(args, [("org.id", false), ("bio", true)]);
        let at = t.sql.find("AND bio").unwrap();
        assert_eq!(
            t.template_offset(at),
            "SELECT id FROM users WHERE org = {org.id} ".len()
        );
    }

    #[test]
    fn nested_braces_and_errors() {
        assert_eq!(
            parse("SELECT {{ let x = 1; x }}").unwrap().args[0].expr,
            "{ let x = 1; x }"
        );
        assert!(parse("SELECT {x")
            .unwrap_err()
            .message
            .contains("without a matching `}`"));
        assert!(parse("SELECT x}")
            .unwrap_err()
            .message
            .contains("without a matching `{`"));
        assert!(parse("SELECT { }").unwrap_err().message.contains("empty `{}`"));
        assert!(parse("SELECT $1")
            .unwrap_err()
            .message
            .contains("`$1` in an inline query"));
        assert!(parse("SELECT :id")
            .unwrap_err()
            .message
            .contains("`:id` in an inline query"));
    }
}
