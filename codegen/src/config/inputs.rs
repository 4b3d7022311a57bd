//! Finding and reading a [`Config`]'s inputs: the query files (each parsed, problems
//! collected), and the schema files or migration folders.

use super::{Config, Inputs};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::emit::{MODELS_MODULE, TYPES_MODULE};
use crate::error::Error;
use crate::parse::{parse_file_with, QueryFile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

impl Config {
    /// The query files that parse, the problems of those that do not, and the schema files.
    pub(super) fn inputs(&self) -> Result<Inputs, Error> {
        let paths = self.query_paths()?;
        let (files, problems) = self.parse_all(&paths)?;
        // A schema file that is also a query file (see `is_query_file`) is in `paths` already.
        let queries: std::collections::HashSet<PathBuf> = paths.iter().filter_map(|p| p.canonicalize().ok()).collect();
        let schema = self
            .schema_files()?
            .iter()
            .map(|p| {
                read_source(p).map(|mut file| {
                    file.text = if p.canonicalize().is_ok_and(|c| queries.contains(&c)) {
                        // Its queries are read as queries; the statements without a header
                        // (DDL beside them, as sqlc reads such a file) are the schema.
                        crate::parse::schema_part(&file.text)
                    } else {
                        crate::migrations::up_part(&file.text)
                    };
                    file
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((files, schema, problems))
    }

    /// Whether a file that is named as schema and as queries (sqlc projects often point both
    /// at one folder) is a query file: it holds a `name:` header. Its headed statements are
    /// read as queries and never applied as schema; its other statements are schema. A file
    /// without a header is schema only.
    fn is_query_file(&self, path: &Path) -> bool {
        let Ok(canonical) = path.canonicalize() else {
            return false;
        };
        let in_queries = self
            .queries
            .iter()
            .filter_map(|q| q.canonicalize().ok())
            .any(|q| canonical == q || canonical.parent() == Some(q.as_path()));
        in_queries && std::fs::read_to_string(path).is_ok_and(|text| crate::parse::has_query_header(&text))
    }

    /// Every query file, sorted: each `.sql` file of the query folders, less those that are
    /// schema files without a query header.
    pub(super) fn query_paths(&self) -> Result<Vec<PathBuf>, Error> {
        let schema: Vec<PathBuf> = self.schema.iter().filter_map(|p| p.canonicalize().ok()).collect();
        let mut paths = Vec::new();
        for root in &self.queries {
            if root.is_file() {
                paths.push(root.clone());
                continue;
            }
            let entries = walkdir::WalkDir::new(root)
                .min_depth(1)
                .max_depth(1)
                .sort_by_file_name();
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(root, e.into()))?;
                let path = entry.path();
                // A schema file, or a migration inside a schema folder.
                let is_schema = path
                    .canonicalize()
                    .is_ok_and(|c| schema.iter().any(|s| c == *s || c.parent() == Some(s.as_path())));
                if entry.file_type().is_file()
                    && path.extension().is_some_and(|e| e == "sql")
                    && (!is_schema || self.is_query_file(path))
                {
                    paths.push(path.to_path_buf());
                }
            }
        }
        // quarry.toml and a flag may name the same folder: each file counts once.
        let mut seen = std::collections::HashSet::new();
        paths.retain(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())));
        Ok(paths)
    }

    /// The schema files in load order: each path given, or for a folder its migrations
    /// (see [`crate::migrations`]).
    pub(super) fn schema_files(&self) -> Result<Vec<PathBuf>, Error> {
        let mut files = Vec::new();
        for path in self.schema_paths() {
            files.extend(crate::migrations::schema_files(path).map_err(|e| Error::io(path, e))?);
        }
        Ok(files)
    }

    /// The migrations of the schema folder, `(version, file name)`, for `verify`: only when the
    /// schema is one folder (what one `quarry::migrations!` applies) of versioned migrations.
    pub(super) fn expected_migrations(&self) -> Vec<(i64, String)> {
        let [dir] = self.schema_paths()[..] else {
            return Vec::new();
        };
        if !dir.is_dir() {
            return Vec::new();
        }
        crate::migrations::read_dir(dir)
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let name = m.path.file_name().unwrap_or_default().to_string_lossy().into_owned();
                (m.version, name)
            })
            .collect()
    }

    /// The schema paths, each once (quarry.toml and `--schema` may both name one), in order.
    pub(super) fn schema_paths(&self) -> Vec<&PathBuf> {
        let mut seen = std::collections::HashSet::new();
        self.schema
            .iter()
            .filter(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.to_path_buf())))
            .collect()
    }

    /// Parses the query files `paths`; returns those that parse and the problems of the others.
    fn parse_all(&self, paths: &[PathBuf]) -> Result<(Vec<QueryFile>, Vec<Diagnostic>), Error> {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        let mut modules: HashMap<String, String> = HashMap::new();
        let names = module_names(paths);
        for (path, module) in paths.iter().zip(names) {
            let source = match read_source(path) {
                Ok(source) => source,
                Err(Error::Diagnostics(mut located)) => {
                    errors.append(&mut located);
                    continue;
                }
                Err(other) => return Err(other),
            };
            if let Err(e) = check_module_name(&source, &module, &modules) {
                errors.push(e);
                continue;
            }
            modules.insert(module.clone(), source.path.clone());
            match parse_file_with(source, module, self.syntax) {
                Ok(file) => files.push(file),
                Err(mut e) => errors.append(&mut e),
            }
        }
        Ok((files, errors))
    }
}

/// Each query file's module: its stem in snake_case, or, where files of several folders
/// share a stem (`users/queries.sql`, `orders/queries.sql`), `<folder>_<stem>` for each of them;
/// a leading digit gets a `_` before it (`001_users.sql` → `_001_users`).
fn module_names(paths: &[PathBuf]) -> Vec<String> {
    let snake = |s: &std::ffi::OsStr| heck::AsSnakeCase(s.to_string_lossy()).to_string();
    let stems: Vec<String> = paths.iter().map(|p| snake(p.file_stem().unwrap_or_default())).collect();
    stems
        .iter()
        .zip(paths)
        .map(|(stem, path)| {
            let shared = stems.iter().filter(|s| *s == stem).count() > 1;
            let module = match path.parent().and_then(Path::file_name).filter(|_| shared) {
                Some(folder) => format!("{}_{stem}", snake(folder)),
                None => stem.clone(),
            };
            // `001_init.sql`: a Rust identifier cannot start with a digit; `_001_init` can.
            if module.starts_with(|c: char| c.is_ascii_digit()) {
                format!("_{module}")
            } else {
                module
            }
        })
        .collect()
}

fn check_module_name(source: &SourceFile, module: &str, taken: &HashMap<String, String>) -> Result<(), Diagnostic> {
    // `mod` would be `mod.rs`, the generated index.
    let valid = crate::naming::is_rust_name(module) && module != "mod";
    if !valid {
        return Err(Diagnostic::at(
            source,
            0..0,
            format!(
                "file name `{}` does not make a Rust module name (`{module}`)",
                source.path
            ),
        )
        .with_help("rename the file to something like `tasks.sql` (letters, digits and `_`)"));
    }
    if let Some(other) = taken.get(module) {
        return Err(Diagnostic::at(
            source,
            0..0,
            format!("`{}` and `{other}` both become module `{module}`", source.path),
        )
        .with_help("rename one of the files"));
    }
    let reserved = [
        (TYPES_MODULE, "the generated enums and composite types"),
        (MODELS_MODULE, "the shared per-table row structs"),
    ];
    if let Some((name, holds)) = reserved.iter().find(|(name, _)| module == *name) {
        return Err(Diagnostic::at(
            source,
            0..0,
            format!("`{}` would become module `{name}`, which holds {holds}", source.path),
        )
        .with_help(format!("rename the file, e.g. to `{name}_queries.sql`")));
    }
    Ok(())
}

/// Reads a file as UTF-8; invalid UTF-8 is reported at its line and column.
fn read_source(path: &Path) -> Result<SourceFile, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let display = path.display().to_string();
    match String::from_utf8(bytes) {
        // A byte-order mark (Windows editors write one) is neither SQL nor a column of line 1.
        Ok(text) => Ok(SourceFile::new(
            display,
            text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text),
        )),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let at = String::from_utf8_lossy(&bytes[..valid]).len();
            let source = SourceFile::new(display, text);
            Err(Error::Diagnostics(vec![Diagnostic::at(
                &source,
                at..at + 1,
                "the file is not valid UTF-8",
            )
            .with_help("save the file as UTF-8")]))
        }
    }
}
