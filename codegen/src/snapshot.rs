//! The offline snapshot: every query's resolved types, so build.rs can generate without any
//! database when nothing changed.
//!
//! One JSON file (default `quarry.snapshot.json` next to `quarry.toml`), pretty-printed with a
//! stable order so it diffs well in review. It holds a hash per query (its name, kind, doc
//! comments and SQL as written), a hash of the type settings, a fingerprint of the schema files
//! it was checked against, and the typed model. A query whose hash no longer matches is
//! *stale*: build.rs re-introspects it when a database is reachable (and warns), and fails
//! naming it when none is (or `QUARRY_OFFLINE` forbids it).

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::error::Error;
use crate::hash::fnv_hex;
use crate::model::Model;
use crate::parse::QueryFile;
use crate::types::TypeSettings;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Bumped when the snapshot's shape changes; other versions are stale as a whole.
const VERSION: u32 = 4;

/// The command that refreshes a snapshot, for messages.
pub const REGENERATE: &str = "cargo quarry regenerate";

/// What `cargo quarry regenerate` writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    version: u32,
    settings: String,
    schema: String,
    queries: BTreeMap<String, String>,
    model: Model,
    /// `query!` calls in Rust sources, by template (see `crate::inline`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    inline: quarry_inline::entry::InlineQueries,
}

fn key(module: &str, query: &str) -> String {
    format!("{module}::{query}")
}

/// Each query's key and hash in `files`.
fn query_hashes(files: &[QueryFile]) -> BTreeMap<String, String> {
    files
        .iter()
        .flat_map(|file| {
            file.queries.iter().map(move |q| {
                let written = &file.source.text[q.sql_span.clone()];
                let text = format!("{}\n{}\n{}\n{written}", q.name, q.kind.name(), q.docs.join("\n"));
                (key(&file.module, &q.name), fnv_hex(&text))
            })
        })
        .collect()
}

fn settings_hash(settings: &TypeSettings) -> String {
    fnv_hex(&format!("{VERSION}\n{settings:?}"))
}

fn schema_fingerprint(schema: &[SourceFile]) -> String {
    fnv_hex(
        &schema
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\u{0}\n"),
    )
}

impl Snapshot {
    /// The snapshot of a freshly introspected `model`.
    pub fn new(files: &[QueryFile], model: &Model, settings: &TypeSettings, schema: &[SourceFile]) -> Self {
        Snapshot {
            version: VERSION,
            settings: settings_hash(settings),
            schema: schema_fingerprint(schema),
            queries: query_hashes(files),
            model: model.clone(),
            inline: Default::default(),
        }
    }

    /// The same snapshot holding these inline queries.
    pub fn with_inline(mut self, inline: quarry_inline::entry::InlineQueries) -> Self {
        self.inline = inline;
        self
    }

    /// The inline queries it holds, by template.
    pub fn inline(&self) -> &quarry_inline::entry::InlineQueries {
        &self.inline
    }

    /// Reads `path`; `Ok(None)` when it does not exist.
    pub fn read(path: &Path) -> Result<Option<Snapshot>, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path, e)),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::Config(format!(
                "{}: not a quarry snapshot ({e}); run `{REGENERATE}` to rewrite it",
                path.display()
            ))
        })
    }

    /// Writes the snapshot (only when its content changed); returns whether it did.
    pub fn write(&self, path: &Path) -> Result<bool, Error> {
        let mut text = serde_json::to_string_pretty(self).expect("the model serialises");
        text.push('\n');
        if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
            return Ok(false);
        }
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, &text).map_err(|e| Error::io(&temporary, e))?;
        std::fs::rename(&temporary, path).map_err(|e| Error::io(path, e))?;
        Ok(true)
    }

    /// The model for `files` if nothing changed since the snapshot (file names and lines
    /// taken from the files as they are now), or the stale queries with a diagnostic each.
    pub fn check(
        &self,
        files: &[QueryFile],
        settings: &TypeSettings,
        schema: &[SourceFile],
    ) -> Result<Model, Vec<Diagnostic>> {
        let whole = |why: &str| -> Vec<Diagnostic> {
            files
                .iter()
                .take(1)
                .map(|f| {
                    Diagnostic::at(&f.source, 0..0, format!("the quarry snapshot is stale: {why}"))
                        .with_help(format!("run `{REGENERATE}` with a database reachable"))
                })
                .collect()
        };
        if self.version != VERSION {
            return Err(whole("it was written by another version of quarry"));
        }
        if self.settings != settings_hash(settings) {
            return Err(whole("the type settings (overrides, time crate, geo types) changed"));
        }
        if self.schema != schema_fingerprint(schema) {
            return Err(whole("the schema files changed"));
        }
        let current = query_hashes(files);
        let mut stale = Vec::new();
        for file in files {
            for query in &file.queries {
                let key = key(&file.module, &query.name);
                if self.queries.get(&key) != current.get(&key) {
                    let why = if self.queries.contains_key(&key) {
                        "changed"
                    } else {
                        "is new"
                    };
                    stale.push(
                        Diagnostic::at(
                            &file.source,
                            query.name_span.clone(),
                            format!("query `{}` {why} since the snapshot was written", query.name),
                        )
                        .with_help(format!("run `{REGENERATE}` with a database reachable")),
                    );
                }
            }
        }
        if !stale.is_empty() {
            return Err(stale);
        }
        Ok(self.rebased(files))
    }

    /// The snapshot's model restricted to the queries in `files` (removed ones dropped), with
    /// file names and line numbers as they are now.
    fn rebased(&self, files: &[QueryFile]) -> Model {
        let mut model = self.model.clone();
        model.modules.retain(|m| files.iter().any(|f| f.module == m.name));
        for module in &mut model.modules {
            let file = files.iter().find(|f| f.module == module.name).expect("retained above");
            module.file = file.source.path.clone();
            module.queries.retain_mut(|query| {
                let def = file
                    .queries
                    .iter()
                    .find(|d| crate::naming::snake(&d.name) == query.fn_name);
                if let Some(def) = def {
                    query.line = file.source.line_col(def.name_span.start).0;
                }
                def.is_some()
            });
        }
        model
    }
}

impl Snapshot {
    /// How a freshly introspected `fresh` model differs from the snapshot, one diagnostic per
    /// changed query at its header: parameter and column types and nullability, columns added
    /// or removed. New queries are reported as not in the snapshot.
    pub fn drift(&self, fresh: &Model, files: &[QueryFile]) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for module in &fresh.modules {
            let Some(file) = files.iter().find(|f| f.module == module.name) else {
                continue;
            };
            let old_module = self.model.modules.iter().find(|m| m.name == module.name);
            for query in &module.queries {
                let Some(def) = file
                    .queries
                    .iter()
                    .find(|d| crate::naming::snake(&d.name) == query.fn_name)
                else {
                    continue;
                };
                let old = old_module.and_then(|m| m.queries.iter().find(|q| q.fn_name == query.fn_name));
                let changes = match old {
                    None => vec!["it is not in the snapshot".to_string()],
                    Some(old) => changes(old, query),
                };
                if !changes.is_empty() {
                    out.push(
                        Diagnostic::at(
                            &file.source,
                            def.name_span.clone(),
                            format!("query `{}` would change: {}", def.name, changes.join("; ")),
                        )
                        .with_help(format!(
                            "if the change is intended, run `{REGENERATE}` and review the generated code"
                        )),
                    );
                }
            }
        }
        out
    }
}

fn describe(ty: &crate::types::RustType, nullable: bool) -> String {
    format!("{} {}", ty.pg_name, if nullable { "(nullable)" } else { "(not null)" })
}

fn changes(old: &crate::model::Query, new: &crate::model::Query) -> Vec<String> {
    let mut out = Vec::new();
    for (i, (o, n)) in old.params.iter().zip(&new.params).enumerate() {
        if o.ty.pg_name != n.ty.pg_name {
            out.push(format!(
                "parameter ${} `{}` was {}, is now {}",
                i + 1,
                n.name,
                o.ty.pg_name,
                n.ty.pg_name
            ));
        }
    }
    if old.params.len() != new.params.len() {
        out.push(format!(
            "{} parameters instead of {}",
            new.params.len(),
            old.params.len()
        ));
    }
    for column in &new.columns {
        match old.columns.iter().find(|c| c.pg_name == column.pg_name) {
            None => out.push(format!("column `{}` is new", column.pg_name)),
            Some(o) if o.ty.pg_name != column.ty.pg_name || o.nullable != column.nullable => out.push(format!(
                "column `{}` was {}, is now {}",
                column.pg_name,
                describe(&o.ty, o.nullable),
                describe(&column.ty, column.nullable)
            )),
            Some(_) => {}
        }
    }
    for column in &old.columns {
        if !new.columns.iter().any(|c| c.pg_name == column.pg_name) {
            out.push(format!("column `{}` is gone", column.pg_name));
        }
    }
    out
}
