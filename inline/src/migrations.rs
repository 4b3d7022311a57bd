//! Migration folders, in the formats sqlc reads: which files, in which order, each file's
//! "up" and "down" parts, whether it may run in a transaction, its checksum. Shared by the
//! code generator (the schema it types against), the `quarry::migrations!` macro (what the
//! app applies) and `cargo quarry migrate`, so the three read the folder the same way.
//!
//! | tool | files | up / down | outside a transaction |
//! |---|---|---|---|
//! | golang-migrate | `1_init.up.sql`, `1_init.down.sql` | the two files | — |
//! | goose | `20240101120000_init.sql` | `-- +goose Up` / `-- +goose Down` | `-- +goose NO TRANSACTION` |
//! | dbmate | `20240101120000_init.sql` | `-- migrate:up` / `-- migrate:down` | `-- migrate:up transaction:false` |
//! | sql-migrate | `1_init.sql` | `-- +migrate Up` / `-- +migrate Down` | `-- +migrate Up notransaction` |
//! | tern | `001_init.sql` | `---- create above / drop below ----` | — |
//! | plain | `001_init.sql` | the whole file is "up" | — |
//!
//! Any file whose "up" part holds `CREATE INDEX CONCURRENTLY` (or another statement PostgreSQL
//! refuses inside a transaction block: `CREATE DATABASE`, `VACUUM`, `ALTER TYPE … ADD VALUE`
//! before PostgreSQL 12) must say so with its tool's marker; quarry also treats
//! `CONCURRENTLY`, `VACUUM` and `CREATE DATABASE` as such a marker.
//!
//! Files are ordered by the number their name starts with (`1_`, `0001_`, `20240101120000_`),
//! then by name; files without a number come last, by name (the code generator reads them; a
//! migrator refuses them: a migration needs a version). Only `.sql` files directly in the
//! folder are read. The parts that are not "up" are blanked (spaces, line breaks kept), so an
//! error still points at the right line and column of the file. psql meta-commands
//! (`\connect db`, pg_dump 17.6+'s `\restrict`) are blanked too.

use sha2::{Digest, Sha256};
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
pub fn version(name: &str) -> Option<u128> {
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// One migration, read from its file (and, for golang-migrate, its `.down.sql` twin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    /// The number its name starts with.
    pub version: i64,
    /// Its name without the version and extension (`create_users`).
    pub description: String,
    /// The file's path as found (relative to the folder given).
    pub path: PathBuf,
    /// The "up" part, with everything else blanked (positions kept).
    pub up: String,
    /// The "down" part, blanked the same way; `None` when the format has none.
    pub down: Option<String>,
    /// Whether it runs in a transaction (no "no transaction" marker).
    pub transaction: bool,
    /// SHA-256 of the file's bytes (and of its `.down.sql` twin's, after them).
    pub checksum: [u8; 32],
}

/// The migrations in folder `dir`, in order. Every `.sql` file must start with a version, and
/// no two may share one.
pub fn read_dir(dir: &Path) -> Result<Vec<MigrationFile>, String> {
    let files = schema_files(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !dir.is_dir() {
        return Err(format!("{}: not a folder of migrations", dir.display()));
    }
    let mut migrations: Vec<MigrationFile> = Vec::new();
    for path in files {
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let version = version(&name).and_then(|v| i64::try_from(v).ok()).ok_or_else(|| {
            format!(
                "{}: a migration's name starts with its version (`0001_init.sql`)",
                path.display()
            )
        })?;
        if let Some(other) = migrations.iter().find(|m| m.version == version) {
            return Err(format!(
                "{} and {} have the same version {version}",
                other.path.display(),
                path.display()
            ));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let down_path = path.with_file_name(name.replace(".up.sql", ".down.sql"));
        // golang-migrate reverts an `.up.sql` without a `.down.sql` twin as a no-op.
        let down_text = match (name.ends_with(".up.sql"), down_path.is_file()) {
            (true, true) => {
                Some(std::fs::read_to_string(&down_path).map_err(|e| format!("{}: {e}", down_path.display()))?)
            }
            (true, false) => Some(String::new()),
            (false, _) => None,
        };
        migrations.push(parse(version, &path, &text, down_text.as_deref()));
    }
    Ok(migrations)
}

/// One migration from its text (and a separate down file's).
pub fn parse(version: i64, path: &Path, text: &str, down_file: Option<&str>) -> MigrationFile {
    let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let stem = name.trim_end_matches(".sql").trim_end_matches(".up");
    let description = stem
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches(['_', '-', '.']);
    let mut hasher = Sha256::new();
    hasher.update(text.as_bytes());
    if let Some(down) = down_file {
        hasher.update(down.as_bytes());
    }
    let up = up_part(text);
    let down = match down_file {
        Some(down) => Some(down.to_string()),
        None => down_part(text),
    };
    MigrationFile {
        version,
        description: description.to_string(),
        path: path.to_path_buf(),
        transaction: !outside_transaction(text, &up),
        up,
        down,
        checksum: hasher.finalize().into(),
    }
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
    part(text, true).unwrap_or_default()
}

/// `text` with everything but its "down" part blanked (all blank for an up marker without a
/// down section: reverting it does nothing); `None` for a file without markers (plain files,
/// golang-migrate's up files).
pub fn down_part(text: &str) -> Option<String> {
    part(text, false)
}

fn part(text: &str, up: bool) -> Option<String> {
    let markers: Vec<Option<Marker>> = text.split_inclusive('\n').map(marker).collect();
    let sectioned = markers.iter().any(|m| matches!(m, Some(Marker::Up | Marker::Down)));
    let has_down = markers
        .iter()
        .any(|m| matches!(m, Some(Marker::Down | Marker::DropBelow)));
    // A file with an up marker and no down section (goose's `-- +goose Up` alone) reverts as a
    // no-op, as its tool does; a file without markers has no down part at all.
    if !up && !has_down && !sectioned {
        return None;
    }
    // Up: on from the start unless markers say where; down: on after a Down/DropBelow marker.
    let mut keep = up && !sectioned;
    let mut out = String::with_capacity(text.len());
    for (line, mark) in text.split_inclusive('\n').zip(markers) {
        match mark {
            Some(Marker::Up) => keep = up,
            Some(Marker::Down | Marker::DropBelow) => keep = !up,
            None => {}
        }
        // psql meta-commands (`\connect`, pg_dump's `\restrict`) are psql's, not SQL.
        let meta_command = line.trim_start().starts_with('\\');
        // Marker lines are comments: the up part keeps them (as it always has), the down part not.
        let visible = if up {
            keep || mark.is_some()
        } else {
            keep && mark.is_none()
        };
        if visible && !meta_command {
            out.push_str(line);
        } else {
            out.extend(line.chars().map(|c| if c == '\n' || c == '\r' { c } else { ' ' }));
        }
    }
    Some(out)
}

/// Whether the migration must run outside a transaction block: its tool's marker says so, or
/// its "up" part holds a statement PostgreSQL refuses in one.
fn outside_transaction(text: &str, up: &str) -> bool {
    let marked = text.lines().any(|line| {
        let line = line.trim().to_ascii_lowercase();
        let Some(rest) = line.strip_prefix("--") else {
            return false;
        };
        let rest = rest.trim_start();
        rest.starts_with("+goose no transaction")
            || (rest.starts_with("migrate:up") && rest.contains("transaction:false"))
            || (rest.starts_with("+migrate up") && rest.contains("notransaction"))
    });
    marked
        || statements(up).iter().any(|(_, sql)| {
            let words: Vec<String> = sql.split_whitespace().take(4).map(|w| w.to_ascii_lowercase()).collect();
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            matches!(
                words.as_slice(),
                ["vacuum", ..] | ["create", "database", ..] | ["drop", "database", ..]
            ) || sql.to_ascii_lowercase().split_whitespace().any(|w| w == "concurrently")
        })
}

/// The statements of `sql` with their byte offsets: split at top-level `;` by the query
/// scanner (strings, comments and dollar-quoted bodies are read as PostgreSQL reads them);
/// statements holding only whitespace and comments are left out. Text the scanner cannot
/// read is one statement.
pub fn statements(sql: &str) -> Vec<(usize, &str)> {
    let Ok(tokens) = crate::scan::scan(sql) else {
        return vec![(0, sql)];
    };
    // Each statement starts at its first token of code (comments before it are left out, so
    // an error located at a statement's start points at the statement itself).
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for token in &tokens {
        match token.kind {
            crate::scan::TokenKind::Semicolon => {
                if let Some(at) = start.take() {
                    out.push((at, &sql[at..token.span.end]));
                }
            }
            crate::scan::TokenKind::Code | crate::scan::TokenKind::Param(_) => {
                start.get_or_insert(token.span.start);
            }
            _ => {}
        }
    }
    if let Some(at) = start {
        out.push((at, &sql[at..]));
    }
    out
}

/// The byte ranges `(start, end)` of [`statements`] of `sql`, as the runtime's migrator takes them.
pub fn statement_ranges(sql: &str) -> Vec<(u32, u32)> {
    statements(sql)
        .into_iter()
        .map(|(start, text)| (start as u32, (start + text.len()) as u32))
        .collect()
}

/// The name of the next migration in `dir`, in the folder's own format, and each file's
/// contents: `(path, text)`, two for golang-migrate (up and down), else one.
pub fn next_files(dir: &Path, name: &str) -> Result<Vec<(PathBuf, String)>, String> {
    let existing = read_dir(dir)?;
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if slug.trim_matches('_').is_empty() {
        return Err(format!("`{name}` has no letter or digit to name a file after"));
    }
    let last = existing.last();
    // Timestamps (goose, dbmate: 14 digits) stay timestamps; numbers keep their width.
    let width = last.map_or(4, |m| {
        let name = m.path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        name.chars().take_while(char::is_ascii_digit).count()
    });
    let version = match (last, width) {
        (Some(_), 14) => timestamp_now().max(last.map_or(0, |m| m.version) + 1),
        (Some(m), _) => m.version + 1,
        (None, _) => 1,
    };
    let stem = format!("{version:0width$}_{slug}");
    let text_of = |m: &MigrationFile| {
        std::fs::read_to_string(dir.join(m.path.file_name().unwrap_or_default())).unwrap_or_default()
    };
    let sample = last.map(text_of).unwrap_or_default().to_ascii_lowercase();
    let file = |suffix: &str, text: &str| (dir.join(format!("{stem}{suffix}")), text.to_string());
    // Files with up and down sections: the marker that finds the format, and its two markers.
    const SECTIONED: [(&str, &str, &str); 3] = [
        ("+goose up", "-- +goose Up", "-- +goose Down"),
        ("-- migrate:up", "-- migrate:up", "-- migrate:down"),
        ("+migrate up", "-- +migrate Up", "-- +migrate Down"),
    ];
    let (write, undo) = ("-- Write the migration here.\n", "-- Undo it here.\n");
    let sectioned = SECTIONED.iter().find(|(needle, _, _)| sample.contains(needle));
    Ok(match (last, sectioned) {
        (Some(m), _) if m.path.to_string_lossy().ends_with(".up.sql") => {
            vec![file(".up.sql", write), file(".down.sql", undo)]
        }
        (_, Some((_, up, down))) => vec![file(".sql", &format!("{up}\n{write}\n{down}\n{undo}"))],
        _ if sample.contains("create above") => vec![file(
            ".sql",
            &format!("{write}\n---- create above / drop below ----\n\n{undo}"),
        )],
        _ => vec![file(".sql", write)],
    })
}

/// `YYYYMMDDhhmmss` in UTC, the version goose and dbmate give a new migration.
fn timestamp_now() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    ((((year * 100 + month) * 100 + day) * 100 + h) * 100 + m) * 100 + s
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

    fn down(text: &str) -> Vec<String> {
        down_part(text)
            .unwrap_or_default()
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
        assert_eq!(down(text), ["DROP TABLE a;"]);
        assert_eq!(up_part(text).len(), text.len(), "positions kept");
        assert_eq!(up_part(text).lines().count(), text.lines().count());
        assert_eq!(
            statements(&up_part(text)).len(),
            2,
            "the function body's `;` are inside $$"
        );
    }

    #[test]
    fn dbmate_sql_migrate_and_tern() {
        let dbmate = "-- migrate:up transaction:false\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n";
        assert_eq!(kept(dbmate), ["CREATE TABLE b (id int);"]);
        assert_eq!(down(dbmate), ["DROP TABLE b;"]);
        assert!(!parse(1, Path::new("1_b.sql"), dbmate, None).transaction);
        let sql_migrate = "-- +migrate Up notransaction\nCREATE TABLE c (id int);\n-- +migrate Down\nDROP TABLE c;\n";
        assert_eq!(kept(sql_migrate), ["CREATE TABLE c (id int);"]);
        assert!(!parse(1, Path::new("1_c.sql"), sql_migrate, None).transaction);
        let tern = "CREATE TABLE d (id int);\n---- create above / drop below ----\nDROP TABLE d;\n";
        assert_eq!(kept(tern), ["CREATE TABLE d (id int);"]);
        assert_eq!(down(tern), ["DROP TABLE d;"]);
        let plain = "CREATE TABLE e (id int);\n-- a comment\n";
        assert_eq!(kept(plain), ["CREATE TABLE e (id int);"]);
        assert_eq!(down_part(plain), None);
        let concurrently = "CREATE INDEX CONCURRENTLY e_id ON e (id);\n";
        assert!(!parse(1, Path::new("1_e.sql"), concurrently, None).transaction);
        assert!(parse(1, Path::new("1_e.sql"), plain, None).transaction);
    }

    #[test]
    fn an_up_section_alone_reverts_as_a_no_op() {
        // goose's integration testdata has such a file (`00004_empty.sql`): goose reverts it by
        // doing nothing.
        assert_eq!(down_part("-- +goose Up\n").as_deref(), Some("            \n"));
        assert_eq!(statements(&down_part("-- +goose Up\nSELECT 1;\n").unwrap()).len(), 0);
    }

    #[test]
    fn text_before_the_first_up_marker_is_not_applied() {
        assert_eq!(kept("DROP TABLE x;\n-- +goose Up\nSELECT 1;\n"), ["SELECT 1;"]);
    }

    #[test]
    fn files_are_ordered_by_version_then_name() {
        let dir = std::env::temp_dir().join(format!("quarry-migrations-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "10_ten.sql",
            "2_two.up.sql",
            "2_two.down.sql",
            "0001_one.sql",
            "notes.txt",
            "zz_last.sql",
            "20240101120000_big.sql",
        ] {
            std::fs::write(dir.join(name), "").unwrap();
        }
        let names: Vec<String> = schema_files(&dir)
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
        assert!(
            read_dir(&dir).unwrap_err().contains("zz_last.sql"),
            "a migration needs a version"
        );
        std::fs::remove_file(dir.join("zz_last.sql")).unwrap();
        let migrations = read_dir(&dir).unwrap();
        assert_eq!(migrations[1].description, "two");
        assert_eq!(migrations[1].down.as_deref(), Some(""));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_up_file_without_its_down_twin_reverts_as_a_no_op() {
        // golang-migrate's PostgreSQL examples have such files; it applies a "nil migration".
        let dir = std::env::temp_dir().join(format!("quarry-migrations-twin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("1_a.up.sql"), "CREATE TABLE a (id int);").unwrap();
        std::fs::write(dir.join("2_plain.sql"), "CREATE TABLE b (id int);").unwrap();
        let migrations = read_dir(&dir).unwrap();
        assert_eq!(migrations[0].down.as_deref(), Some(""));
        assert_eq!(migrations[1].down, None, "a plain file has no down part");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_timestamp_is_a_civil_date() {
        let now = timestamp_now();
        assert!((20_260_101_000_000..21_000_101_000_000).contains(&now), "{now}");
    }
}
