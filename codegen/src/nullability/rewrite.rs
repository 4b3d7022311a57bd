//! PostgreSQL spellings sqlparser does not read, rewritten (for the analysis only; the server
//! always gets the SQL as written) into equivalents with the same result columns and the same
//! nullability:
//!
//! | written | analysed as | why it is the same |
//! |---|---|---|
//! | `(p).*`, `(p).field` | `p.*`, `p.field` | a row variable's columns |
//! | `x ISNULL`, `x NOTNULL` | `x IS NULL`, `x IS NOT NULL` | PostgreSQL's own synonyms |
//! | `FOR NO KEY UPDATE`, `FOR KEY SHARE` | `FOR UPDATE`, `FOR SHARE` | row locks change no value |
//! | `ON CONFLICT (c) WHERE p DO …` | `ON CONFLICT (c) DO …` | the predicate only picks the arbiter index |

use crate::scan::{scan, Token, TokenKind};

/// `sql` with the spellings above rewritten; unchanged when none occurs or it does not scan.
pub(super) fn for_analysis(sql: &str) -> String {
    let Ok(tokens) = scan(sql) else {
        return sql.to_string();
    };
    let code: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
        .collect();
    let word = |i: usize| code.get(i).map_or("", |t| &sql[t.span.clone()]);
    let is = |i: usize, w: &str| word(i).eq_ignore_ascii_case(w);
    // (span to replace, replacement), in order.
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let t = code[i];
        // `( ident ) .` → `ident .`
        if word(i) == "(" && word(i + 2) == ")" && word(i + 3) == "." && is_identifier(word(i + 1)) {
            edits.push((t.span.start..code[i + 2].span.end, word(i + 1).to_string()));
            i += 3;
            continue;
        }
        if is(i, "isnull") {
            edits.push((t.span.clone(), "IS NULL".into()));
        } else if is(i, "notnull") {
            edits.push((t.span.clone(), "IS NOT NULL".into()));
        } else if is(i, "for") && is(i + 1, "no") && is(i + 2, "key") && is(i + 3, "update") {
            edits.push((code[i + 1].span.start..code[i + 2].span.end, String::new()));
            i += 3;
        } else if is(i, "for") && is(i + 1, "key") && is(i + 2, "share") {
            edits.push((code[i + 1].span.clone(), String::new()));
            i += 2;
        } else if is(i, "conflict") && word(i + 1) == "(" {
            if let Some(close) = matching_close(&code, sql, i + 1) {
                if is(close + 1, "where") {
                    if let Some(d) = (close + 2..code.len()).find(|&k| is(k, "do")) {
                        edits.push((code[close + 1].span.start..code[d].span.start, String::new()));
                        i = d;
                        continue;
                    }
                }
            }
        }
        i += 1;
    }
    if edits.is_empty() {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for (span, with) in edits {
        out.push_str(&sql[at..span.start]);
        out.push_str(&with);
        at = span.end;
    }
    out.push_str(&sql[at..]);
    out
}

fn is_identifier(word: &str) -> bool {
    word.starts_with('"')
        || word.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && word.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// The index of the `)` closing the `(` at `open`.
fn matching_close(code: &[&Token], sql: &str, open: usize) -> Option<usize> {
    crate::scan::balanced(code[open..].iter().map(|t| &sql[t.span.clone()]), "(", ")").map(|k| open + k)
}

#[cfg(test)]
mod tests {
    use super::for_analysis;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    #[test]
    fn rewritten_spellings_parse() {
        let cases = [
            (
                "WITH x AS (SELECT (p).* FROM f() p) SELECT * FROM x",
                "WITH x AS (SELECT p.* FROM f() p) SELECT * FROM x",
            ),
            ("SELECT (p).a FROM f() p", "SELECT p.a FROM f() p"),
            (
                "SELECT a FROM t WHERE b ISNULL OR c NOTNULL",
                "SELECT a FROM t WHERE b IS NULL OR c IS NOT NULL",
            ),
            (
                "SELECT a FROM t FOR NO KEY UPDATE SKIP LOCKED",
                "SELECT a FROM t FOR  UPDATE SKIP LOCKED",
            ),
            ("SELECT a FROM t FOR KEY SHARE", "SELECT a FROM t FOR  SHARE"),
            (
                "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) WHERE a > 0 DO UPDATE SET a = 2 RETURNING a",
                "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = 2 RETURNING a",
            ),
        ];
        for (written, analysed) in cases {
            assert_eq!(for_analysis(written), analysed);
            Parser::parse_sql(&PostgreSqlDialect {}, analysed).unwrap_or_else(|e| panic!("{analysed}: {e}"));
        }
        assert_eq!(for_analysis("SELECT (1) + 2"), "SELECT (1) + 2");
    }
}
