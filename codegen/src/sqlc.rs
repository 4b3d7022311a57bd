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
    schema: Paths,
    queries: Paths,
    /// v1: the Go package name.
    name: Option<String>,
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

#[derive(Debug, Deserialize)]
struct GoGen {
    package: Option<String>,
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
            for q in entry.queries.list() {
                config.queries(base.join(q));
            }
            for s in entry.schema.list() {
                config.schema(base.join(s));
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
        for package in &self.packages {
            generated.push(package.config.run(&Layout::Files)?);
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

/// `gen.go.package`, v1 `name`, or the first queries path's stem, in snake_case.
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
    let name = entry
        .gen
        .go
        .as_ref()
        .and_then(|g| g.package.clone())
        .or_else(|| entry.name.clone())
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

    fn load(name: &str, text: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        Project::load(&path).unwrap()
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
