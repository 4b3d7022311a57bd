//! [`Config`]: the builder that build.rs and `cargo quarry` share; what it runs is in `pipeline`.

use crate::database;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::emit::{EmitOptions, Flavor, Layout, OutputFile};
use crate::error::Error;
use crate::parse::QueryFile;
use crate::stamp::Stamp;
use crate::types::{TimeCrate, TypeSettings};
use crate::write::{write_files, WriteReport};
use std::panic::Location;
use std::path::{Path, PathBuf};

/// The query files that parse, the schema files, and the problems of files that do not parse.
mod inputs;
/// What [`Config::run`] does, stage by stage.
mod pipeline;
/// Warnings for type settings that matched nothing.
pub(crate) mod unused;

type Inputs = (Vec<QueryFile>, Vec<SourceFile>, Vec<Diagnostic>);

/// The result of [`Config::run`].
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// `mod.rs` and one file per module.
    pub files: Vec<OutputFile>,
    /// The typed model, with warnings.
    pub model: crate::model::Model,
}

/// What to generate and from where (prost-build style: `&mut self` setters, then
/// [`compile`](Config::compile) in build.rs or [`write_to`](Config::write_to) elsewhere).
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     quarry_codegen::Config::new()
///         .queries("queries")
///         .schema("queries/schema.sql")
///         .compile()?;
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    queries: Vec<PathBuf>,
    schema: Vec<PathBuf>,
    emit: EmitOptions,
    types: TypeSettings,
    database_url: Option<String>,
    read_env: bool,
    url_env: String,
    include_dir: String,
    invalid: Vec<String>,
    snapshot: Option<PathBuf>,
    offline: bool,
    progress: crate::progress::Listener,
    inline: Vec<PathBuf>,
    syntax: crate::parse::Syntax,
    /// Where each type setting was made, to warn about the ones that match nothing.
    pub(crate) setting_sites: Vec<unused::Site>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            queries: Vec::new(),
            schema: Vec::new(),
            emit: EmitOptions::default(),
            types: TypeSettings::default(),
            database_url: None,
            read_env: true,
            url_env: "DATABASE_URL".into(),
            include_dir: "quarry".into(),
            invalid: Vec::new(),
            snapshot: None,
            offline: false,
            progress: Default::default(),
            inline: Vec::new(),
            syntax: crate::parse::Syntax::Quarry,
            setting_sites: Vec::new(),
        }
    }
}

impl Config {
    /// A config with no inputs, async flavour, `DATABASE_URL` honoured.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads this config's schema (files or migration folders, read exactly as generation
    /// reads them) into the empty database at `database_url` — for tests that need the schema
    /// the code was generated against. Blocking (plain socket I/O, no async runtime).
    pub fn apply_schema(&self, database_url: &str) -> Result<(), Error> {
        let (_, schema, _) = self.inputs()?;
        database::load_into(database_url, &schema)
    }

    /// Reads the query files with sqlc's rules instead of quarry's where the two differ
    /// (statements without a header skipped silently, duplicate column names suffixed `_2`,
    /// `;` required; see [`crate::parse::Syntax`]). `sqlc::Project` (feature `sqlc`) sets it for
    /// every entry.
    pub fn sqlc_syntax(&mut self, sqlc: bool) -> &mut Self {
        self.syntax = if sqlc {
            crate::parse::Syntax::Sqlc
        } else {
            crate::parse::Syntax::Quarry
        };
        self
    }

    /// Adds a folder of `.sql` query files (its top level, sorted) or a single `.sql` file.
    /// Schema files inside the folder are skipped.
    pub fn queries(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.queries.push(path.into());
        self
    }

    /// Adds a schema file, or a folder of migrations (golang-migrate, goose, dbmate,
    /// sql-migrate, tern or plain numbered files: their "up" parts, in version order; see
    /// [`crate::migrations`]), loaded in the order added into the embedded server.
    pub fn schema(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.schema.push(path.into());
        self
    }

    /// Emits blocking functions over the `postgres` crate instead of async ones.
    pub fn sync(&mut self, sync: bool) -> &mut Self {
        self.emit.flavor = if sync { Flavor::Sync } else { Flavor::Async };
        self
    }

    /// Which crate date/time columns use: `chrono` (default) or `time` (enable
    /// quarry-runtime's `time` feature).
    pub fn time_crate(&mut self, time_crate: TimeCrate) -> &mut Self {
        self.types.time_crate = time_crate;
        self
    }

    /// Maps `point`, `box` and `path` to geo-types (enable quarry-runtime's `geo-types`
    /// feature). Without it they are quarry's own exact types (`quarry::types::Point`, …).
    pub fn geo_types(&mut self, enabled: bool) -> &mut Self {
        self.types.geo_types = enabled;
        self
    }

    /// Types the elements of arrays that quarry cannot prove non-null as `Option`
    /// (`Vec<Option<T>>`). Off by default: such elements are `T`, and a NULL element is a
    /// decode error naming the query, the column and this setting. Either way, elements
    /// proven non-null (`ARRAY[…]` or `array_agg` of non-null values, `array_remove(a, NULL)`,
    /// a `CHECK (array_position(c, NULL) IS NULL)`) are `T`, and elements proven nullable
    /// (`array_agg` of a nullable value) are `Option<T>`. See docs/nullability.md.
    pub fn nullable_array_elements(&mut self, enabled: bool) -> &mut Self {
        self.types.nullable_array_elements = enabled;
        self
    }

    /// Gives each domain a newtype in the generated `types` module (`CREATE DOMAIN email AS
    /// citext …` → `types::Email(pub String)`, with `Deref` and `From`), used for its parameters,
    /// for columns read unchanged from a table column of that domain, for composite fields and
    /// array elements. Off by default: domains are their base type (`String`), as in sqlc.
    pub fn domain_newtypes(&mut self, enabled: bool) -> &mut Self {
        self.types.domain_newtypes = enabled;
        self
    }

    /// Maps a PostgreSQL type — `"name"` or `"schema.name"`, e.g. `"geometry"` or
    /// `"public.vector"` — to a Rust type implementing `ToSql` and `FromSql`, everywhere it
    /// appears (parameters, columns, array elements, composite fields).
    ///
    /// A setting that matches no type of any query is warned about, at this call.
    #[track_caller]
    pub fn type_override(&mut self, pg_type: &str, rust_type: &str) -> &mut Self {
        if self.valid_type(rust_type) {
            self.types.overrides.insert(pg_type.to_string(), rust_type.to_string());
            self.record_site(unused::Setting::Type, pg_type, rust_type, Location::caller());
        }
        self
    }

    /// Maps one table column — `"table.column"` or `"schema.table.column"` — to a Rust type,
    /// in every query that returns it unchanged, e.g.
    /// `.column_type("users.settings", "quarry::types::Json<crate::Settings>")`.
    #[track_caller]
    pub fn column_type(&mut self, column: &str, rust_type: &str) -> &mut Self {
        if self.valid_type(rust_type) {
            self.types
                .table_columns
                .insert(column.to_string(), rust_type.to_string());
            self.record_site(unused::Setting::Column, column, rust_type, Location::caller());
        }
        self
    }

    /// Maps one result column or parameter of one query — `"query_name.column"` or
    /// `"query_name.parameter"` — to a Rust type (a parameter is then taken as `&Type`).
    #[track_caller]
    pub fn query_column_type(&mut self, column: &str, rust_type: &str) -> &mut Self {
        if self.valid_type(rust_type) {
            self.types
                .query_columns
                .insert(column.to_string(), rust_type.to_string());
            self.record_site(unused::Setting::QueryColumn, column, rust_type, Location::caller());
        }
        self
    }

    /// Locates the last type setting (`type_override`, `column_type`, `query_column_type`) at
    /// `span` of `file` instead of its caller, for the warning if it matches nothing:
    /// quarry.toml points at its value, `cargo quarry` at its command line.
    pub fn last_setting_at(&mut self, file: &SourceFile, span: std::ops::Range<usize>) -> &mut Self {
        if let Some(site) = self.setting_sites.last_mut() {
            site.at = Diagnostic::at(file, span, "");
        }
        self
    }

    /// Remembers where a type setting was made; setting the same key again replaces it.
    fn record_site(&mut self, setting: unused::Setting, key: &str, rust: &str, caller: &Location<'_>) {
        self.setting_sites.retain(|s| s.setting != setting || s.key != key);
        self.setting_sites
            .push(unused::Site::at_caller(setting, key, rust, caller));
    }

    /// Adds a derive to every generated row struct, e.g. `"serde::Serialize"`.
    pub fn row_derive(&mut self, path: &str) -> &mut Self {
        if self.valid::<syn::Path>(path, "derive path") {
            self.emit.row_derives.push(path.to_string());
        }
        self
    }

    /// Adds an attribute to every generated row struct, e.g. `#[serde(rename_all = "camelCase")]`.
    pub fn row_attribute(&mut self, attribute: &str) -> &mut Self {
        let parses = attribute
            .parse::<proc_macro2::TokenStream>()
            .ok()
            .and_then(|t| syn::parse::Parser::parse2(syn::Attribute::parse_outer, t).ok())
            .is_some_and(|a| !a.is_empty());
        if parses {
            self.emit.row_attributes.push(attribute.to_string());
        } else {
            self.invalid.push(format!(
                "`{attribute}` is not an outer attribute like `#[serde(default)]`"
            ));
        }
        self
    }

    /// Adds a derive to every generated enum and composite type.
    pub fn type_derive(&mut self, path: &str) -> &mut Self {
        if self.valid::<syn::Path>(path, "derive path") {
            self.emit.type_derives.push(path.to_string());
        }
        self
    }

    /// The last validation failure of a setter, removed (for located quarry.toml errors).
    pub(crate) fn take_invalid(&mut self) -> Option<String> {
        self.invalid.pop()
    }

    fn valid_type(&mut self, rust_type: &str) -> bool {
        self.valid::<syn::Type>(rust_type, "Rust type")
    }

    fn valid<T: syn::parse::Parse>(&mut self, text: &str, what: &str) -> bool {
        let ok = syn::parse_str::<T>(text).is_ok();
        if !ok {
            self.invalid.push(format!("`{text}` is not a valid {what}"));
        }
        ok
    }

    /// Uses this database (which must already hold the schema) instead of `DATABASE_URL`
    /// or the embedded server.
    pub fn database_url(&mut self, url: impl Into<String>) -> &mut Self {
        self.database_url = Some(url.into());
        self
    }

    /// Whether to read `DATABASE_URL` from the environment (default `true`). With `false` and
    /// no [`database_url`](Config::database_url), the embedded server is always used.
    pub fn read_database_url_from_env(&mut self, read: bool) -> &mut Self {
        self.read_env = read;
        self
    }

    /// Uses the offline snapshot at `path` (written by `cargo quarry regenerate`): when every
    /// query matches it, nothing connects to a database.
    pub fn snapshot(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.snapshot = Some(path.into());
        self
    }

    /// Forbids any database use (also set by `QUARRY_OFFLINE=true`): the snapshot must be
    /// current, or generation fails naming each stale query.
    pub fn offline(&mut self, offline: bool) -> &mut Self {
        self.offline = offline;
        self
    }

    /// Calls `listener` as generation advances (server start, schema load, queries prepared);
    /// `cargo quarry` draws its progress bar from it.
    pub fn on_progress(&mut self, listener: impl Fn(crate::Progress) + Send + Sync + 'static) -> &mut Self {
        self.progress = crate::progress::Listener::new(listener);
        self
    }

    /// Adds a folder of Rust sources (or one `.rs` file) whose `quarry::query!` calls
    /// [`regenerate`](Config::regenerate) introspects into the snapshot (docs/inline.md).
    pub fn inline_sources(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.inline.push(path.into());
        self
    }

    /// The snapshot path set with [`snapshot`](Config::snapshot) or in quarry.toml, if any.
    pub fn snapshot_path(&self) -> Option<&Path> {
        self.snapshot.as_deref()
    }

    /// Introspects every query — `.sql` files and `query!` calls in the
    /// [`inline_sources`](Config::inline_sources) — against the database (ignoring any
    /// existing snapshot) and writes the snapshot; returns its path and whether its content
    /// changed. Inline queries that do not prepare are written too (the macro reports them
    /// where they are), and then returned as located errors.
    pub fn regenerate(&self) -> Result<(PathBuf, bool), Error> {
        let path = self.snapshot.clone().ok_or_else(|| {
            Error::Config("no snapshot path: set `snapshot` in quarry.toml or call `.snapshot(path)`".into())
        })?;
        let (files, schema, problems) = self.inputs()?;
        let calls = crate::inline::find_calls(&self.inline)?;
        let (model, inline, inline_problems) = self.introspect_live(&files, &schema, problems, &calls)?;
        let snapshot = crate::snapshot::Snapshot::new(&files, &model, &self.types, &schema).with_inline(inline);
        let changed = snapshot.write(&path)?;
        if !inline_problems.is_empty() {
            return Err(Error::Diagnostics(inline_problems));
        }
        Ok((path, changed))
    }

    /// The drift gate (`cargo quarry check`): introspects every query — `.sql` files and the
    /// `query!` calls in the [`inline_sources`](Config::inline_sources) — against the schema
    /// (the schema files on a throwaway server, or the live database) and compares with the
    /// snapshot. Returns the drifts (empty: the snapshot is current); queries that no longer
    /// prepare are an `Err` with PostgreSQL's message at their file:line:col.
    pub fn check(&self) -> Result<Vec<Diagnostic>, Error> {
        let path = self.snapshot.clone().ok_or_else(|| {
            Error::Config("no snapshot path: set `snapshot` in quarry.toml or call `.snapshot(path)`".into())
        })?;
        let snapshot = crate::snapshot::Snapshot::read(&path)?.ok_or_else(|| {
            Error::Config(format!(
                "no snapshot at {}; run `{}` first",
                path.display(),
                crate::snapshot::REGENERATE
            ))
        })?;
        let (files, schema, problems) = self.inputs()?;
        let calls = crate::inline::find_calls(&self.inline)?;
        let (fresh, fresh_inline, inline_problems) = self.introspect_live(&files, &schema, problems, &calls)?;
        if !inline_problems.is_empty() {
            return Err(Error::Diagnostics(inline_problems));
        }
        let mut drifts = snapshot.drift(&fresh, &files);
        drifts.extend(crate::inline::drift(&calls, snapshot.inline(), &fresh_inline));
        drifts.extend(self.unapplied_migrations()?);
        Ok(drifts)
    }

    /// `check` against a live database (`DATABASE_URL`) whose schema is one migrations folder:
    /// each migration of the folder its `quarry_migrations` history lacks (docs/migrations.md).
    /// A database without that table (migrated by another tool) is not compared.
    fn unapplied_migrations(&self) -> Result<Vec<Diagnostic>, Error> {
        let url = self
            .database_url
            .clone()
            .or_else(|| self.read_env.then(|| std::env::var(&self.url_env).ok()).flatten());
        let (Some(url), [dir]) = (url, &self.schema_paths()[..]) else {
            return Ok(Vec::new());
        };
        let Ok(migrations) = crate::migrations::read_dir(dir) else {
            return Ok(Vec::new());
        };
        let mut db = database::open(Some(&url), &[], &self.progress)?;
        let lost = crate::database::lost;
        let exists = db
            .client
            .query("SELECT to_regclass('quarry_migrations') IS NOT NULL")
            .map_err(lost)?;
        if !exists.first().is_some_and(|row| row.get::<bool>(0)) {
            return Ok(Vec::new());
        }
        let applied: Vec<i64> = db
            .client
            .query("SELECT version FROM quarry_migrations")
            .map_err(lost)?
            .iter()
            .map(|row| row.get(0))
            .collect();
        Ok(migrations
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| {
                let path = m.path.display().to_string();
                let file = SourceFile::new(path, std::fs::read_to_string(&m.path).unwrap_or_default());
                Diagnostic::at(
                    &file,
                    0..0,
                    format!("migration {} is not applied to the database", m.version),
                )
                .with_help(
                    "the code is checked against this database: apply the folder first (`cargo quarry migrate run`)",
                )
            })
            .collect())
    }

    /// Reads the live database's URL from this environment variable instead of
    /// `DATABASE_URL`.
    pub fn database_url_env(&mut self, var: &str) -> &mut Self {
        self.url_env = var.to_string();
        self.read_env = true;
        self
    }

    /// The folder under `OUT_DIR` that [`compile`](Config::compile) writes, and the argument
    /// to give `quarry::include_queries!` when it is not the default `"quarry"`.
    pub fn include_dir(&mut self, name: impl Into<String>) -> &mut Self {
        self.include_dir = name.into();
        self
    }

    /// For build.rs: generates into `$OUT_DIR/<include_dir>/` and tells cargo when to re-run.
    pub fn compile(&self) -> Result<WriteReport, Error> {
        let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| {
            Error::Config("OUT_DIR is not set: `compile()` is for build scripts; use `write_to(dir)` elsewhere".into())
        })?;
        for path in self.queries.iter().chain(&self.schema) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        for file in self.query_paths()? {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        println!("cargo:rerun-if-env-changed={}", self.url_env);
        println!("cargo:rerun-if-env-changed=QUARRY_PG_BINDIR");
        println!("cargo:rerun-if-env-changed=QUARRY_OFFLINE");
        if let Some(snapshot) = &self.snapshot {
            // Cargo re-runs a build script on every build while a path it watches is missing;
            // until `cargo quarry regenerate` writes the snapshot, its folder is watched
            // instead (its timestamp changes when the file appears).
            let watched = match snapshot.exists() {
                true => snapshot.clone(),
                false => snapshot
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
                    .to_path_buf(),
            };
            println!("cargo:rerun-if-changed={}", watched.display());
        }
        let layout = Layout::Include {
            dir: self.include_dir.clone(),
        };
        let (mut report, generated) = self.write_generated(&Path::new(&out_dir).join(&self.include_dir), &layout)?;
        for warning in &generated.model.warnings {
            for line in warning.to_string().lines() {
                println!("cargo:warning={line}");
            }
        }
        report.warnings = generated.model.warnings;
        Ok(report)
    }

    /// Generates into `dir`, or does nothing when the stamp there shows that the output came
    /// from the snapshot and no input changed since (see [`crate::stamp`]).
    fn write_generated(&self, dir: &Path, layout: &Layout) -> Result<(WriteReport, Generated), Error> {
        let stamp = self.stamp(layout);
        if let Some(unchanged) = stamp.as_ref().and_then(|s| s.current_outputs(dir)) {
            let report = WriteReport {
                unchanged,
                ..WriteReport::default()
            };
            return Ok((report, Generated::default()));
        }
        let (generated, from_snapshot) = self.run_traced(layout)?;
        let report = write_files(dir, &generated.files)?;
        match stamp {
            Some(stamp) if from_snapshot => stamp.record(dir, &generated.files),
            _ => Stamp::clear(dir),
        }
        Ok((report, generated))
    }

    /// The stamp of this run's inputs, when a snapshot exists (without one the output depends
    /// on a database, which no file hash can capture).
    fn stamp(&self, layout: &Layout) -> Option<Stamp> {
        // An invalid setting is not part of the settings text: never skip reporting it.
        if !self.invalid.is_empty() {
            return None;
        }
        let snapshot = self.snapshot.as_ref().filter(|p| p.is_file())?;
        let mut files = self.query_paths().ok()?;
        files.extend(self.schema_files().ok()?);
        files.push(snapshot.clone());
        let settings = format!("{:?}|{:?}|{:?}", self.emit, self.types, layout);
        Stamp::of_inputs(&settings, &files)
    }

    /// Generates into `dir` as a plain module folder (`mod.rs` plus one file per `.sql` file),
    /// ready to be committed and declared with `mod <dir>;`.
    pub fn write_to(&self, dir: impl AsRef<Path>) -> Result<WriteReport, Error> {
        let (mut report, generated) = self.write_generated(dir.as_ref(), &Layout::Files)?;
        report.warnings = generated.model.warnings;
        Ok(report)
    }

    /// Runs the whole pipeline in memory and returns the generated files.
    pub fn generate(&self, layout: &Layout) -> Result<Vec<OutputFile>, Error> {
        Ok(self.run(layout)?.files)
    }

    /// Runs the whole pipeline in memory: read, parse, introspect, emit. Returns the files
    /// and the typed model they were emitted from (for `cargo quarry explain`, and warnings).
    pub fn run(&self, layout: &Layout) -> Result<Generated, Error> {
        Ok(self.run_traced(layout)?.0)
    }
}

/// The model of the `.sql` files, the inline queries, and the inline queries' problems.
pub(crate) type Introspected = (
    crate::model::Model,
    quarry_inline::entry::InlineQueries,
    Vec<Diagnostic>,
);
