//! The no-op fast path: when the code comes from the offline snapshot alone, the output is a
//! pure function of the input files and the settings. The stamp file `.quarry-stamp` in the
//! output folder records a hash of all of them (and of the generator binary itself) plus a
//! hash of each file written; when both still match, generation is skipped entirely — this is
//! what a re-run build.rs with nothing changed costs (milliseconds instead of re-emitting and
//! re-formatting every module).

use crate::emit::OutputFile;
use crate::hash::Fnv;
use std::path::{Path, PathBuf};

/// The stamp file's name in the output folder (a dot file: not a module, never included).
pub const FILE_NAME: &str = ".quarry-stamp";

/// The fingerprint of one generation's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp(String);

impl Stamp {
    /// Hashes the settings, the files, and the running executable's size and modification
    /// time (a rebuilt build script or CLI may generate differently). `None` when a file
    /// cannot be read: then there is no fast path.
    pub fn of_inputs(settings: &str, files: &[PathBuf]) -> Option<Stamp> {
        let mut hash = Fnv::new();
        hash.field(env!("CARGO_PKG_VERSION").as_bytes())
            .field(settings.as_bytes());
        let exe = std::env::current_exe().ok()?.metadata().ok()?;
        let modified = exe.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        hash.field(&exe.len().to_le_bytes())
            .field(&modified.as_nanos().to_le_bytes());
        for file in files {
            hash.field(file.to_string_lossy().as_bytes())
                .field(&std::fs::read(file).ok()?);
        }
        Some(Stamp(hash.hex()))
    }

    /// The names of the generated files when `dir` holds this stamp and every file it lists
    /// is unchanged; `None` otherwise.
    pub fn current_outputs(&self, dir: &Path) -> Option<Vec<String>> {
        let recorded = std::fs::read_to_string(dir.join(FILE_NAME)).ok()?;
        let mut lines = recorded.lines();
        if lines.next()? != self.0 {
            return None;
        }
        lines
            .map(|line| {
                let (name, hash) = line.split_once(' ')?;
                let contents = std::fs::read(dir.join(name)).ok()?;
                (Fnv::new().field(&contents).hex() == hash).then(|| name.to_string())
            })
            .collect()
    }

    /// Records the stamp and the hash of each file just written. Best effort: a stamp that
    /// cannot be written only costs the fast path.
    pub fn record(&self, dir: &Path, files: &[OutputFile]) {
        let mut text = format!("{}\n", self.0);
        for file in files {
            text.push_str(&format!(
                "{} {}\n",
                file.name,
                Fnv::new().field(file.contents.as_bytes()).hex()
            ));
        }
        let _ = std::fs::write(dir.join(FILE_NAME), text);
    }

    /// Removes a stamp (the output now depends on a database, not only on files).
    pub fn clear(dir: &Path) {
        let _ = std::fs::remove_file(dir.join(FILE_NAME));
    }
}
