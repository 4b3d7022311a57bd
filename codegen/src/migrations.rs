//! A schema given as a folder of migrations: the files in version order, each reduced to its
//! "up" part, in the formats sqlc reads.
//!
//! | tool | files | up / down |
//! |---|---|---|
//! | golang-migrate | `1_init.up.sql`, `1_init.down.sql` | `*.down.sql` skipped |
//! | goose | `20240101120000_init.sql` | `-- +goose Up` / `-- +goose Down` |
//! | dbmate | `20240101120000_init.sql` | `-- migrate:up` / `-- migrate:down` |
//! | sql-migrate | `1_init.sql` | `-- +migrate Up` / `-- +migrate Down` |
//! | tern | `001_init.sql` | `---- create above / drop below ----` |
//! | plain | `001_init.sql`, `schema.sql` | the whole file |
//!
//! Files are ordered by the number their name starts with (`1_`, `0001_`, `20240101120000_`),
//! then by name; files without a number come last, by name. Only `.sql` files directly in the
//! folder are read. The parts that are not "up" are blanked (spaces, line breaks kept), so a
//! schema error still points at the right line and column of the migration file. Lines that
//! are psql meta-commands (`\connect db`, the `\restrict` lines of pg_dump 17.6+) are blanked
//! too: psql runs them, the server would reject them.
//! `StatementBegin`/`StatementEnd` markers need no handling: statements are split by the same
//! scanner as queries, which knows dollar-quoted function bodies.

use std::path::{Path, PathBuf};

/// The schema files `path` stands for: itself if it is a file, else the migrations in it, in
/// order (golang-migrate's `*.down.sql` left out).
pub fn schema_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_file() && name.ends_with(".sql") && !name.ends_with(".down.sql") {
            files.push((version(&name), name, entry.path()));
        }
    }
    files.sort_by(|a, b| (a.0.is_none(), a.0, &a.1).cmp(&(b.0.is_none(), b.0, &b.1)));
    Ok(files.into_iter().map(|(_, _, path)| path).collect())
}

/// The number a migration's file name starts with.
fn version(name: &str) -> Option<u128> {
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// What a line of a migration file marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Up,
    Down,
    /// tern's `---- create above / drop below ----`: everything after it is "down".
    DropBelow,
}

fn marker(line: &str) -> Option<Marker> {
    let line = line.trim().to_ascii_lowercase();
    if line.starts_with("----") && line.contains("create above") && line.contains("drop below") {
        return Some(Marker::DropBelow);
    }
    let rest = line.strip_prefix("--")?.trim_start();
    let directive = rest
        .strip_prefix("+goose")
        .or_else(|| rest.strip_prefix("+migrate"))
        .map(str::trim_start)
        .map(|d| d.split_whitespace().next().unwrap_or(""));
    match directive {
        Some("up") => return Some(Marker::Up),
        Some("down") => return Some(Marker::Down),
        _ => {}
    }
    // dbmate: `-- migrate:up` (options may follow).
    match rest.split_whitespace().next() {
        Some("migrate:up") => Some(Marker::Up),
        Some("migrate:down") => Some(Marker::Down),
        _ => None,
    }
}

/// `text` with everything but its "up" part blanked. A file without markers is all "up"; in
/// a file with `Up`/`Down` markers only what follows an `Up` marker (until a `Down`) is.
pub fn up_part(text: &str) -> String {
    let markers: Vec<Option<Marker>> = text.split_inclusive('\n').map(marker).collect();
    let sectioned = markers.iter().any(|m| matches!(m, Some(Marker::Up | Marker::Down)));
    let mut keep = !sectioned;
    let mut out = String::with_capacity(text.len());
    for (line, mark) in text.split_inclusive('\n').zip(markers) {
        match mark {
            Some(Marker::Up) => keep = true,
            Some(Marker::Down | Marker::DropBelow) => keep = false,
            None => {}
        }
        // psql meta-commands (`\connect`, pg_dump's `\restrict`) are psql's, not SQL.
        let meta_command = line.trim_start().starts_with('\\');
        if (keep || mark.is_some()) && !meta_command {
            out.push_str(line);
        } else {
            out.extend(line.chars().map(|c| if c == '\n' || c == '\r' { c } else { ' ' }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psql_meta_commands_are_not_sent() {
        let text = "\\restrict abc\nCREATE TABLE t (id int);\n  \\connect db\n";
        assert_eq!(
            up_part(text),
            "             \nCREATE TABLE t (id int);\n             \n"
        );
    }

    fn kept(text: &str) -> Vec<String> {
        up_part(text)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("--"))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn goose_keeps_up_sections_and_function_bodies() {
        let text = "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE a;\n";
        assert_eq!(
            kept(text),
            [
                "CREATE TABLE a (id int);",
                "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;"
            ]
        );
        assert_eq!(up_part(text).len(), text.len(), "positions kept");
        assert_eq!(up_part(text).lines().count(), text.lines().count());
    }

    #[test]
    fn dbmate_sql_migrate_and_tern() {
        let dbmate = "-- migrate:up transaction:false\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n";
        assert_eq!(kept(dbmate), ["CREATE TABLE b (id int);"]);
        let sql_migrate = "-- +migrate Up notransaction\nCREATE TABLE c (id int);\n-- +migrate Down\nDROP TABLE c;\n";
        assert_eq!(kept(sql_migrate), ["CREATE TABLE c (id int);"]);
        let tern = "CREATE TABLE d (id int);\n---- create above / drop below ----\nDROP TABLE d;\n";
        assert_eq!(kept(tern), ["CREATE TABLE d (id int);"]);
        let plain = "CREATE TABLE e (id int);\n-- a comment\n";
        assert_eq!(kept(plain), ["CREATE TABLE e (id int);"]);
    }

    #[test]
    fn text_before_the_first_up_marker_is_not_applied() {
        assert_eq!(kept("DROP TABLE x;\n-- +goose Up\nSELECT 1;\n"), ["SELECT 1;"]);
    }

    #[test]
    fn files_are_ordered_by_version_then_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "10_ten.sql",
            "2_two.up.sql",
            "2_two.down.sql",
            "0001_one.sql",
            "notes.txt",
            "zz_last.sql",
            "20240101120000_big.sql",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let names: Vec<String> = schema_files(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "0001_one.sql",
                "2_two.up.sql",
                "10_ten.sql",
                "20240101120000_big.sql",
                "zz_last.sql"
            ]
        );
    }
}
