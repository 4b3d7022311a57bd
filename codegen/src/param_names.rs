//! Names for positional parameters, inferred from where `$n` stands — the names sqlc users
//! expect, so a query written for sqlc keeps its argument names:
//!
//! - `INSERT INTO t (a, b) VALUES ($1, $2)` → `a`, `b` (each `VALUES` row, casts allowed), and
//!   the same for `INSERT INTO t (a, b) SELECT $1, $2 …`;
//! - `col = $1`, `t.col <> $1`, `col LIKE $1`, `col >= $1`, `col = ANY($1)`, `$1 = col` → `col`;
//! - `LIMIT $1` → `limit`, `OFFSET $1` → `offset`;
//! - anything else (function arguments, expressions) → `p1`, `p2`, … by position.
//!
//! A name inferred for two parameters (`price > $1 AND price < $2`) gets a suffix on the later
//! one: `price`, `price_2`. The first place a parameter appears with an inferable name wins.

use crate::scan::{ParamRef, Token, TokenKind};

/// One significant token: a parameter number or its text.
#[derive(Clone, Copy)]
enum Item<'a> {
    Param(u32),
    Code(&'a str),
}

impl<'a> Item<'a> {
    fn text(self) -> Option<&'a str> {
        match self {
            Item::Code(text) => Some(text),
            Item::Param(_) => None,
        }
    }

    fn is(self, word: &str) -> bool {
        self.text().is_some_and(|t| t.eq_ignore_ascii_case(word))
    }
}

/// Words that are never column names here.
const KEYWORDS: &[&str] = &[
    "all",
    "and",
    "any",
    "array",
    "as",
    "between",
    "by",
    "case",
    "distinct",
    "else",
    "end",
    "exists",
    "false",
    "from",
    "having",
    "in",
    "into",
    "is",
    "join",
    "limit",
    "not",
    "null",
    "offset",
    "on",
    "or",
    "order",
    "returning",
    "row",
    "select",
    "set",
    "some",
    "then",
    "true",
    "using",
    "values",
    "when",
    "where",
    "with",
];

/// Names for parameters `$1..=$count` of a statement's tokens.
pub fn infer(text: &str, tokens: &[Token], count: usize) -> Vec<String> {
    let items = items(text, tokens);
    let mut found: Vec<Option<String>> = vec![None; count];
    let mut set = |n: u32, name: String| {
        if let Some(slot) = found.get_mut(n as usize - 1) {
            slot.get_or_insert(name);
        }
    };
    for (n, name) in insert_columns(&items) {
        set(n, name);
    }
    for (i, item) in items.iter().enumerate() {
        if let Item::Param(n) = *item {
            if let Some(name) = from_context(&items, i) {
                set(n, name);
            }
        }
    }
    let mut names: Vec<String> = Vec::with_capacity(count);
    let mut taken = std::collections::HashSet::new();
    for (i, name) in found.into_iter().enumerate() {
        let name = name.unwrap_or_else(|| format!("p{}", i + 1));
        let mut unique = name.clone();
        let mut suffix = 2;
        while taken.contains(&unique) {
            unique = format!("{name}_{suffix}");
            suffix += 1;
        }
        taken.insert(unique.clone());
        names.push(unique);
    }
    names
}

/// A column name from an identifier token: unquoted ones fold to lower case.
fn column_name(item: Item<'_>) -> Option<String> {
    let text = item.text()?;
    if let Some(quoted) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        let name = crate::naming::snake(&quoted.replace("\"\"", "\""));
        return crate::naming::is_ascii_ident(&name).then_some(name);
    }
    let name = text.to_ascii_lowercase();
    (crate::naming::is_ascii_ident(&name) && !KEYWORDS.contains(&name.as_str())).then_some(name)
}

fn is_operator(item: Item<'_>) -> bool {
    item.text().is_some_and(|t| t.len() == 1 && "=<>!~".contains(t)) || ["like", "ilike"].iter().any(|w| item.is(w))
}

/// The name the tokens around parameter `i` give it.
fn from_context(items: &[Item<'_>], i: usize) -> Option<String> {
    let before = |k: usize| i.checked_sub(k).map(|j| items[j]);
    if let Some(word) = before(1).filter(|w| w.is("limit") || w.is("offset")) {
        return word.text().map(str::to_ascii_lowercase);
    }
    // `col = ANY($1)`: look past `ANY (`.
    let mut k = 1;
    if before(1).is_some_and(|t| t.is("(")) && before(2).is_some_and(|t| t.is("any") || t.is("all") || t.is("some")) {
        k = 3;
    }
    let mut operators = 0;
    while before(k).is_some_and(is_operator) {
        k += 1;
        operators += 1;
    }
    if before(k).is_some_and(|t| t.is("not")) && operators > 0 {
        k += 1;
    }
    if operators > 0 {
        if let Some(name) = before(k).and_then(column_name) {
            return Some(name);
        }
    }
    // `$1 = col` (a cast on the parameter is skipped).
    let mut j = i + 1;
    if items.get(j).is_some_and(|t| t.is("::")) {
        j += 2;
    }
    let start = j;
    while items.get(j).is_some_and(|t| is_operator(*t)) {
        j += 1;
    }
    let after = items.get(j).copied();
    let qualified = items.get(j + 1).is_some_and(|t| t.is("."));
    let target = if qualified { items.get(j + 2).copied() } else { after };
    (j > start).then_some(target).flatten().and_then(column_name)
}

/// For each parameter `$1..=$count`, whether the SQL tests it for NULL, which makes it an
/// optional filter the caller must be able to leave out (`Option<T>`): `$1 IS [NOT] NULL`,
/// `$1 ISNULL` / `NOTNULL`, `$1 IS [NOT] DISTINCT FROM …`, `… IS [NOT] DISTINCT FROM $1`, and
/// `COALESCE($1, …)` — a cast on the parameter (`$1::text[]`, `$1::varchar(20)`) is looked past.
/// sqlc code writes `(@status::text IS NULL OR status = @status)` for "no filter".
pub fn null_tested(text: &str, tokens: &[Token], count: usize) -> Vec<bool> {
    let items = items(text, tokens);
    let mut tested = vec![false; count];
    for (i, item) in items.iter().enumerate() {
        let Item::Param(n) = *item else { continue };
        let before = |k: usize| i.checked_sub(k).map(|j| items[j]);
        let after_cast = skip_cast(&items, i + 1);
        let at = |k: usize| items.get(after_cast + k).copied();
        let tests_after = at(0).is_some_and(|t| t.is("isnull") || t.is("notnull"))
            || at(0).is_some_and(|t| t.is("is")) && {
                let k = usize::from(at(1).is_some_and(|t| t.is("not")));
                at(1 + k).is_some_and(|t| t.is("null") || t.is("distinct"))
            };
        let distinct_before = before(1).is_some_and(|t| t.is("from"))
            && before(2).is_some_and(|t| t.is("distinct"))
            && (before(3).is_some_and(|t| t.is("is")) || before(4).is_some_and(|t| t.is("is")));
        let coalesce_first = before(1).is_some_and(|t| t.is("(")) && before(2).is_some_and(|t| t.is("coalesce"));
        if tests_after || distinct_before || coalesce_first {
            if let Some(slot) = tested.get_mut(n as usize - 1) {
                *slot = true;
            }
        }
    }
    tested
}

/// The index after a `::type` cast starting at `at` (type names of several words, a length
/// `(n)` or `(p, s)`, array brackets), or `at` when there is none.
fn skip_cast(items: &[Item<'_>], mut at: usize) -> usize {
    while items.get(at).is_some_and(|t| t.is("::")) {
        at += 1;
        while let Some(item) = items.get(at) {
            let word = item.text().unwrap_or("");
            let is_name = word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '"')
                && !["is", "isnull", "notnull", "and", "or", "then", "as", "from"]
                    .iter()
                    .any(|k| item.is(k));
            if is_name || word == "." || word == "[" || word == "]" {
                at += 1;
            } else if word == "(" {
                // A type modifier: digits and commas up to `)`.
                let end = items[at + 1..].iter().position(|t| {
                    !t.text()
                        .is_some_and(|w| w == "," || w.chars().all(|c| c.is_ascii_digit()))
                });
                match end.map(|e| at + 1 + e) {
                    Some(close) if items[close].is(")") => at = close + 1,
                    _ => break,
                }
            } else {
                break;
            }
        }
    }
    at
}

/// A table column a parameter is written into: `(table name parts, column)`.
pub type Target = (Vec<String>, String);

/// For each parameter `$1..=$count`, the table column it is written into, if any: an
/// `INSERT INTO t (cols…) VALUES (…)` item or an `UPDATE t SET col = $n` assignment. sqlc
/// makes such a parameter nullable when the column is; so does quarry for sqlc-style ones.
pub fn targets(text: &str, tokens: &[Token], count: usize) -> Vec<Option<Target>> {
    let items = items(text, tokens);
    let mut found: Vec<Option<Target>> = vec![None; count];
    let table_after = |at: usize| -> Option<Vec<String>> {
        let mut parts = vec![column_name(*items.get(at)?)?];
        if items.get(at + 1).is_some_and(|t| t.is(".")) {
            parts.push(column_name(*items.get(at + 2)?)?);
        }
        Some(parts)
    };
    let mut record = |n: u32, table: &Vec<String>, column: String| {
        if let Some(slot) = found.get_mut(n as usize - 1) {
            slot.get_or_insert((table.clone(), column));
        }
    };
    if let Some(into) = items.iter().position(|t| t.is("insert")).map(|i| i + 1) {
        if let Some(table) = items
            .get(into)
            .filter(|t| t.is("into"))
            .and_then(|_| table_after(into + 1))
        {
            for (n, column) in insert_columns(&items) {
                record(n, &table, column);
            }
        }
    }
    if let (Some(update), Some(set)) = (
        items.iter().position(|t| t.is("update")),
        items.iter().position(|t| t.is("set")),
    ) {
        if let Some(table) = table_after(update + 1) {
            let mut depth = 0i32;
            for i in set + 1..items.len() {
                let item = items[i];
                if item.is("(") {
                    depth += 1;
                } else if item.is(")") {
                    depth -= 1;
                } else if depth == 0 && ["where", "from", "returning"].iter().any(|w| item.is(w)) {
                    break;
                }
                let starts_assignment = depth == 0 && (i == set + 1 || items[i - 1].is(","));
                let assigned = (items.get(i + 1), items.get(i + 2));
                if let (true, Some(column), (Some(eq), Some(Item::Param(n)))) =
                    (starts_assignment, column_name(item), assigned)
                {
                    let ends = items
                        .get(i + 3)
                        .is_none_or(|t| [",", "::", "where", "from", "returning"].iter().any(|w| t.is(w)));
                    if eq.is("=") && ends {
                        record(*n, &table, column);
                    }
                }
            }
        }
    }
    found
}

fn items<'a>(text: &'a str, tokens: &[Token]) -> Vec<Item<'a>> {
    tokens
        .iter()
        .filter_map(|t| match &t.kind {
            TokenKind::Param(ParamRef::Positional(n)) => Some(Item::Param(*n)),
            TokenKind::Code => Some(Item::Code(&text[t.span.clone()])),
            _ => None,
        })
        .collect()
}

/// `(parameter, column)` for each `VALUES` item that is just a parameter (cast allowed) in
/// `INSERT INTO t (columns…) VALUES (…), (…)`.
fn insert_columns(items: &[Item<'_>]) -> Vec<(u32, String)> {
    let Some(insert) = items.iter().position(|t| t.is("insert")) else {
        return Vec::new();
    };
    let Some(open) = items[insert..].iter().position(|t| t.is("(")).map(|p| insert + p) else {
        return Vec::new();
    };
    let Some(close) = items[open..].iter().position(|t| t.is(")")).map(|p| open + p) else {
        return Vec::new();
    };
    let columns: Vec<Option<String>> = items[open + 1..close]
        .split(|t| t.is(","))
        .map(|c| c.last().copied().and_then(column_name))
        .collect();
    let plain_param = |value: &[Item<'_>]| match value {
        [Item::Param(n)] | [Item::Param(n), Item::Code("::"), ..] => Some(*n),
        _ => None,
    };
    let mut found = Vec::new();
    // `INSERT INTO t (a, b) SELECT $1, $2 [FROM …]`: the select list's items, in order.
    if items.get(close + 1).is_some_and(|t| t.is("select")) {
        let rest = &items[close + 2..];
        let mut depth = 0i32;
        let end = rest
            .iter()
            .position(|t| {
                if t.is("(") || t.is("[") {
                    depth += 1;
                } else if t.is(")") || t.is("]") {
                    depth -= 1;
                }
                depth <= 0
                    && ["from", "where", "union", "returning", "on", "group", "order", "limit"]
                        .iter()
                        .any(|w| t.is(w))
            })
            .unwrap_or(rest.len());
        for (value, column) in split_top_level(&rest[..end]).into_iter().zip(&columns) {
            if let (Some(n), Some(column)) = (plain_param(value), column) {
                found.push((n, column.clone()));
            }
        }
        return found;
    }
    if !items.get(close + 1).is_some_and(|t| t.is("values")) {
        return Vec::new();
    }
    let mut at = close + 2;
    while items.get(at).is_some_and(|t| t.is("(")) {
        let Some(end) = tuple_end(items, at) else { break };
        for (value, column) in split_top_level(&items[at + 1..end]).into_iter().zip(&columns) {
            if let (Some(n), Some(column)) = (plain_param(value), column) {
                found.push((n, column.clone()));
            }
        }
        at = end + 1;
        if !items.get(at).is_some_and(|t| t.is(",")) {
            break;
        }
        at += 1;
    }
    found
}

/// The index of the `)` closing the `(` at `open`.
fn tuple_end(items: &[Item<'_>], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, item) in items.iter().enumerate().skip(open) {
        if item.is("(") || item.is("[") {
            depth += 1;
        } else if item.is(")") || item.is("]") {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Splits on commas outside parentheses and brackets.
fn split_top_level<'i, 'a>(items: &'i [Item<'a>]) -> Vec<&'i [Item<'a>]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, item) in items.iter().enumerate() {
        if item.is("(") || item.is("[") {
            depth += 1;
        } else if item.is(")") || item.is("]") {
            depth -= 1;
        } else if depth == 0 && item.is(",") {
            parts.push(&items[start..i]);
            start = i + 1;
        }
    }
    parts.push(&items[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tested(sql: &str) -> Vec<bool> {
        let tokens = crate::scan::scan(sql).unwrap();
        null_tested(sql, &tokens, 3)
    }

    #[test]
    fn parameters_tested_for_null_are_optional() {
        assert_eq!(
            tested("SELECT * FROM t WHERE ($1::text IS NULL OR s = $1) AND id = $2"),
            [true, false, false]
        );
        assert_eq!(
            tested("SELECT * FROM t WHERE ($1::bigint[] IS NULL OR id = ANY($1))"),
            [true, false, false]
        );
        assert_eq!(
            tested("SELECT * FROM t WHERE $2::varchar(20) IS NOT NULL AND $1 ISNULL"),
            [true, true, false]
        );
        assert_eq!(
            tested("SELECT * FROM t WHERE a IS DISTINCT FROM $1 OR $2 IS NOT DISTINCT FROM b"),
            [true, true, false]
        );
        assert_eq!(
            tested("SELECT coalesce($1, a), coalesce(b, $2) FROM t WHERE $3 = 1"),
            [true, false, false]
        );
        assert_eq!(
            tested("SELECT * FROM t WHERE a IS NULL AND b = $1"),
            [false, false, false]
        );
    }

    fn names(sql: &str) -> Vec<String> {
        let tokens = crate::scan::scan(sql).unwrap();
        let count = tokens
            .iter()
            .filter_map(|t| match t.kind {
                TokenKind::Param(ParamRef::Positional(n)) => Some(n as usize),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        infer(sql, &tokens, count)
    }

    #[test]
    fn comparisons_name_the_parameter_after_the_column() {
        assert_eq!(names("SELECT * FROM t WHERE id = $1"), ["id"]);
        assert_eq!(
            names("SELECT * FROM t WHERE t.name <> $2 AND b.\"Title\" ILIKE $1"),
            ["title", "name"]
        );
        assert_eq!(
            names("SELECT * FROM t WHERE price >= $1 AND price < $2"),
            ["price", "price_2"]
        );
        assert_eq!(names("SELECT * FROM t WHERE id = ANY($1::int[])"), ["id"]);
        assert_eq!(names("SELECT * FROM t WHERE $1::text = email"), ["email"]);
        assert_eq!(names("UPDATE t SET bio = $2 WHERE id = $1"), ["id", "bio"]);
    }

    #[test]
    fn insert_column_lists_name_values() {
        assert_eq!(
            names("INSERT INTO t (a, \"B\", c) VALUES ($1, $2::int, lower($3)) RETURNING *"),
            ["a", "b", "p3"]
        );
        assert_eq!(
            names("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"),
            ["a", "b", "a_2", "b_2"]
        );
    }

    #[test]
    fn targets_of_inserts_and_updates() {
        let sql = "INSERT INTO lib.t (a, b) VALUES ($1, coalesce($2, 'x'))";
        let tokens = crate::scan::scan(sql).unwrap();
        let t = |table: &[&str], column: &str| Some((table.iter().map(|s| s.to_string()).collect(), column.into()));
        assert_eq!(targets(sql, &tokens, 2), vec![t(&["lib", "t"], "a"), None]);
        let sql = "UPDATE t SET bio = $2, name = lower($3) WHERE id = $1";
        let tokens = crate::scan::scan(sql).unwrap();
        assert_eq!(targets(sql, &tokens, 3), vec![None, t(&["t"], "bio"), None]);
    }

    #[test]
    fn limit_offset_and_fallbacks() {
        assert_eq!(
            names("SELECT * FROM t ORDER BY id LIMIT $1 OFFSET $2"),
            ["limit", "offset"]
        );
        assert_eq!(names("SELECT lower($1), $2 + 1"), ["p1", "p2"]);
        assert_eq!(names("SELECT * FROM t WHERE $1 = $2"), ["p1", "p2"]);
    }
}
