//! The query header, `-- name: <name> :<kind>`: its name (which becomes a Rust function) and
//! its kind, each located for errors.

use super::sections::{header_end, header_text};
use super::QueryKind;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::scan::Token;
use std::ops::Range;

pub(super) const HEADER_HINT: &str = "a header reads `-- name: <name> :<kind>`, where <kind> is one of :one, :opt, :many, :exec, :iter, :copyfrom, :batchexec, :batchone, :batchmany";

pub(super) fn parse_header(
    source: &SourceFile,
    header: &Token,
) -> Result<(String, Range<usize>, QueryKind), Diagnostic> {
    let after_name = header_text(source, header).expect("header token");
    let rest = &source.text[after_name..header_end(source, header)];
    let words: Vec<(usize, &str)> = rest
        .split_whitespace()
        .map(|w| (after_name + (w.as_ptr() as usize - rest.as_ptr() as usize), w))
        .collect();
    let malformed = |span: Range<usize>, msg: &str| Diagnostic::at(source, span, msg).with_help(HEADER_HINT);
    let (name_at, name) = match words.first() {
        Some(&(at, w)) if !w.starts_with(':') => (at, w),
        _ => {
            return Err(malformed(
                header.span.clone(),
                "malformed query header: missing the query name",
            ))
        }
    };
    let name_span = name_at..name_at + name.len();
    let Some(&(kind_at, kind_word)) = words.get(1) else {
        return Err(malformed(
            name_span,
            "malformed query header: missing the kind after the name",
        ));
    };
    let kind_span = kind_at..kind_at + kind_word.len();
    let Some(kind_name) = kind_word.strip_prefix(':') else {
        return Err(malformed(
            kind_span,
            "malformed query header: the kind must start with `:`",
        ));
    };
    if let Some(&(extra_at, extra)) = words.get(2) {
        return Err(malformed(
            extra_at..extra_at + extra.len(),
            "malformed query header: unexpected text after the kind",
        ));
    }
    if kind_name == "execlastid" {
        return Err(Diagnostic::at(source, kind_span, "`:execlastid` is MySQL-only")
            .with_help("PostgreSQL has no last-insert id: write `INSERT … RETURNING id` and use `:one`"));
    }
    let kind = QueryKind::from_name(kind_name).ok_or_else(|| {
        Diagnostic::at(source, kind_span, format!("unknown query kind `{kind_word}`")).with_help(
            "the kinds are :one (exactly one row), :opt (zero or one row), :many (all rows), :exec (rows affected), :iter (a stream of rows), :copyfrom (bulk load), and :batchexec, :batchone, :batchmany (the same over many parameter sets, pipelined)",
        )
    })?;
    validate_name(source, name, name_span.clone())?;
    Ok((name.to_string(), name_span, kind))
}

/// Query names become Rust function names; they must be identifiers.
fn validate_name(source: &SourceFile, name: &str, span: Range<usize>) -> Result<(), Diagnostic> {
    if !crate::naming::is_ascii_ident(name) || name == "_" {
        return Err(
            Diagnostic::at(source, span, format!("query name `{name}` is not an identifier")).with_help(
                "use ASCII letters, digits and `_`, starting with a letter (it becomes a Rust function name)",
            ),
        );
    }
    if !crate::naming::is_rust_name(&crate::naming::snake(name)) {
        return Err(Diagnostic::at(
            source,
            span,
            format!("query name `{name}` cannot be a Rust function name"),
        )
        .with_help("`self`, `super` and `crate` cannot be escaped as raw identifiers; pick another name"));
    }
    Ok(())
}
