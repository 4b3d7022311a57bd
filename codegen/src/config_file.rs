//! `quarry.toml`: the settings [`Config`] and `cargo quarry` share, in one file next to
//! Cargo.toml. Every key is optional and has the builder's default; paths are relative to the
//! file.
//!
//! ```toml
//! queries = ["queries"]                    # folders of .sql files, or single files
//! schema = ["queries/schema.sql"]          # applied in order to the throwaway server
//! database_url_env = "DATABASE_URL"        # env var holding a live database ("" = never)
//! sync = false                             # blocking functions instead of async
//! include_dir = "quarry"                   # folder under OUT_DIR (build.rs)
//! time_crate = "chrono"                    # or "time"
//! geo_types = false
//! nullable_array_elements = false          # true: Vec<Option<T>> unless elements are proven non-null
//! domain_newtypes = false                  # true: a Rust newtype per domain (types::Email)
//! snapshot = "quarry.snapshot.json"        # offline snapshot (`cargo quarry regenerate`)
//! offline = false                          # true: never use a database (also QUARRY_OFFLINE=true)
//! inline = ["src"]                         # Rust sources whose `query!` calls regenerate introspects (default ["src"])
//!
//! [types]                                  # PostgreSQL type → Rust type
//! vector = "pgvector::Vector"
//!
//! [columns]                                # table.column → Rust type
//! "users.settings" = "quarry::types::Json<crate::Settings>"
//!
//! [query_columns]                          # query.column (or parameter) → Rust type
//! "get_grid.grid" = "quarry::types::Array<i32>"
//!
//! [derive]
//! rows = ["serde::Serialize"]
//! row_attributes = ['#[serde(rename_all = "camelCase")]']
//! types = ["serde::Serialize"]
//! ```

use crate::config::Config;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::error::Error;
use crate::types::TimeCrate;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file name looked for next to Cargo.toml (build.rs) or in the current folder (CLI).
pub const FILE_NAME: &str = "quarry.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    queries: Vec<PathBuf>,
    #[serde(default)]
    schema: Vec<PathBuf>,
    database_url_env: Option<String>,
    #[serde(default)]
    sync: bool,
    include_dir: Option<String>,
    time_crate: Option<Spanned<String>>,
    #[serde(default)]
    geo_types: bool,
    #[serde(default)]
    nullable_array_elements: bool,
    #[serde(default)]
    domain_newtypes: bool,
    #[serde(default)]
    types: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    columns: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    query_columns: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    derive: Derives,
    snapshot: Option<PathBuf>,
    #[serde(default)]
    offline: bool,
    inline: Option<Vec<PathBuf>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Derives {
    #[serde(default)]
    rows: Vec<Spanned<String>>,
    #[serde(default)]
    row_attributes: Vec<Spanned<String>>,
    #[serde(default)]
    types: Vec<Spanned<String>>,
}

impl Config {
    /// Reads a `quarry.toml`; paths in it are relative to its folder. Problems are
    /// diagnostics pointing at the key or value in the file; all of them are reported.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let source = SourceFile::new(path.display().to_string(), text);
        let file: File = toml::from_str(&source.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let diagnostic = Diagnostic::at(&source, span, e.message().trim_end())
                .with_help("the keys and their meaning are listed in docs/build.md (\"quarry.toml\")");
            Error::Diagnostics(vec![diagnostic])
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        let mut config = Config::new();
        let mut problems = Vec::new();
        // `query!` calls are looked for in `src/` unless the file says where.
        let inline = file.inline.clone().unwrap_or_else(|| vec![PathBuf::from("src")]);
        for source in inline.iter().filter(|p| base.join(p).exists()) {
            config.inline_sources(relative_to(base, source));
        }
        for query in &file.queries {
            config.queries(relative_to(base, query));
        }
        for schema in &file.schema {
            config.schema(relative_to(base, schema));
        }
        match file.database_url_env.as_deref() {
            Some("") => {
                config.read_database_url_from_env(false);
            }
            Some(var) => {
                config.database_url_env(var);
            }
            None => {}
        }
        config
            .sync(file.sync)
            .geo_types(file.geo_types)
            .nullable_array_elements(file.nullable_array_elements)
            .domain_newtypes(file.domain_newtypes);
        if let Some(dir) = &file.include_dir {
            config.include_dir(dir);
        }
        if let Some(time_crate) = &file.time_crate {
            match time_crate.get_ref().as_str() {
                "chrono" => {}
                "time" => {
                    config.time_crate(TimeCrate::Time);
                }
                other => problems.push(
                    Diagnostic::at(&source, time_crate.span(), format!("unknown time_crate \"{other}\""))
                        .with_help("time_crate is \"chrono\" (the default) or \"time\""),
                ),
            }
        }
        // Each setter validates its value; a rejected one becomes a diagnostic at the value.
        let mut set = |config: &mut Config, value: &Spanned<String>, apply: &dyn Fn(&mut Config, &str)| {
            let sites = config.setting_sites.len();
            apply(config, value.get_ref());
            // A type setting made here is located at its value in this file.
            if config.setting_sites.len() > sites {
                config.last_setting_at(&source, value.span());
            }
            if let Some(problem) = config.take_invalid() {
                problems.push(
                    Diagnostic::at(&source, value.span(), problem)
                        .with_help("values are Rust types or paths as written in code, e.g. \"crate::Settings\""),
                );
            }
        };
        for (pg, rust) in &file.types {
            set(&mut config, rust, &|c, r| {
                c.type_override(pg, r);
            });
        }
        for (column, rust) in &file.columns {
            set(&mut config, rust, &|c, r| {
                c.column_type(column, r);
            });
        }
        for (column, rust) in &file.query_columns {
            set(&mut config, rust, &|c, r| {
                c.query_column_type(column, r);
            });
        }
        for derive in &file.derive.rows {
            set(&mut config, derive, &|c, r| {
                c.row_derive(r);
            });
        }
        for attribute in &file.derive.row_attributes {
            set(&mut config, attribute, &|c, r| {
                c.row_attribute(r);
            });
        }
        for derive in &file.derive.types {
            set(&mut config, derive, &|c, r| {
                c.type_derive(r);
            });
        }
        if let Some(snapshot) = &file.snapshot {
            config.snapshot(relative_to(base, snapshot));
        }
        config.offline(file.offline);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(Error::Diagnostics(problems))
        }
    }

    /// For build.rs: `quarry.toml` next to Cargo.toml (`$CARGO_MANIFEST_DIR`) if there is one,
    /// else an empty config. Tells cargo to re-run when the file changes.
    pub fn load() -> Result<Config, Error> {
        let dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
        let path = dir.join(FILE_NAME);
        println!("cargo:rerun-if-changed={}", path.display());
        if path.exists() {
            Config::from_file(path)
        } else {
            Ok(Config::new())
        }
    }
}

/// `path` from the file's folder `base`, without `.` components: `queries = ["."]` in
/// `queries/quarry.toml` names files `queries/tasks.sql` in messages and `file:line`s, not
/// `queries/./tasks.sql`.
fn relative_to(base: &Path, path: &Path) -> PathBuf {
    let joined: PathBuf = base
        .join(path)
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if joined.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::relative_to;
    use std::path::Path;

    #[test]
    fn paths_in_quarry_toml_lose_their_dot_components() {
        assert_eq!(
            relative_to(Path::new("../queries"), Path::new(".")),
            Path::new("../queries")
        );
        assert_eq!(
            relative_to(Path::new("../queries"), Path::new("./a.sql")),
            Path::new("../queries/a.sql")
        );
        assert_eq!(relative_to(Path::new(""), Path::new(".")), Path::new("."));
        assert_eq!(relative_to(Path::new(""), Path::new("./q")), Path::new("q"));
    }
}
