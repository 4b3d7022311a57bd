//! Dynamic queries (docs/dynamic.md): lines of an annotated query that are included only when
//! an optional parameter is given or a flag is set, and a sort slot filled from a closed set
//! of column lists — parsed from the query as written, the variants introspection prepares to
//! prove every combination valid, and the SQL of any variant.
//!
//! ```sql
//! -- name: search_tasks :many
//! -- sort newest: t.id DESC
//! -- sort title: t.title, t.id
//! SELECT t.id, t.title FROM tasks t
//! JOIN users u ON u.id = t.assignee_id   -- optional: assignee_email
//! WHERE t.deleted_at IS NULL
//!   AND t.status = :status                -- optional
//!   AND u.email = :assignee_email         -- optional
//!   AND t.completed_at IS NULL            -- optional: open_only
//! ORDER BY t.id DESC                      -- sort
//! LIMIT :limit                            -- optional
//! ```
//!
//! Why the checked variants prove every combination (see `checks`): an optional line is a
//! conjunct of a `WHERE` (`AND …`), an inner or left join, or a `LIMIT`/`OFFSET`; each
//! line's validity depends only on the base statement and the lines of its own condition
//! (base + that condition alone is prepared); the only way two conditions interact is by
//! adding tables — a name made ambiguous, an alias taken twice — which only grows with more
//! lines, so it shows in the variant with every condition on. Sort choices are prepared on the
//! base and on the all-on variant for the same reason.

pub mod prove;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::parse::QueryDef;
use crate::scan::{scan, ParamRef, TokenKind};
use std::ops::Range;

/// The dynamic parts of one query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dynamic {
    /// The statement line by line.
    pub pieces: Vec<Piece>,
    /// What turns lines on: optional parameters and flags, in order of first appearance.
    pub conditions: Vec<Condition>,
    /// The sort choices; the first is the default. Empty without a sort slot.
    pub sorts: Vec<SortChoice>,
    /// For each parameter (`$n` order of the statement as written): its condition, or `None`
    /// when every variant has it.
    pub param_conditions: Vec<Option<usize>>,
}

/// One line of the statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Piece {
    /// The condition that includes it; `None`: always included.
    pub when: Option<usize>,
    /// Its text, parameters and sort slot.
    pub segments: Vec<Segment>,
}

/// Part of a [`Piece`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Segment {
    /// SQL text.
    Text(String),
    /// Parameter `n` (0-based, `$n` order of the statement as written).
    Param(usize),
    /// The sort choice's column list.
    Sort,
    /// The keyset condition (`AND (keys) < (values)`), when the call passes the last row's keys.
    After,
}

/// A condition: an optional parameter (given or not) or a flag (set or not).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Condition {
    /// The parameter's or flag's name.
    pub name: String,
    /// The parameter (index), or `None` for a flag.
    pub param: Option<usize>,
    /// The first line it includes, as written (without its marker), for docs and diagnostics.
    pub line: String,
}

/// One sort choice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SortChoice {
    /// Its name (`newest`), a variant of the generated enum.
    pub name: String,
    /// The `ORDER BY` column list.
    pub sql: String,
    /// With an `-- after` line: the sort's key expressions, in order.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Whether the keys sort descending (one direction for all: a row comparison).
    #[serde(default)]
    pub descending: bool,
    /// The Rust types of the keys, resolved at introspection (what a row's key values are).
    #[serde(default)]
    pub key_types: Vec<crate::types::RustType>,
}

impl SortChoice {
    /// The keyset condition: rows after the key values `$first`, `$first + 1`, … in this order.
    pub fn after_sql(&self, first: usize) -> String {
        let values: Vec<String> = (0..self.keys.len()).map(|i| format!("${}", first + i)).collect();
        let op = if self.descending { "<" } else { ">" };
        format!("AND ({}) {op} ({})", self.keys.join(", "), values.join(", "))
    }
}

/// A variant introspection prepares: which conditions are on, which sort.
#[derive(Debug, Clone)]
pub struct Check {
    /// What it is, for diagnostics: `base`, `status alone`, `all on`, `sort title`.
    pub label: String,
    /// The condition whose line a failure points at, if one.
    pub condition: Option<usize>,
    /// Conditions on.
    pub on: Vec<bool>,
    /// The sort choice.
    pub sort: usize,
    /// With the keyset condition.
    pub after: bool,
}

impl Dynamic {
    /// The SQL of a variant, and the parameters it keeps (indexes into the statement's).
    pub fn sql(&self, on: &[bool], sort: usize, after: bool) -> (String, Vec<usize>) {
        let included = |when: Option<usize>| when.is_none_or(|c| on[c]);
        let kept: Vec<usize> = (0..self.param_conditions.len())
            .filter(|&n| included(self.param_conditions[n]))
            .collect();
        let mut sql = String::new();
        for piece in self.pieces.iter().filter(|p| included(p.when)) {
            for segment in &piece.segments {
                match segment {
                    Segment::Text(text) => sql.push_str(text),
                    Segment::Param(n) => {
                        let k = kept
                            .iter()
                            .position(|k| k == n)
                            .expect("a kept line keeps its parameters");
                        sql.push_str(&format!("${}", k + 1));
                    }
                    Segment::Sort => sql.push_str(&self.sorts[sort].sql),
                    Segment::After if after => sql.push_str(&self.sorts[sort].after_sql(kept.len() + 1)),
                    Segment::After => {}
                }
            }
        }
        (sql, kept)
    }

    /// The variants that prove every combination valid (see the module docs): the base (no
    /// condition on), each condition alone, every condition on; each further sort choice on the
    /// base and with every condition on.
    pub fn checks(&self) -> Vec<Check> {
        let n = self.conditions.len();
        let mut checks = vec![Check {
            label: "with no optional line".into(),
            condition: None,
            on: vec![false; n],
            sort: 0,
            after: false,
        }];
        for (c, condition) in self.conditions.iter().enumerate() {
            let mut on = vec![false; n];
            on[c] = true;
            checks.push(Check {
                label: format!("with only `{}`", condition.name),
                condition: Some(c),
                on,
                sort: 0,
                after: false,
            });
        }
        checks.push(Check {
            label: "with every optional line".into(),
            condition: None,
            on: vec![true; n],
            sort: 0,
            after: false,
        });
        for (s, sort) in self.sorts.iter().enumerate().skip(1) {
            for all in [false, true] {
                checks.push(Check {
                    label: format!(
                        "sorted by `{}`{}",
                        sort.name,
                        if all { ", every optional line on" } else { "" }
                    ),
                    condition: None,
                    on: vec![all; n],
                    sort: s,
                    after: false,
                });
            }
        }
        // The keyset condition of every sort, on the base and with every line on: its key
        // parameters' types come from these.
        if self.has_after() {
            for (s, sort) in self.sorts.iter().enumerate() {
                for all in [false, true] {
                    checks.push(Check {
                        label: format!(
                            "after a row, sorted by `{}`{}",
                            sort.name,
                            if all { ", every optional line on" } else { "" }
                        ),
                        condition: None,
                        on: vec![all; n],
                        sort: s,
                        after: true,
                    });
                }
            }
        }
        checks
    }

    /// Whether the query has an `-- after` line (keyset pagination).
    pub fn has_after(&self) -> bool {
        self.pieces.iter().any(|p| p.segments.contains(&Segment::After))
    }
}

/// The most conditions one query may have (bits of the variant key).
const MAX_CONDITIONS: usize = 63;

/// How lines that may be optional begin (case-insensitive), and why others may not.
const OPTIONAL_STARTS: [&str; 8] = [
    "and ",
    "join ",
    "inner join ",
    "left join ",
    "left outer join ",
    "limit ",
    "offset ",
    "cross join ",
];

/// The dynamic parts of `def`, if it has any; errors point at the line or header at fault.
pub fn parse(source: &SourceFile, def: &QueryDef) -> Result<Option<Dynamic>, Diagnostic> {
    let sorts = sort_choices(source, def)?;
    let tokens = scan(&def.sql).map_err(|e| Diagnostic::at(source, def.sql_span.clone(), e.message))?;
    let at = |range: Range<usize>| def.file_offset(range.start)..def.file_offset(range.end);
    let mut markers = Vec::new();
    for token in tokens.iter().filter(|t| t.kind == TokenKind::LineComment) {
        let text = def.sql[token.span.start + 2..token.span.end].trim();
        let marker = if text == "optional" {
            Marker::Optional(None)
        } else if let Some(name) = text.strip_prefix("optional:") {
            Marker::Optional(Some(name.trim().to_string()))
        } else if text == "sort" {
            Marker::Sort
        } else if text == "after" {
            Marker::After
        } else {
            continue;
        };
        markers.push((token.span.clone(), marker));
    }
    if markers.is_empty() && sorts.is_empty() {
        return Ok(None);
    }
    if def.kind.is_batch()
        || matches!(
            def.kind,
            crate::parse::QueryKind::CopyFrom | crate::parse::QueryKind::Iter
        )
    {
        return Err(Diagnostic::at(
            source,
            def.name_span.clone(),
            format!(
                "`{}` queries cannot have optional lines or sort choices",
                def.kind.name()
            ),
        )
        .with_help("optional lines and sorts are for single calls: :one, :opt, :many, :exec"));
    }
    let mut dynamic = Dynamic {
        pieces: Vec::new(),
        conditions: Vec::new(),
        sorts,
        param_conditions: vec![None; def.params.len()],
    };
    let mut sort_slots = 0;
    let mut after_slots = 0;
    let mut lines_params = Vec::new();
    for line in lines(&def.sql) {
        let marker = markers.iter().find(|(span, _)| line.contains(&span.start));
        let params: Vec<(Range<usize>, usize)> = tokens
            .iter()
            .filter(|t| line.contains(&t.span.start))
            .filter_map(|t| match &t.kind {
                TokenKind::Param(ParamRef::Positional(n)) => Some((t.span.clone(), *n as usize - 1)),
                _ => None,
            })
            .collect();
        let mut piece = Piece {
            when: None,
            segments: Vec::new(),
        };
        // The line as the file shows it (`:name`, not `$n`), without its marker: for docs and
        // to find it in the file.
        let shown = |end: usize| {
            let mut text = String::new();
            let mut at = line.start;
            for (span, n) in params.iter().filter(|(s, _)| s.start < end) {
                text.push_str(&def.sql[at..span.start]);
                text.push(':');
                text.push_str(&def.params[*n].name);
                at = span.end;
            }
            text.push_str(&def.sql[at..end]);
            text.trim().to_string()
        };
        match marker {
            None => {}
            Some((span, Marker::Sort)) => {
                if dynamic.sorts.is_empty() {
                    return Err(
                        Diagnostic::at(source, at(span.clone()), "a `-- sort` line without sort choices").with_help(
                            "declare the choices below the header: `-- sort newest: created_at DESC, id DESC`",
                        ),
                    );
                }
                let text = &def.sql[line.start..span.start];
                let Some(list) = text
                    .to_ascii_lowercase()
                    .find("order by")
                    .map(|i| line.start + i + "order by".len())
                else {
                    return Err(Diagnostic::at(
                        source,
                        at(line.start..span.start),
                        "a `-- sort` line must hold `ORDER BY <columns>`",
                    )
                    .with_help("write the default order on that line: `ORDER BY created_at DESC -- sort`"));
                };
                if !params.is_empty() {
                    return Err(Diagnostic::at(
                        source,
                        at(params[0].0.clone()),
                        "a sort line cannot take parameters",
                    ));
                }
                sort_slots += 1;
                piece
                    .segments
                    .push(Segment::Text(format!("{} ", def.sql[line.start..list].trim_end())));
                piece.segments.push(Segment::Sort);
                piece
                    .segments
                    .push(Segment::Text(format!(" {}", &def.sql[span.start..line.end])));
                dynamic.pieces.push(piece);
                lines_params.push(params);
                continue;
            }
            Some((span, Marker::After)) => {
                if !def.sql[line.start..span.start].trim().is_empty() {
                    return Err(Diagnostic::at(
                        source,
                        at(line.start..span.start),
                        "an `-- after` line holds nothing else",
                    )
                    .with_help(
                        "put `-- after` alone on a line of the WHERE: quarry writes the keyset condition there",
                    ));
                }
                after_slots += 1;
                piece
                    .segments
                    .push(Segment::Text(def.sql[line.start..span.start].to_string()));
                piece.segments.push(Segment::After);
                piece
                    .segments
                    .push(Segment::Text(def.sql[span.end..line.end].to_string()));
                dynamic.pieces.push(piece);
                lines_params.push(params);
                continue;
            }
            Some((span, Marker::Optional(name))) => {
                let code = def.sql[line.start..span.start].trim_start().to_ascii_lowercase();
                if !OPTIONAL_STARTS.iter().any(|s| code.starts_with(s)) {
                    let help = if code.starts_with("or ") {
                        "optional lines are conjuncts: put the alternatives in one line, `AND (a = :x OR b = :x) -- optional`"
                    } else if code.starts_with("right ") || code.starts_with("full ") {
                        "a right or full join can make the other tables' columns NULL, so it cannot be optional: make it a left join"
                    } else {
                        "an optional line starts with AND (a condition of the WHERE), JOIN / LEFT JOIN (a table its condition needs), LIMIT or OFFSET"
                    };
                    return Err(
                        Diagnostic::at(source, at(line.start..span.start), "this line cannot be optional")
                            .with_help(help),
                    );
                }
                let distinct: Vec<usize> = {
                    let mut d: Vec<usize> = params.iter().map(|(_, n)| *n).collect();
                    d.dedup();
                    d
                };
                let condition = match (name, distinct.as_slice()) {
                    (None, [n]) => condition_for_param(&mut dynamic, def, *n, &shown(span.start)),
                    (None, _) => {
                        return Err(Diagnostic::at(source, at(span.clone()), format!(
                            "an `-- optional` line needs exactly one parameter, which turns it on; this one has {}",
                            distinct.len()
                        ))
                        .with_help("name what turns it on: `-- optional: only_open` (a flag) or `-- optional: <a parameter of another optional line>`; or split the line"));
                    }
                    (Some(name), _) => {
                        let param = def.params.iter().position(|p| &p.name == name);
                        if let Some(&other) = distinct.iter().find(|&&n| Some(n) != param) {
                            return Err(Diagnostic::at(
                                source,
                                at(params.iter().find(|(_, n)| *n == other).expect("found").0.clone()),
                                format!("`:{}` in a line turned on by `{name}`", def.params[other].name),
                            )
                            .with_help("a line's parameters must be the one that turns it on"));
                        }
                        match param {
                            Some(n) => condition_for_param(&mut dynamic, def, n, &shown(span.start)),
                            None => condition_for_flag(&mut dynamic, name, &shown(span.start)),
                        }
                    }
                };
                for (span, n) in &params {
                    if def.params[*n].nullable {
                        return Err(Diagnostic::at(
                            source,
                            at(span.clone()),
                            format!("`:{}` is optional, so it cannot also be nullable", def.params[*n].name),
                        )
                        .with_help("an optional parameter is given (`Some`) or not; drop the `?`"));
                    }
                }
                piece.when = Some(condition);
            }
        }
        piece.segments = segments(&def.sql, line.clone(), &params);
        dynamic.pieces.push(piece);
        lines_params.push(params);
    }
    // Each parameter is required (in lines every variant has) or belongs to one condition.
    for (piece, params) in dynamic.pieces.iter().zip(&lines_params) {
        for (span, n) in params {
            if dynamic.param_conditions[*n] != piece.when {
                return Err(Diagnostic::at(
                    source,
                    at(span.clone()),
                    format!(
                    "`:{}` is both optional and required: it is in an optional line and in a line every variant has",
                    def.params[*n].name
                ),
                )
                .with_help("use it in optional lines only, or give the required use another name"));
            }
        }
    }
    if !dynamic.sorts.is_empty() && sort_slots != 1 {
        return Err(Diagnostic::at(
            source,
            def.name_span.clone(),
            format!(
                "query `{}` declares sort choices but has {sort_slots} `-- sort` lines",
                def.name
            ),
        )
        .with_help("mark exactly one `ORDER BY` line with `-- sort`"));
    }
    if after_slots > 0 {
        keyset_sorts(source, def, &mut dynamic.sorts, after_slots)?;
    }
    if let Some(c) = dynamic
        .conditions
        .iter()
        .find(|c| c.name == "sort" && !dynamic.sorts.is_empty())
    {
        return Err(Diagnostic::at(
            source,
            def.name_span.clone(),
            format!("`{}` turns a line on and names the sort choice field", c.name),
        )
        .with_help("rename the parameter or flag"));
    }
    if let Some(c) = dynamic
        .conditions
        .iter()
        .find(|c| !crate::naming::is_rust_name(&c.name))
    {
        return Err(Diagnostic::at(
            source,
            def.name_span.clone(),
            format!("`{}` cannot be a field of the options struct", c.name),
        )
        .with_help("name flags and parameters with letters, digits and `_`"));
    }
    if dynamic.conditions.len() > MAX_CONDITIONS {
        return Err(Diagnostic::at(
            source,
            def.name_span.clone(),
            format!(
                "query `{}` has {} optional conditions; at most {MAX_CONDITIONS}",
                def.name,
                dynamic.conditions.len()
            ),
        ));
    }
    Ok(Some(dynamic))
}

enum Marker {
    Optional(Option<String>),
    Sort,
    After,
}

fn condition_for_param(dynamic: &mut Dynamic, def: &QueryDef, n: usize, line: &str) -> usize {
    if let Some(c) = dynamic.conditions.iter().position(|c| c.param == Some(n)) {
        return c;
    }
    dynamic.conditions.push(Condition {
        name: def.params[n].name.clone(),
        param: Some(n),
        line: line.trim().to_string(),
    });
    let c = dynamic.conditions.len() - 1;
    dynamic.param_conditions[n] = Some(c);
    c
}

fn condition_for_flag(dynamic: &mut Dynamic, name: &str, line: &str) -> usize {
    if let Some(c) = dynamic.conditions.iter().position(|c| c.name == name) {
        return c;
    }
    dynamic.conditions.push(Condition {
        name: name.to_string(),
        param: None,
        line: line.trim().to_string(),
    });
    dynamic.conditions.len() - 1
}

/// The statement's lines, each with its newline.
fn lines(sql: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in sql.char_indices() {
        if c == '\n' {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < sql.len() {
        out.push(start..sql.len());
    }
    out
}

/// A line as text and parameter segments.
fn segments(sql: &str, line: Range<usize>, params: &[(Range<usize>, usize)]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = line.start;
    for (span, n) in params {
        if span.start > at {
            out.push(Segment::Text(sql[at..span.start].to_string()));
        }
        out.push(Segment::Param(*n));
        at = span.end;
    }
    if at < line.end {
        out.push(Segment::Text(sql[at..line.end].to_string()));
    }
    out
}

/// `-- sort <name>: <columns>` lines between the header and the statement.
fn sort_choices(source: &SourceFile, def: &QueryDef) -> Result<Vec<SortChoice>, Diagnostic> {
    let between = def.name_span.end..def.sql_span.start;
    let mut sorts: Vec<SortChoice> = Vec::new();
    let mut offset = between.start;
    for line in source.text[between.clone()].split_inclusive('\n') {
        let here = offset;
        offset += line.len();
        let Some(rest) = line.trim().strip_prefix("--").map(str::trim) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix("sort ") else {
            continue;
        };
        let span = here..here + line.trim_end().len();
        // Only `sort <identifier>: …` declares an order; other doc lines starting with "sort"
        // ("sort by date") stay documentation.
        let Some((name, list)) = rest.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if !crate::naming::is_ascii_ident(name) {
            continue;
        }
        if list.trim().is_empty() {
            return Err(
                Diagnostic::at(source, span, format!("sort choice `{name}` has no columns"))
                    .with_help("e.g. `-- sort newest: created_at DESC, id DESC`"),
            );
        }
        if sorts.iter().any(|s| s.name == name) {
            return Err(Diagnostic::at(
                source,
                span,
                format!("sort choice `{name}` is declared twice"),
            ));
        }
        sorts.push(SortChoice {
            name: name.to_string(),
            sql: list.trim().to_string(),
            keys: Vec::new(),
            descending: false,
            key_types: Vec::new(),
        });
    }
    Ok(sorts)
}

/// With an `-- after` line: every sort must be a keyset order — its columns all in one
/// direction, without `NULLS FIRST/LAST` (a row comparison `(a, b) < ($1, $2)` follows exactly
/// that order) — and its keys are recorded.
fn keyset_sorts(source: &SourceFile, def: &QueryDef, sorts: &mut [SortChoice], slots: usize) -> Result<(), Diagnostic> {
    let at_name = || def.name_span.clone();
    if slots > 1 || sorts.is_empty() {
        return Err(Diagnostic::at(source, at_name(), format!(
            "query `{}`: keyset pagination needs sort choices and one `-- after` line",
            def.name
        ))
        .with_help("declare the orders (`-- sort newest: created_at DESC, id DESC`) and put `-- after` alone on one line of the WHERE"));
    }
    for sort in sorts.iter_mut() {
        // Errors point at the sort's declaration.
        let header = &source.text[def.name_span.end..def.sql_span.start];
        let decl = format!("sort {}:", sort.name);
        let at_name = || match header.find(&decl) {
            Some(at) => def.name_span.end + at..def.name_span.end + at + decl.len(),
            None => def.name_span.clone(),
        };
        let mut keys = Vec::new();
        let mut directions = Vec::new();
        for item in split_top_level(&sort.sql) {
            let words: Vec<&str> = item.split_whitespace().collect();
            let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
            if upper.iter().any(|w| w == "NULLS") {
                return Err(Diagnostic::at(
                    source,
                    at_name(),
                    format!("sort `{}`: `NULLS FIRST/LAST` cannot be paged by keyset", sort.name),
                )
                .with_help("page by NOT NULL columns, in one direction"));
            }
            let (expr, descending) = match upper.last().map(String::as_str) {
                Some("DESC") => (words[..words.len() - 1].join(" "), true),
                Some("ASC") => (words[..words.len() - 1].join(" "), false),
                _ => (words.join(" "), false),
            };
            keys.push(expr);
            directions.push(descending);
        }
        if directions.iter().any(|d| *d != directions[0]) {
            return Err(Diagnostic::at(source, at_name(), format!(
                "sort `{}` mixes ASC and DESC, which one row comparison cannot page",
                sort.name
            ))
            .with_help("give every column of a keyset order the same direction (the tie-breaker too: `created_at DESC, id DESC`)"));
        }
        sort.descending = directions[0];
        sort.keys = keys;
    }
    Ok(())
}

/// `a, f(b, c) DESC` → `["a", "f(b, c) DESC"]`: commas outside parentheses.
fn split_top_level(list: &str) -> Vec<String> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in list.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(list[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(list[start..].trim().to_string());
    items
}
