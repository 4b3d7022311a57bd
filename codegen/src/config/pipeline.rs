//! What [`Config::run`] does, as a list of stages: check the settings, read and parse the
//! inputs, take the model from the snapshot when it is current, otherwise introspect against a
//! database (`DATABASE_URL` or the embedded server), add the warnings, emit.

use super::{unused, Config, Generated, Introspected};
use crate::database;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::emit::{emit, Layout};
use crate::error::Error;
use crate::introspect::introspect;
use crate::model::Model;
use crate::parse::QueryFile;

impl Config {
    /// [`run`](Config::run), and whether the model came from the snapshot alone.
    pub(super) fn run_traced(&self, layout: &Layout) -> Result<(Generated, bool), Error> {
        self.check_settings()?;
        let (files, schema, problems) = self.inputs()?;
        let (mut model, stale, from_snapshot) = match self.model_from_snapshot(&files, &schema, &problems)? {
            Snapshotted::Current(model) => (model, Vec::new(), true),
            Snapshotted::Stale(stale) => {
                let (model, _, _) = self.introspect_live(&files, &schema, problems, &[])?;
                (model, stale, false)
            }
        };
        model.migrations = self.expected_migrations();
        model.warnings.splice(0..0, parse_warnings(&files));
        model.warnings.extend(stale.into_iter().map(Diagnostic::warning));
        model.warnings.extend(unused::warnings(&model, &self.setting_sites));
        let files = emit(&model, &self.emit, layout)?;
        Ok((Generated { files, model }, from_snapshot))
    }

    /// Settings recorded as invalid by the setters, and a config without query files.
    fn check_settings(&self) -> Result<(), Error> {
        if let Some(problem) = self.invalid.first() {
            return Err(Error::Config(format!("invalid configuration: {problem}")));
        }
        if self.queries.is_empty() {
            return Err(Error::Config(
                "no query files configured: call `.queries(\"queries\")`".into(),
            ));
        }
        Ok(())
    }

    /// `QUARRY_OFFLINE` or `.offline(true)`: the snapshot must answer; no database.
    fn is_offline(&self) -> bool {
        self.offline || std::env::var("QUARRY_OFFLINE").is_ok_and(|v| matches!(v.as_str(), "1" | "true" | "yes"))
    }

    /// The model from the snapshot when it matches the inputs; otherwise why not (the
    /// queries that changed), or an error when offline.
    fn model_from_snapshot(
        &self,
        files: &[QueryFile],
        schema: &[SourceFile],
        problems: &[Diagnostic],
    ) -> Result<Snapshotted, Error> {
        let offline = self.is_offline();
        if offline && !problems.is_empty() {
            return Err(Error::Diagnostics(problems.to_vec()));
        }
        let mut stale = Vec::new();
        if let (Some(path), true) = (&self.snapshot, problems.is_empty()) {
            match crate::snapshot::Snapshot::read(path)? {
                Some(snapshot) => match snapshot.check(files, &self.types, schema) {
                    Ok(model) => return Ok(Snapshotted::Current(model)),
                    Err(diagnostics) => stale = diagnostics,
                },
                None if offline => {
                    return Err(Error::Config(format!(
                        "QUARRY_OFFLINE is set and there is no snapshot at {}; run `{}` with a database reachable",
                        path.display(),
                        crate::snapshot::REGENERATE
                    )))
                }
                None => {}
            }
        }
        if offline {
            if stale.is_empty() {
                return Err(Error::Config(
                    "QUARRY_OFFLINE is set but no snapshot is configured (`snapshot` in quarry.toml)".into(),
                ));
            }
            return Err(Error::Diagnostics(stale));
        }
        Ok(Snapshotted::Stale(stale))
    }

    /// Introspects against `DATABASE_URL` (or the configured URL) or the embedded server.
    /// `problems` found while parsing fail the run, together with whatever the database
    /// reports about the files that did parse, so one run shows every error.
    pub(super) fn introspect_live(
        &self,
        files: &[QueryFile],
        schema: &[SourceFile],
        mut problems: Vec<Diagnostic>,
        calls: &[crate::inline::InlineCall],
    ) -> Result<Introspected, Error> {
        if files.is_empty() && calls.is_empty() && !problems.is_empty() {
            return Err(Error::Diagnostics(problems));
        }
        let result = self.introspect_files(files, schema, calls);
        if problems.is_empty() {
            return result;
        }
        if let Err(Error::Diagnostics(mut more)) = result {
            problems.append(&mut more);
            problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        }
        Err(Error::Diagnostics(problems))
    }

    fn introspect_files(
        &self,
        files: &[QueryFile],
        schema: &[SourceFile],
        calls: &[crate::inline::InlineCall],
    ) -> Result<Introspected, Error> {
        let url = self
            .database_url
            .clone()
            .or_else(|| self.read_env.then(|| std::env::var(&self.url_env).ok()).flatten());
        let mut db = database::open(url.as_deref(), schema, &self.progress)?;
        // A server that stops answering mid-way must not hang a build.
        db.client
            .set_deadline(Some(std::time::Instant::now() + database::introspect_deadline()));
        let model = introspect(&mut db.client, files, &self.types, &self.progress)?;
        let (inline, problems) = crate::inline::introspect_calls(&mut db.client, calls, &self.types)?;
        Ok((model, inline, problems))
    }
}

/// What parsing skipped (statements without a header), file by file.
pub(super) fn parse_warnings(files: &[QueryFile]) -> Vec<Diagnostic> {
    files.iter().flat_map(|f| f.warnings.iter().cloned()).collect()
}

/// What the snapshot says about the inputs.
enum Snapshotted {
    /// It matches them: its model, no database needed.
    Current(Model),
    /// It does not (or there is none): the queries that changed, as warnings for later.
    Stale(Vec<Diagnostic>),
}
