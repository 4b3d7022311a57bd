//! Which queries may run on a read replica: the `read_only` flag of each generated
//! `quarry::Query`, which `quarry::ReplicatedPool` routes by.
//!
//! Decided from the SQL, conservatively — a query is read-only when it is a plain `SELECT`
//! (or `WITH … SELECT`, `VALUES`, `TABLE`) that neither writes (`INSERT`, `UPDATE`, `DELETE`,
//! `MERGE`, `SELECT … INTO`), locks rows (`FOR UPDATE`/`SHARE`), nor calls the built-in
//! functions that write or hold session state (`nextval`, `setval`, `pg_notify`,
//! `set_config`, advisory locks, large objects). Words inside string literals and quoted
//! identifiers are not looked at; any doubt sends the query to the primary. A function of
//! the application's own that writes cannot be seen from the SQL: mark such a query with a
//! doc line `-- route: primary` (and force a query to the replica with `-- route: replica`).

use crate::scan::{scan, TokenKind};

/// The doc line that marks a query's route.
const MARKER: &str = "route:";

/// Whether the query may run on a replica: the `-- route:` mark if its doc lines have one,
/// else whether its SQL is a plain read.
pub fn read_only(sql: &str, docs: &[String]) -> bool {
    marked(docs).unwrap_or_else(|| is_plain_read(sql))
}

/// `Some(true)` for `route: replica`, `Some(false)` for `route: primary`.
pub fn marked(docs: &[String]) -> Option<bool> {
    docs.iter().find_map(|line| {
        let value = line.trim().strip_prefix(MARKER)?.trim();
        match value {
            "replica" => Some(true),
            "primary" => Some(false),
            _ => None,
        }
    })
}

/// Whether `sql` is a plain read (see the module docs).
pub fn is_plain_read(sql: &str) -> bool {
    let Ok(tokens) = scan(sql) else {
        return false;
    };
    let words: Vec<String> = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Code)
        .map(|t| &sql[t.span.clone()])
        // String literals (also E'…', B'…', $$…$$) and quoted identifiers hold no keywords.
        .filter(|text| !text.contains(['\'', '"']) && !text.starts_with('$'))
        .flat_map(|text| text.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let starts_as_read = matches!(
        words.first().map(String::as_str),
        Some("select" | "with" | "values" | "table")
    );
    starts_as_read
        && !words
            .iter()
            .zip(words.iter().skip(1).map(Some).chain([None]))
            .any(|(word, next)| {
                writes(word) || (word == "for" && next.is_some_and(|n| matches!(n.as_str(), "share" | "key" | "no")))
            })
}

fn writes(word: &str) -> bool {
    matches!(
        word,
        "insert" | "update" | "delete" | "merge" | "into" | "nextval" | "setval" | "pg_notify" | "set_config"
    ) || word.starts_with("pg_advisory")
        || word.starts_with("pg_try_advisory")
        || word.starts_with("lo_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_reads() {
        for sql in [
            "SELECT id, title FROM tasks WHERE id = $1",
            "select count(*) from tasks",
            "WITH t AS (SELECT 1) SELECT * FROM t",
            "VALUES (1), (2)",
            "TABLE tasks",
            "SELECT 'delete me', \"update\" FROM t",
            "SELECT $$INSERT$$",
            "SELECT * FROM t ORDER BY updated_at FOR READ ONLY",
        ] {
            assert!(is_plain_read(sql), "{sql}");
        }
    }

    #[test]
    fn writes_locks_and_side_effects_go_to_the_primary() {
        for sql in [
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1",
            "DELETE FROM t",
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            "SELECT * INTO new_t FROM t",
            "SELECT * FROM t FOR UPDATE",
            "SELECT * FROM t FOR NO KEY UPDATE",
            "SELECT * FROM t FOR SHARE",
            "SELECT * FROM t FOR KEY SHARE",
            "SELECT nextval('s')",
            "SELECT pg_notify('c', 'x')",
            "SELECT pg_advisory_lock(1)",
            "SELECT set_config('a.b', 'c', false)",
            "MERGE INTO t USING s ON true WHEN MATCHED THEN DO NOTHING",
            "COPY t FROM STDIN",
            "CALL p()",
            "SELECT 'unterminated",
        ] {
            assert!(!is_plain_read(sql), "{sql}");
        }
    }

    #[test]
    fn a_doc_line_overrides() {
        let docs = |line: &str| vec!["Does things.".to_string(), line.to_string()];
        assert!(!read_only("SELECT audit()", &docs("route: primary")));
        assert!(read_only("UPDATE t SET a = 1 WHERE false", &docs("route: replica")));
        assert!(read_only("SELECT 1", &docs("route: somewhere")));
        assert!(read_only("SELECT 1", &[]));
    }
}
