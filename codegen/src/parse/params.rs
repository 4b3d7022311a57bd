//! Rewriting a query's parameters into PostgreSQL's `$n`: quarry's `:name`, sqlc's `@name` and
//! `sqlc.arg/narg/slice/embed`, mixed with `$n` as sqlc numbers them; nullability markers on
//! quoted aliases; and the offset map back into the file.

use super::{EmbedDef, NullOverride, ParamDef};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::scan::{scan, ParamRef, Token, TokenKind};
use std::collections::HashMap;
use std::ops::Range;

/// The statement as sent to the server, and what was taken out of it.
pub(super) struct Rewritten {
    pub(super) sql: String,
    pub(super) params: Vec<ParamDef>,
    pub(super) overrides: Vec<NullOverride>,
    pub(super) offset_map: Vec<(usize, usize)>,
    pub(super) embeds: Vec<EmbedDef>,
}

/// Copies the statement while replacing spans, keeping the offset map in step.
struct Rewriter<'a> {
    text: &'a str,
    sql: String,
    offset_map: Vec<(usize, usize)>,
    copied_to: usize,
}

impl Rewriter<'_> {
    fn replace(&mut self, span: &Range<usize>, with: &str) {
        self.sql.push_str(&self.text[self.copied_to..span.start]);
        self.sql.push_str(with);
        self.copied_to = span.end;
        self.offset_map.push((self.sql.len(), self.copied_to));
    }
}

/// The parameters seen so far, in `$n` order.
#[derive(Default)]
struct Params {
    list: Vec<ParamDef>,
    /// Which `$n` the statement writes itself (`positional[n - 1]`), so named ones skip them.
    positional: Vec<bool>,
    /// Named parameters' indexes in `list`.
    by_name: HashMap<String, usize>,
    /// No free number (unwritten, untaken) below this index.
    free_from: usize,
}

impl Params {
    /// The `$n` of named parameter `name`, added on first sight at the lowest number no `$n`
    /// of the statement and no other named parameter holds (sqlc's numbering).
    fn named(&mut self, name: &str, nullable: bool, span: &Range<usize>) -> usize {
        let index = match self.by_name.get(name) {
            Some(&i) => i,
            None => {
                let def = ParamDef {
                    name: name.to_string(),
                    nullable: false,
                    span: span.clone(),
                    column: None,
                };
                let written = |i: usize| self.positional.get(i).copied().unwrap_or(false);
                let free = (self.free_from..self.list.len()).find(|&i| !written(i) && self.list[i].name.is_empty());
                let i = match free {
                    Some(i) => {
                        self.list[i] = def;
                        i
                    }
                    None => {
                        self.list.push(def);
                        self.list.len() - 1
                    }
                };
                self.free_from = i + 1;
                self.by_name.insert(name.to_string(), i);
                i
            }
        };
        self.list[index].nullable |= nullable;
        index + 1
    }
}

/// sqlc's macros: `sqlc.arg(name)`, `sqlc.narg(name)`, `sqlc.slice(name)`, `sqlc.embed(table)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SqlcMacro {
    Arg,
    Narg,
    Slice,
    Embed,
}

/// The sqlc macro starting at `statement[i]`: which one, its argument (unquoted) and the
/// index of its closing `)`.
fn sqlc_macro(text: &str, statement: &[Token], i: usize) -> Option<(SqlcMacro, String, usize)> {
    let word = |k: usize| statement.get(k).map(|t| &text[t.span.clone()]);
    if !word(i)?.eq_ignore_ascii_case("sqlc") || word(i + 1)? != "." || word(i + 3)? != "(" || word(i + 5)? != ")" {
        return None;
    }
    let which = match word(i + 2)?.to_ascii_lowercase().as_str() {
        "arg" => SqlcMacro::Arg,
        "narg" => SqlcMacro::Narg,
        "slice" => SqlcMacro::Slice,
        "embed" => SqlcMacro::Embed,
        _ => return None,
    };
    let raw = word(i + 4)?;
    let argument = match raw.as_bytes()[0] {
        b'\'' | b'"' => raw[1..raw.len() - 1].to_string(),
        _ => raw.to_ascii_lowercase(),
    };
    Some((which, argument, i + 5))
}

/// Replaces named parameters (`:name`, `@name`, `sqlc.arg(name)`, `sqlc.narg(name)`) with `$n`
/// (first appearance order), `IN (sqlc.slice(name))` with `= ANY($n)`, `sqlc.embed(t)` with
/// `t.*`; strips the `!`/`?` nullability markers from quoted aliases; records the offset map.
pub(super) fn rewrite_params(
    source: &SourceFile,
    statement: &[Token],
    span: &Range<usize>,
) -> Result<Rewritten, Diagnostic> {
    let text = &source.text;
    let mut out = Rewriter {
        text,
        sql: String::new(),
        offset_map: vec![(0, span.start)],
        copied_to: span.start,
    };
    // Named parameters mixed with `$n` ones take the numbers no `$n` uses, lowest first, as
    // sqlc numbers them: `$1, @version, $3` makes `@version` `$2`.
    let written: Vec<usize> = statement
        .iter()
        .filter_map(|t| match t.kind {
            TokenKind::Param(ParamRef::Positional(n)) => Some(n as usize),
            _ => None,
        })
        .collect();
    let highest_positional = written.iter().copied().max().unwrap_or(0);
    let mut params = Params {
        list: Vec::with_capacity(highest_positional),
        positional: vec![false; highest_positional],
        ..Params::default()
    };
    for &n in &written {
        params.positional[n - 1] = true;
    }
    if let Some(first) = statement.first() {
        for n in 1..=highest_positional {
            // Unwritten numbers keep an empty name until a named parameter takes them.
            let name = if params.positional[n - 1] {
                format!("p{n}")
            } else {
                String::new()
            };
            params.list.push(ParamDef {
                name,
                nullable: false,
                span: first.span.clone(),
                column: None,
            });
        }
    }
    let mut overrides = Vec::new();
    let mut embeds = Vec::new();
    let mut positional: Option<Range<usize>> = None;
    let mut located = vec![false; highest_positional];
    let mut i = 0;
    while i < statement.len() {
        let token = &statement[i];
        if let Some((which, argument, end)) = sqlc_macro(text, statement, i) {
            let call = token.span.start..statement[end].span.end;
            if which == SqlcMacro::Embed {
                out.replace(&call, &format!("{}.*", &text[statement[i + 4].span.clone()]));
                embeds.push(EmbedDef {
                    table: argument,
                    span: call,
                });
            } else {
                let n = params.named(&argument, which == SqlcMacro::Narg, &call);
                match slice_context(text, statement, i, end).filter(|_| which == SqlcMacro::Slice) {
                    Some((whole, negated)) => {
                        let op = if negated { "<> ALL" } else { "= ANY" };
                        out.replace(&whole, &format!("{op}(${n})"));
                        // The `)` of `IN (…)` went with it.
                        i = end + 2;
                        continue;
                    }
                    None => out.replace(&call, &format!("${n}")),
                }
            }
            i = end + 1;
            continue;
        }
        match &token.kind {
            TokenKind::Param(ParamRef::Positional(n)) => {
                positional.get_or_insert(token.span.clone());
                // The first occurrence of `$n` is where its parameter is reported.
                let index = *n as usize - 1;
                if !located[index] {
                    located[index] = true;
                    params.list[index].span = token.span.clone();
                }
            }
            TokenKind::Param(ParamRef::Named { name, nullable }) => {
                let n = params.named(name, *nullable, &token.span);
                out.replace(&token.span, &format!("${n}"));
            }
            TokenKind::Code => {
                if let Some(marker) = null_override(&text[token.span.clone()]) {
                    let quoted = &text[token.span.start..token.span.end - 2];
                    out.replace(&token.span, &format!("{quoted}\""));
                    overrides.push(NullOverride {
                        column: marker.0,
                        nullable: marker.1,
                        span: token.span.clone(),
                    });
                }
            }
            _ => {}
        }
        i += 1;
    }
    let Params {
        list: mut params,
        positional: written_at,
        ..
    } = params;
    if positional.is_some() {
        let names = crate::param_names::infer(text, statement, highest_positional);
        let named_names: std::collections::HashSet<String> = (0..params.len())
            .filter(|&i| !written_at.get(i).copied().unwrap_or(false))
            .map(|i| params[i].name.clone())
            .collect();
        for (i, name) in names.into_iter().enumerate() {
            // A named parameter keeps its name; the positional one falls back to `p<n>`.
            if written_at[i] && !named_names.contains(&name) {
                params[i].name = name;
            }
        }
    }
    // A number neither written nor taken by a named parameter (`$1, $3`) keeps `p<n>`.
    for (i, param) in params.iter_mut().enumerate() {
        if param.name.is_empty() {
            param.name = format!("p{}", i + 1);
        }
    }
    let mut sql = out.sql;
    sql.push_str(&text[out.copied_to..span.end]);
    // The rewritten statement is scanned once, for what the SQL around each `$n` says.
    if let Some(tokens) = (!params.is_empty()).then(|| scan(&sql).ok()).flatten() {
        // A parameter the SQL tests for NULL is an optional filter: `Option<T>`, both syntaxes.
        let tested = crate::param_names::null_tested(&sql, &tokens, params.len());
        for (param, tested) in params.iter_mut().zip(tested) {
            param.nullable |= tested;
        }
        // Only sqlc-style parameters take a target column's nullability.
        if params.iter().any(|p| p.sqlc_style(text)) {
            let targets = crate::param_names::targets(&sql, &tokens, params.len());
            for (param, target) in params.iter_mut().zip(targets) {
                if param.sqlc_style(text) {
                    param.column = target;
                }
            }
        }
    }
    Ok(Rewritten {
        sql,
        params,
        overrides,
        offset_map: out.offset_map,
        embeds,
    })
}

/// For `[NOT] IN (sqlc.slice(x))`: the span from `IN` (or `NOT`) to the `)` after the
/// macro's, and whether it was negated.
fn slice_context(text: &str, statement: &[Token], i: usize, end: usize) -> Option<(Range<usize>, bool)> {
    let word = |k: usize| statement.get(k).map(|t| &text[t.span.clone()]);
    if i < 2 || word(i - 1)? != "(" || !word(i - 2)?.eq_ignore_ascii_case("in") || word(end + 1)? != ")" {
        return None;
    }
    let negated = i >= 3 && word(i - 3).is_some_and(|w| w.eq_ignore_ascii_case("not"));
    let first = if negated { i - 3 } else { i - 2 };
    Some((statement[first].span.start..statement[end + 1].span.end, negated))
}

/// `"name!"` → (`name`, non-null), `"name?"` → (`name`, nullable).
fn null_override(token: &str) -> Option<(String, bool)> {
    let inner = token.strip_prefix('"')?.strip_suffix('"')?;
    let (name, nullable) = match inner.chars().last()? {
        '!' => (&inner[..inner.len() - 1], false),
        '?' => (&inner[..inner.len() - 1], true),
        _ => return None,
    };
    (!name.is_empty()).then(|| (name.replace("\"\"", "\""), nullable))
}
