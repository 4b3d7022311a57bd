//! Inline queries: `quarry::query!(client, "… {expr} …")` calls in Rust sources.
//!
//! `cargo quarry regenerate` finds them with syn (also inside other macros' arguments, such
//! as `assert_eq!`), turns each template into a one-query file in quarry's syntax (see
//! [`quarry_inline::template`]) and introspects it like any `.sql` query — same parser, same
//! types, same nullability inference. The result goes into the snapshot's `inline` section,
//! keyed by the template as written; a query that does not prepare is stored as an error, so
//! the macro reports it where it is written.

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::error::Error;
use crate::model::Query;
use crate::parse::{parse_file, QueryFile};
use crate::pg::Connection;
use crate::progress::Listener;
use crate::types::{TypeSettings, MODELS_PATH, TYPES_PATH};
use quarry_inline::entry::{self, Entry, InlineQueries, Problem};
use quarry_inline::template::{self, Template};
use std::path::PathBuf;
use syn::punctuated::Punctuated;
use syn::visit::Visit;

/// One `query!` call found in a Rust source file.
#[derive(Debug, Clone)]
pub struct InlineCall {
    /// The file, as found under the configured folder.
    pub file: PathBuf,
    /// 1-based line of the string literal.
    pub line: usize,
    /// 0-based column (in characters) of the string literal.
    pub column: usize,
    /// The literal's value.
    pub template: String,
}

/// Every `query!` call in the `.rs` files under `roots`, in file order.
pub fn find_calls(roots: &[PathBuf]) -> Result<Vec<InlineCall>, Error> {
    let mut calls = Vec::new();
    for root in roots {
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = entry.map_err(|e| Error::io(root, e.into()))?;
            if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            // A file that does not parse is the compiler's to report.
            if let Ok(file) = syn::parse_file(&text) {
                let mut finder = Finder {
                    file: entry.path().to_path_buf(),
                    calls: &mut calls,
                };
                finder.visit_file(&file);
            }
        }
    }
    Ok(calls)
}

struct Finder<'c> {
    file: PathBuf,
    calls: &'c mut Vec<InlineCall>,
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let Ok(args) = mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated) else {
            return;
        };
        if is_query_macro(&mac.path) {
            if let Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(literal),
                ..
            })) = args.iter().nth(1)
            {
                let start = literal.span().start();
                self.calls.push(InlineCall {
                    file: self.file.clone(),
                    line: start.line,
                    column: start.column,
                    template: literal.value(),
                });
            }
        }
        // Arguments of any macro may hold calls (`assert_eq!(query!(…).one().await?, …)`).
        for arg in &args {
            self.visit_expr(arg);
        }
    }
}

/// `query!` or `quarry::query!`.
fn is_query_macro(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments == ["query"] || segments == ["quarry", "query"]
}

/// Introspects every distinct template of `calls`; returns the snapshot entries and a located
/// diagnostic per call whose query does not prepare.
/// A connection failure is the error.
pub fn introspect_calls(
    client: &mut Connection,
    calls: &[InlineCall],
    settings: &TypeSettings,
) -> Result<(InlineQueries, Vec<Diagnostic>), Error> {
    let mut entries = InlineQueries::new();
    let mut pending: Vec<(String, Template, QueryFile)> = Vec::new();
    for call in calls {
        if entries.contains_key(&call.template) || pending.iter().any(|(t, _, _)| t == &call.template) {
            continue;
        }
        match prepare_file(&call.template, pending.len()) {
            Ok((template, file)) => pending.push((call.template.clone(), template, file)),
            Err(problem) => {
                entries.insert(call.template.clone(), Entry::Error(problem));
            }
        }
    }
    // One failing query fails the whole introspection: drop the failures and go again.
    while !pending.is_empty() {
        let files: Vec<QueryFile> = pending.iter().map(|(_, _, f)| f.clone()).collect();
        match crate::introspect::introspect(client, &files, settings, &Listener::default()) {
            Ok(model) => {
                for ((key, template, _), module) in pending.drain(..).zip(sorted_back(&files, model.modules)) {
                    entries.insert(key, entry_of(&template, &module.queries[0]));
                }
            }
            Err(Error::Diagnostics(diagnostics)) => {
                let before = pending.len();
                pending.retain(|(key, template, file)| {
                    let Some(d) = diagnostics.iter().find(|d| d.file == file.source.path) else {
                        return true;
                    };
                    entries.insert(key.clone(), Entry::Error(problem_of(d, template)));
                    false
                });
                if pending.len() == before {
                    for (key, _, _) in pending.drain(..) {
                        let message = diagnostics
                            .first()
                            .map_or("introspection failed".into(), |d| d.message.clone());
                        entries.insert(
                            key,
                            Entry::Error(Problem {
                                message,
                                offset: None,
                                help: String::new(),
                            }),
                        );
                    }
                }
            }
            Err(other) => return Err(other),
        }
    }
    let diagnostics = calls
        .iter()
        .filter_map(|call| match entries.get(&call.template) {
            Some(Entry::Error(problem)) => Some(located(call, problem)),
            _ => None,
        })
        .collect();
    Ok((entries, diagnostics))
}

/// `cargo quarry check` for inline queries: a diagnostic at each call whose query is missing
/// from the `snapshot` or whose types or nullability differ from what the server says now
/// (`fresh`). Like `.sql` queries, only what the generated code depends on counts.
pub fn drift(calls: &[InlineCall], snapshot: &InlineQueries, fresh: &InlineQueries) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    calls
        .iter()
        .filter(|call| seen.insert(&call.template))
        .filter_map(|call| {
            let changes = match (snapshot.get(&call.template), fresh.get(&call.template)) {
                (None, _) => vec!["it is not in the snapshot".to_string()],
                (Some(Entry::Query(old)), Some(Entry::Query(new))) => changes(old, new),
                (Some(Entry::Error(_)), Some(Entry::Query(_))) => {
                    vec!["it prepares now, and the snapshot still holds its old error".to_string()]
                }
                _ => return None,
            };
            (!changes.is_empty()).then(|| {
                let problem = Problem {
                    message: format!("would change: {}", changes.join("; ")),
                    offset: None,
                    help: format!(
                        "if the change is intended, run `{}` and review the callers",
                        crate::snapshot::REGENERATE
                    ),
                };
                located(call, &problem)
            })
        })
        .collect()
}

fn changes(old: &entry::Query, new: &entry::Query) -> Vec<String> {
    let mut out = Vec::new();
    for (i, (o, n)) in old.params.iter().zip(&new.params).enumerate() {
        if o.rust != n.rust || o.pg_name != n.pg_name {
            out.push(format!("parameter ${} was {}, is now {}", i + 1, o.pg_name, n.pg_name));
        }
    }
    if old.params.len() != new.params.len() {
        out.push(format!(
            "{} parameters instead of {}",
            new.params.len(),
            old.params.len()
        ));
    }
    let column = |c: &entry::Column| {
        let null = if c.nullable { "nullable" } else { "not null" };
        format!("{} ({null})", c.wire_name)
    };
    for (o, n) in old.columns.iter().zip(&new.columns) {
        if o.field != n.field {
            out.push(format!("column `{}` is now `{}`", o.field, n.field));
        } else if o.rust != n.rust || o.nullable != n.nullable {
            out.push(format!("column `{}` was {}, is now {}", n.field, column(o), column(n)));
        }
    }
    if old.columns.len() != new.columns.len() {
        out.push(format!(
            "{} columns instead of {}",
            new.columns.len(),
            old.columns.len()
        ));
    }
    out
}

/// The modules of a model in the order of `files` (the model sorts them by name).
fn sorted_back(files: &[QueryFile], mut modules: Vec<crate::model::Module>) -> Vec<crate::model::Module> {
    files
        .iter()
        .map(|f| {
            let i = modules
                .iter()
                .position(|m| m.name == f.module)
                .expect("one module per file");
            modules.swap_remove(i)
        })
        .collect()
}

/// The template as a one-query file `inline<n>` in quarry's syntax.
fn prepare_file(text: &str, n: usize) -> Result<(Template, QueryFile), Problem> {
    let template = template::parse(text).map_err(|e| Problem {
        message: e.message,
        offset: Some(e.span.start),
        help: "interpolate values as `{expr}` (`{expr?}` for an Option)".into(),
    })?;
    let module = format!("inline{n}");
    let source = SourceFile::new(module.clone(), format!("{HEADER}{}", template.sql));
    let mut file = parse_file(source, module).map_err(|d| problem_of(&d[0], &template))?;
    file.queries[0].inline = true;
    Ok((template, file))
}

/// The header line of the file an inline template becomes.
const HEADER: &str = "-- name: inline :many\n";

/// A diagnostic about the one-query file, as a problem at its offset in the template.
fn problem_of(d: &Diagnostic, template: &Template) -> Problem {
    let offset = (d.line >= 2).then(|| {
        let line_start: usize = template
            .sql
            .split_inclusive('\n')
            .take(d.line as usize - 2)
            .map(str::len)
            .sum();
        let line = &template.sql[line_start..];
        let column = line
            .char_indices()
            .nth(d.column as usize - 1)
            .map_or(line.len(), |(i, _)| i);
        template.template_offset(line_start + column)
    });
    let mut message = d.message.clone();
    if let Some(pg) = &d.postgres {
        message = format!("{message} (SQLSTATE {})", pg.code);
        if let Some(hint) = &pg.hint {
            message.push_str(&format!("; hint: {hint}"));
        }
    }
    Problem {
        message,
        offset,
        help: d
            .help
            .as_deref()
            .unwrap_or_default()
            .replace("query `inline`", "this query"),
    }
}

/// The snapshot entry of a prepared query: built-in types only (the macro has no `types`
/// module to name enums and composites from).
fn entry_of(template: &Template, query: &Query) -> Entry {
    let user_type = query
        .params
        .iter()
        .map(|p| &p.ty)
        .chain(query.columns.iter().map(|c| &c.ty))
        .find(|ty| {
            [TYPES_PATH, MODELS_PATH]
                .iter()
                .any(|p| ty.param.contains(p) || ty.owned.contains(p))
        });
    if let Some(ty) = user_type {
        return Entry::Error(Problem {
            message: format!(
                "type `{}` is user-defined; inline queries use built-in types only",
                ty.pg_name
            ),
            offset: None,
            help: "cast it (`mood::text`), or move the query to a .sql file, where enums and composites are generated"
                .into(),
        });
    }
    let params = query
        .params
        .iter()
        .zip(&template.args)
        .map(|(p, arg)| entry::Param {
            pg_name: p.ty.pg_name.clone(),
            oid: p.ty.param_oid,
            rust: value_type(&p.ty.param),
            nullable: arg.nullable,
        })
        .collect();
    let columns = query
        .columns
        .iter()
        .map(|c| entry::Column {
            field: c.field.clone(),
            name: c.pg_name.clone(),
            wire_name: c.ty.wire_name.clone(),
            rust: c.ty.owned.clone(),
            nullable: c.nullable,
            reason: c.nullability_reason.clone(),
        })
        .collect();
    Entry::Query(entry::Query {
        sql: query.sql.clone(),
        params,
        columns,
        read_only: crate::route::read_only(&query.sql, &query.docs),
    })
}

/// The parameter type of a generated function, with text arrays as `&[&str]` (an inline
/// parameter has no generic type to take `impl Str` in).
fn value_type(param: &str) -> String {
    param.replace("impl ::quarry::types::Str", "&str")
}

/// A problem as a diagnostic at the call's string literal, at the source character that
/// holds the template's offending one.
fn located(call: &InlineCall, problem: &Problem) -> Diagnostic {
    let text = std::fs::read_to_string(&call.file).unwrap_or_default();
    let source = SourceFile::new(call.file.display().to_string(), text);
    let line_start: usize = source
        .text
        .split_inclusive('\n')
        .take(call.line - 1)
        .map(str::len)
        .sum();
    let literal = line_start
        + source.text[line_start..]
            .char_indices()
            .nth(call.column)
            .map_or(0, |(i, _)| i);
    let quote = source.text[literal..].find('"').map_or(literal, |i| literal + i + 1);
    let raw = source.text[literal..].starts_with('r');
    let at = quote + source_offset(&source.text[quote..], raw, problem.offset.unwrap_or(0));
    let at = at.min(source.text.len());
    let diagnostic = Diagnostic::at(&source, at..at + 1, format!("inline query: {}", problem.message));
    if problem.help.is_empty() {
        diagnostic
    } else {
        diagnostic.with_help(problem.help.clone())
    }
}

/// The byte offset in a string literal's source (`body`: what follows its opening quote) of
/// byte `offset` of its value. A raw literal is its value; in a normal one escapes are longer
/// in the source (`\n`, `\x41`, `\u{1F600}`), and a `\` before a line break drops the break
/// and the next line's leading whitespace.
fn source_offset(body: &str, raw: bool, offset: usize) -> usize {
    if raw {
        return offset;
    }
    let (mut source, mut value) = (0, 0);
    while source < body.len() {
        let (source_len, value_len) = token_len(&body[source..]);
        // Stop at the character holding `offset`, past any continuation before it.
        if value >= offset && value_len > 0 {
            break;
        }
        (source, value) = (source + source_len, value + value_len);
    }
    source
}

/// The lengths in the source and in the value of the literal's next character or escape.
fn token_len(rest: &str) -> (usize, usize) {
    let Some(escaped) = rest.strip_prefix('\\') else {
        let c = rest.chars().next().map_or(1, char::len_utf8);
        return (c, c);
    };
    match escaped.chars().next() {
        Some('x') => (4, 1),
        Some('u') => {
            let end = rest.find('}').map_or(rest.len(), |i| i + 1);
            let c = rest.get(3..end - 1).and_then(|hex| u32::from_str_radix(hex, 16).ok());
            (end, c.and_then(char::from_u32).map_or(1, char::len_utf8))
        }
        Some(c @ ('\n' | '\r')) => {
            let after = &escaped[c.len_utf8()..];
            (1 + c.len_utf8() + after.len() - after.trim_start().len(), 0)
        }
        Some(c) => (1 + c.len_utf8(), 1),
        None => (1, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::source_offset;

    #[test]
    fn offsets_in_the_value_map_past_escapes_in_the_source() {
        // Value "a\nb": byte 2 is `b`; in the source `a\\nb` it is byte 3.
        assert_eq!(source_offset("a\\nb\"", false, 2), 3);
        assert_eq!(source_offset("\\x41\\u{e9}x\"", false, 3), 10);
        assert_eq!(source_offset("\\\"q\\\"x\"", false, 3), 5);
        // A line continuation contributes nothing to the value.
        assert_eq!(source_offset("a \\\n     b\"", false, 2), 9);
        assert_eq!(source_offset("a\\nb\"", true, 2), 2);
        assert_eq!(source_offset("héllo\"", false, 3), 3);
    }
}
