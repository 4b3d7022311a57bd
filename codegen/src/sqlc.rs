//! Reading an sqlc project as it is: `sqlc.yaml`, `sqlc.yml` or `sqlc.json`.
//!
//! Each `sql:` entry (version 2) or `packages:` entry (version 1) with `engine: postgresql`
//! becomes one [`Config`] and one Rust module. Its `schema` and `queries` may be a path or a
//! list of paths, files or folders, relative to the sqlc file; a schema folder is read as
//! migrations (see [`crate::migrations`]). Entries for other engines are skipped with a message.
//!
//! The module is named after the entry's `gen.go.package` (v2) or `name` (v1), else the first
//! queries path's file stem or folder name — what a Go user already calls that package. Every
//! other sqlc setting (Go output options, overrides, rules, plugins) is ignored; quarry's own
//! settings come from the [`Config`] each entry yields.

use crate::config::Config;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::emit::{Layout, OutputFile, STAMP};
use crate::error::Error;
use crate::write::{write_files, WriteReport};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file names sqlc looks for, in its order.
pub const FILE_NAMES: [&str; 3] = ["sqlc.yaml", "sqlc.yml", "sqlc.json"];

/// The sqlc file in `dir`, if there is one.
pub fn find(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|name| dir.join(name)).find(|p| p.is_file())
}

/// One path or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Paths {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl Default for Paths {
    fn default() -> Self {
        Paths::Many(Vec::new())
    }
}

impl Paths {
    fn list(&self) -> Vec<PathBuf> {
        match self {
            Paths::One(p) => vec![p.clone()],
            Paths::Many(list) => list.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct File {
    version: String,
    #[serde(default)]
    sql: Vec<Entry>,
    #[serde(default)]
    packages: Vec<Entry>,
}

/// A v2 `sql:` entry or a v1 `packages:` entry (the keys quarry reads are the same).
#[derive(Debug, Deserialize)]
struct Entry {
    #[serde(default = "postgresql")]
    engine: String,
    /// Optional: an entry whose queries need no tables (sqlc allows that too).
    #[serde(default)]
    schema: Paths,
    queries: Paths,
    /// v1: the Go package name.
    name: Option<String>,
    /// v1: the Go output folder (the package name when `name` is absent).
    path: Option<String>,
    /// v1 keeps the Go options on the entry itself.
    #[serde(flatten)]
    go_v1: GoGen,
    #[serde(default)]
    gen: Gen,
}

fn postgresql() -> String {
    "postgresql".into()
}

#[derive(Debug, Default, Deserialize)]
struct Gen {
    go: Option<GoGen>,
}

/// The Go options quarry reads: the package name, and the ones sqlc rejects a file for when
/// they are invalid, so a file sqlc refuses is refused here too.
#[derive(Debug, Default, Deserialize)]
struct GoGen {
    package: Option<String>,
    out: Option<String>,
    sql_package: Option<String>,
    sql_driver: Option<String>,
    query_parameter_limit: Option<i64>,
}

impl GoGen {
    /// sqlc's own checks of these options (its `opts` package), with its wording.
    fn validate(&self) -> Result<(), String> {
        if let Some(package) = self.sql_package.as_deref().filter(|p| !p.is_empty()) {
            if !["pgx/v4", "pgx/v5", "database/sql"].contains(&package) {
                return Err(format!(
                    "unknown SQL package `{package}` (sql_package): sqlc accepts pgx/v4, pgx/v5 and database/sql"
                ));
            }
        }
        if let Some(driver) = self.sql_driver.as_deref().filter(|d| !d.is_empty()) {
            let known = [
                "github.com/jackc/pgx/v4",
                "github.com/jackc/pgx/v5",
                "github.com/lib/pq",
                "github.com/go-sql-driver/mysql",
            ];
            if !known.contains(&driver) {
                return Err(format!(
                    "unknown SQL driver `{driver}` (sql_driver): sqlc accepts {}",
                    known.join(", ")
                ));
            }
        }
        if self.query_parameter_limit.is_some_and(|l| l < 0) {
            return Err("query_parameter_limit must not be negative".into());
        }
        Ok(())
    }
}

/// One PostgreSQL entry of the project.
#[derive(Debug, Clone)]
pub struct Package {
    /// The Rust module name.
    pub module: String,
    /// Its queries and schema; adjust settings (type overrides, derives, `sync`) here.
    pub config: Config,
}

/// An sqlc project: its PostgreSQL entries, and why the others were skipped.
#[derive(Debug, Clone)]
pub struct Project {
    /// The sqlc file.
    pub path: PathBuf,
    /// One per `engine: postgresql` entry, in file order.
    pub packages: Vec<Package>,
    /// A message for each entry of another engine.
    pub skipped: Vec<String>,
}

impl Project {
    /// Reads `path` (`sqlc.yaml`, `sqlc.yml` or `sqlc.json`). A syntax error is reported at
    /// its line and column.
    pub fn load(path: impl AsRef<Path>) -> Result<Project, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let source = SourceFile::new(path.display().to_string(), text);
        let file: File = serde_norway::from_str(&source.text).map_err(|e| {
            let at = e.location().map_or(0, |l| l.index());
            Error::Diagnostics(vec![Diagnostic::at(
                &source,
                at..at,
                format!("not a valid sqlc config: {e}"),
            )
            .with_help(
                "quarry reads sqlc's `version: \"2\"` (`sql:` entries) and `version: \"1\"` (`packages:`)",
            )])
        })?;
        let entries = match file.version.as_str() {
            "2" => file.sql,
            "1" => file.packages,
            other => {
                return Err(Error::Diagnostics(vec![Diagnostic::at(
                    &source,
                    0..0,
                    format!("sqlc config version `{other}` is not supported"),
                )
                .with_help("quarry reads sqlc config versions \"1\" and \"2\"")]))
            }
        };
        let base = path.parent().unwrap_or(Path::new("."));
        let mut packages: Vec<Package> = Vec::new();
        let mut skipped = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            if !matches!(entry.engine.as_str(), "postgresql" | "postgres") {
                skipped.push(format!(
                    "{}: entry {} uses engine `{}`; quarry generates for PostgreSQL only, so it is skipped",
                    path.display(),
                    i + 1,
                    entry.engine
                ));
                continue;
            }
            let go = entry.gen.go.as_ref().unwrap_or(&entry.go_v1);
            if let Err(why) = go.validate().and_then(|()| entry.go_v1.validate()) {
                return Err(Error::Config(format!(
                    "{}: entry {}: invalid Go options: {why}",
                    path.display(),
                    i + 1
                )));
            }
            let mut module = module_name(entry);
            let taken = |m: &str| packages.iter().any(|p| p.module == m);
            if taken(&module) {
                let mut n = 2;
                while taken(&format!("{module}_{n}")) {
                    n += 1;
                }
                module = format!("{module}_{n}");
            }
            let mut config = Config::new();
            config.sqlc_syntax(true);
            let at = |key: &str| format!("{}: entry {}, `{key}`", path.display(), i + 1);
            for q in expand(base, &entry.queries.list(), &at("queries"), &mut skipped)? {
                config.queries(q);
            }
            for s in expand(base, &entry.schema.list(), &at("schema"), &mut skipped)? {
                config.schema(s);
            }
            packages.push(Package { module, config });
        }
        if packages.is_empty() {
            return Err(Error::Config(format!(
                "{}: no entry with `engine: postgresql`; nothing for quarry to generate",
                path.display()
            )));
        }
        Ok(Project {
            path: path.to_path_buf(),
            packages,
            skipped,
        })
    }

    /// Generates every package in memory, then writes each into `dir/<module>/` and a
    /// `dir/mod.rs` declaring them — nothing is written unless every package generates.
    pub fn write_to(&self, dir: impl AsRef<Path>) -> Result<WriteReport, Error> {
        let dir = dir.as_ref();
        let mut generated = Vec::new();
        // Every entry's problems in one run; a configuration or environment error stops at once.
        let mut problems = Vec::new();
        for package in &self.packages {
            match package.config.run(&Layout::Files) {
                Ok(output) => generated.push(output),
                Err(Error::Diagnostics(mut diagnostics)) => problems.append(&mut diagnostics),
                Err(other) => return Err(other),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Diagnostics(problems));
        }
        let mut report = write_files(dir, &[self.root_module()])?;
        for (package, output) in self.packages.iter().zip(generated) {
            let mut one = write_files(&dir.join(&package.module), &output.files)?;
            let prefix = |names: Vec<String>| names.into_iter().map(|n| format!("{}/{n}", package.module));
            report.written.extend(prefix(one.written));
            report.unchanged.extend(prefix(one.unchanged));
            report.removed.extend(prefix(one.removed));
            report.warnings.append(&mut one.warnings);
            report.warnings.extend(output.model.warnings);
        }
        Ok(report)
    }

    /// For build.rs: generates each package into `$OUT_DIR/<module>/`, to be included with
    /// `quarry::include_queries!("<module>")`.
    pub fn compile(&self) -> Result<WriteReport, Error> {
        println!("cargo:rerun-if-changed={}", self.path.display());
        for message in &self.skipped {
            println!("cargo:warning={message}");
        }
        let mut report = WriteReport::default();
        for package in &self.packages {
            let mut config = package.config.clone();
            let mut one = config.include_dir(package.module.clone()).compile()?;
            report.written.append(&mut one.written);
            report.unchanged.append(&mut one.unchanged);
            report.removed.append(&mut one.removed);
            report.warnings.append(&mut one.warnings);
        }
        Ok(report)
    }

    fn root_module(&self) -> OutputFile {
        let mut contents = format!("{STAMP}\n// Source: {}\n\n", self.path.display());
        for package in &self.packages {
            contents.push_str(&format!(
                "/// Queries of the sqlc package `{}`.\npub mod {};\n",
                package.module, package.module
            ));
        }
        OutputFile {
            name: "mod.rs".into(),
            contents,
        }
    }
}

/// `base/path` without `.` components, so messages show `sql/query.sql`, not `././sql/query.sql`.
fn clean_join(base: &Path, path: &Path) -> PathBuf {
    let mut out: PathBuf = base
        .components()
        .filter(|c| *c != std::path::Component::CurDir)
        .collect();
    out.extend(path.components().filter(|c| *c != std::path::Component::CurDir));
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The paths an entry names, relative to the sqlc file's folder, with patterns expanded as
/// sqlc expands them (Go's `filepath.Glob`: `*`, `?` and `[…]` within one path component, so
/// `**` is `*`), sorted. A path that does not exist is a configuration error; a pattern that
/// matches nothing is reported in `notes` (sqlc says nothing).
fn expand(base: &Path, paths: &[PathBuf], at: &str, notes: &mut Vec<String>) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for path in paths {
        let text = path.to_string_lossy();
        if !text.contains(['*', '?', '[', ']']) {
            let full = clean_join(base, path);
            if !full.exists() {
                return Err(Error::Config(format!("{at}: `{}` does not exist", full.display())));
            }
            out.push(full);
            continue;
        }
        let mut matches = vec![base.to_path_buf()];
        for component in path.components().filter(|c| *c != std::path::Component::CurDir) {
            let part = component.as_os_str().to_string_lossy();
            if !part.contains(['*', '?', '[', ']']) {
                matches = matches
                    .into_iter()
                    .map(|m| clean_join(&m, Path::new(&*part)))
                    .filter(|m| m.exists())
                    .collect();
                continue;
            }
            let pattern = glob::Pattern::new(&part)
                .map_err(|e| Error::Config(format!("{at}: `{text}` is not a valid pattern: {e}")))?;
            let mut next = Vec::new();
            for dir in matches.iter().filter(|m| m.is_dir()) {
                let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
                for entry in entries {
                    let entry = entry.map_err(|e| Error::io(dir, e))?;
                    let name = entry.file_name().to_string_lossy().into_owned();
                    // As in Go, a leading `.` is matched only by a pattern that starts with one.
                    if pattern.matches(&name) && (!name.starts_with('.') || part.starts_with('.')) {
                        next.push(entry.path());
                    }
                }
            }
            next.sort();
            matches = next;
        }
        // As sqlc: folders, and `.sql` files other than down migrations.
        matches.retain(|m| {
            let name = m
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            m.is_dir() || (name.ends_with(".sql") && !name.ends_with(".down.sql"))
        });
        if matches.is_empty() {
            notes.push(format!("{at}: the pattern `{text}` matches no file"));
        }
        out.extend(matches);
    }
    Ok(out)
}

/// `gen.go.package`, v1 `name`, the base of `gen.go.out` (v1 `path`), or the first queries
/// path's stem, in snake_case.
fn module_name(entry: &Entry) -> String {
    let from_path = || {
        let first = entry.queries.list().into_iter().next()?;
        let stem = if first.extension().is_some_and(|e| e == "sql") {
            first.file_stem()
        } else {
            first.file_name()
        };
        Some(stem?.to_string_lossy().into_owned())
    };
    // sqlc names the package after the output folder when no name is given.
    let out_folder = |out: Option<&String>| {
        let base = Path::new(out?).file_name()?.to_string_lossy().into_owned();
        (!base.is_empty() && base != ".").then_some(base)
    };
    let go = entry.gen.go.as_ref();
    let name = go
        .and_then(|g| g.package.clone())
        .or_else(|| entry.name.clone())
        .or_else(|| out_folder(go.and_then(|g| g.out.as_ref())))
        .or_else(|| out_folder(entry.path.as_ref()))
        .or_else(from_path)
        .unwrap_or_else(|| "db".into());
    let module = heck::AsSnakeCase(name).to_string();
    // syn rejects keywords and anything else that is not an identifier.
    if syn::parse_str::<syn::Ident>(&module).is_ok() {
        module
    } else {
        format!("db_{module}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path the tests' sqlc files name, so loading finds them.
    const FILES: [&str; 7] = [
        "sql/query/q.sql",
        "sql/schema/s.sql",
        "q2.sql",
        "s2.sql",
        "s.sql",
        "q.sql",
        "Queries/UserQueries.sql",
    ];

    fn load(name: &str, text: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        for file in FILES.iter().chain(&["m1/1.sql", "m2/1.sql"]) {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        Project::load(&path).unwrap()
    }

    fn load_error(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sqlc.yaml");
        std::fs::write(dir.path().join("q.sql"), "").unwrap();
        std::fs::write(&path, text).unwrap();
        Project::load(&path).unwrap_err().to_string()
    }

    #[test]
    fn paths_and_patterns() {
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "swo/a/queries.sql",
            "swo/b/queries.sql",
            "swo/b/notes.md",
            "swo/.hidden/queries.sql",
            "s.sql",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let mut notes = Vec::new();
        let found = expand(
            dir.path(),
            &["swo/*/queries.sql".into(), "swo/**".into()],
            "at",
            &mut notes,
        )
        .unwrap();
        let found: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(
            found,
            ["swo/a/queries.sql", "swo/b/queries.sql", "swo/a", "swo/b"],
            "Go's Glob: `**` is `*`, no dot files"
        );
        assert!(notes.is_empty());
        expand(dir.path(), &["none/*.sql".into()], "at", &mut notes).unwrap();
        assert_eq!(notes, ["at: the pattern `none/*.sql` matches no file"]);
        let e = expand(
            dir.path(),
            &["missing.sql".into()],
            "sqlc.yaml: entry 1, `schema`",
            &mut notes,
        )
        .unwrap_err();
        assert!(
            matches!(e, Error::Config(_)),
            "a bad path is configuration (exit 2): {e}"
        );
        assert!(e.to_string().contains("missing.sql` does not exist"), "{e}");
        assert_eq!(
            clean_join(Path::new("."), Path::new("./sql/query/")),
            Path::new("sql/query")
        );
        assert_eq!(clean_join(Path::new("a/."), Path::new("./b.sql")), Path::new("a/b.sql"));
        assert_eq!(clean_join(Path::new("."), Path::new(".")), Path::new("."));
    }

    #[test]
    fn go_options_sqlc_rejects_are_rejected() {
        let entry = |go: &str| {
            format!("version: \"2\"\nsql:\n  - engine: postgresql\n    queries: q.sql\n    gen:\n      go:\n        package: db\n{go}")
        };
        let e = load_error(&entry("        sql_package: pgx/5\n"));
        assert!(e.contains("unknown SQL package `pgx/5`"), "{e}");
        let e = load_error(&entry("        sql_driver: github.com/unknown/driver\n"));
        assert!(e.contains("unknown SQL driver"), "{e}");
        let e = load_error("version: \"1\"\npackages:\n  - name: db\n    path: go\n    queries: q.sql\n    query_parameter_limit: -1\n");
        assert!(e.contains("query_parameter_limit must not be negative"), "{e}");
    }

    #[test]
    fn module_from_the_out_folder_and_no_schema() {
        let p = load(
            "sqlc.yaml",
            "version: \"2\"\nsql:\n  - engine: postgresql\n    queries: q.sql\n    gen:\n      go:\n        out: internal/store\n",
        );
        assert_eq!(p.packages[0].module, "store");
    }

    #[test]
    fn version_1_packages_and_json() {
        let v1 = load(
            "sqlc.yml",
            "version: \"1\"\npackages:\n  - name: \"db\"\n    path: \"internal/db\"\n    queries: \"./sql/query/\"\n    schema: \"./sql/schema/\"\n    engine: \"postgresql\"\n  - name: \"db\"\n    queries: \"q2.sql\"\n    schema: \"s2.sql\"\n",
        );
        let modules: Vec<_> = v1.packages.iter().map(|p| p.module.as_str()).collect();
        assert_eq!(
            modules,
            ["db", "db_2"],
            "v1 `engine` defaults to postgresql; names made unique"
        );

        let json = load(
            "sqlc.json",
            r#"{"version": "2", "sql": [
                {"engine": "postgresql", "schema": ["m1", "m2"], "queries": "Queries/UserQueries.sql"},
                {"engine": "sqlite", "schema": "s.sql", "queries": "q.sql"}]}"#,
        );
        assert_eq!(json.packages[0].module, "user_queries", "named after the queries file");
        assert_eq!(json.skipped.len(), 1);
        assert!(
            json.skipped[0].contains("entry 2 uses engine `sqlite`"),
            "{}",
            json.skipped[0]
        );
    }

    #[test]
    fn keywords_are_not_module_names() {
        let p = load(
            "sqlc.yaml",
            "version: \"2\"\nsql:\n  - engine: postgresql\n    schema: s.sql\n    queries: q.sql\n    gen:\n      go:\n        package: type\n",
        );
        assert_eq!(p.packages[0].module, "db_type");
    }

    #[test]
    fn only_other_engines_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sqlc.yaml");
        std::fs::write(
            &path,
            "version: \"2\"\nsql:\n  - engine: mysql\n    schema: s.sql\n    queries: q.sql\n",
        )
        .unwrap();
        let e = Project::load(&path).unwrap_err().to_string();
        assert!(e.contains("no entry with `engine: postgresql`"), "{e}");
    }
}
