//! Splitting a query file into its queries: where each header is (`-- name:`, `/* name: */`,
//! `# name:`), the tokens up to the next one, and the statements that have no header (skipped).

use super::{Diagnostic, SourceFile};
use crate::scan::{scan, Token, TokenKind};
use std::ops::Range;

/// Whether `text` holds a query header (`-- name:`, `/* name:`, `# name:`).
pub fn has_query_header(text: &str) -> bool {
    let source = SourceFile::new("", text);
    scan(text).is_ok_and(|tokens| tokens.iter().any(|t| header_text(&source, t).is_some()))
}

/// The schema part of a file that is named as schema and as queries (sqlc's layout with one
/// folder for both): its text with every headed query (header to `;`) blanked out, newlines
/// kept, so what remains (the statements without a header) reports errors at its own lines.
pub fn schema_part(text: &str) -> String {
    let source = SourceFile::new("", text);
    let Ok(tokens) = scan(text) else {
        return text.to_string();
    };
    let mut out = text.as_bytes().to_vec();
    let headers: Vec<usize> = (0..tokens.len())
        .filter(|&i| header_text(&source, &tokens[i]).is_some())
        .collect();
    for (n, &h) in headers.iter().enumerate() {
        let next = headers.get(n + 1).copied().unwrap_or(tokens.len());
        let body = &tokens[h + 1..next];
        let end = body.iter().find(|t| t.kind == TokenKind::Semicolon).map_or_else(
            || body.last().map_or(tokens[h].span.end, |t| t.span.end),
            |t| t.span.end,
        );
        for byte in &mut out[tokens[h].span.start..end] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    // Every byte of a blanked span became an ASCII space, so the text is still UTF-8.
    String::from_utf8(out).expect("blanked bytes are ASCII spaces")
}

pub(super) fn stray_warning(source: &SourceFile, span: Range<usize>) -> Diagnostic {
    Diagnostic::at(source, span, "statement without a query header is skipped")
        .with_help("give it a header line like `-- name: <name> :<kind>` above it to generate a function, or move it to the schema")
        .warning()
}

/// A header and the tokens up to the next header.
pub(super) struct Section {
    pub(super) header: usize,
    pub(super) body: Range<usize>,
}

/// The queries of a file, and the spans of the statements that have no header.
pub(super) struct Sections {
    pub(super) sections: Vec<Section>,
    pub(super) strays: Vec<Range<usize>>,
}

/// Where the text after `name:` starts in a header comment: `-- name: …`, `/* name: … */`, or
/// a line `# name: …` (sqlc accepts all three).
pub(super) fn header_text(source: &SourceFile, token: &Token) -> Option<usize> {
    let text = &source.text[token.span.clone()];
    let after_marker = match token.kind {
        TokenKind::LineComment => text.strip_prefix("--").or_else(|| text.strip_prefix('#'))?,
        TokenKind::BlockComment => text.strip_prefix("/*")?,
        _ => return None,
    };
    let rest = after_marker.trim_start();
    rest.starts_with("name:")
        .then(|| token.span.start + (text.len() - rest.len()) + "name:".len())
}

/// Where a header's text ends: the line's end, or before a block comment's `*/`.
pub(super) fn header_end(source: &SourceFile, token: &Token) -> usize {
    match token.kind {
        TokenKind::BlockComment if source.text[token.span.clone()].ends_with("*/") => token.span.end - 2,
        _ => token.span.end,
    }
}

pub(super) fn is_sql(token: &Token) -> bool {
    !matches!(token.kind, TokenKind::LineComment | TokenKind::BlockComment)
}

/// The span of each statement (first SQL token to its `;`) in `tokens`.
pub(super) fn statement_spans(tokens: &[Token]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    for token in tokens {
        match token.kind {
            TokenKind::Semicolon => {
                if let Some(s) = start.take() {
                    spans.push(s..token.span.end);
                }
            }
            _ if is_sql(token) => {
                start.get_or_insert(token.span.start);
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        let end = tokens.iter().rev().find(|t| is_sql(t)).map_or(s, |t| t.span.end);
        spans.push(s..end);
    }
    spans
}

pub(super) fn split_sections(source: &SourceFile, tokens: &[Token], errors: &mut Vec<Diagnostic>) -> Sections {
    let headers: Vec<usize> = (0..tokens.len())
        .filter(|&i| header_text(source, &tokens[i]).is_some())
        .collect();
    if let Some(cornucopia) = tokens
        .iter()
        .find(|t| t.kind == TokenKind::LineComment && source.text[t.span.clone()].starts_with("--!"))
    {
        errors.push(
            Diagnostic::at(source, cornucopia.span.clone(), "cornucopia annotation: quarry does not read `--!` headers")
                .with_help("write `-- name: <name> :many` (or :one, :opt, :exec) above each query; docs/from-sqlc.md lists the steps for cornucopia files"),
        );
        return Sections {
            sections: Vec::new(),
            strays: Vec::new(),
        };
    }
    let first = headers.first().copied().unwrap_or(tokens.len());
    let mut strays = statement_spans(&tokens[..first]);
    let sections = headers
        .iter()
        .enumerate()
        .map(|(n, &h)| {
            let body = h + 1..headers.get(n + 1).copied().unwrap_or(tokens.len());
            // The query is the section's first statement; what follows it before the next
            // header has no header of its own.
            let body_tokens = &tokens[body.clone()];
            if let Some(end) = body_tokens.iter().position(|t| t.kind == TokenKind::Semicolon) {
                strays.extend(statement_spans(&body_tokens[end + 1..]));
            }
            Section { header: h, body }
        })
        .collect();
    Sections { sections, strays }
}
