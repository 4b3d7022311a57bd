//! Writing generated files: only when the content changed (so cargo does not rebuild for
//! nothing), each through a temporary file and a rename (so no reader ever sees half a file),
//! and removing files quarry generated earlier for modules that no longer exist.

use crate::emit::{OutputFile, STAMP};
use crate::error::Error;
use std::path::Path;

/// What a write did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or changed.
    pub written: Vec<String>,
    /// Files already up to date.
    pub unchanged: Vec<String>,
    /// Stale generated files removed.
    pub removed: Vec<String>,
    /// Warnings from generation (nothing stopped because of them).
    pub warnings: Vec<crate::diagnostic::Diagnostic>,
}

/// Writes `files` into `dir` (created if needed).
pub fn write_files(dir: &Path, files: &[OutputFile]) -> Result<WriteReport, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut report = WriteReport::default();
    for file in files {
        let path = dir.join(&file.name);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == file.contents) {
            report.unchanged.push(file.name.clone());
            continue;
        }
        let tmp = dir.join(format!(".{}.quarry-tmp", file.name));
        std::fs::write(&tmp, &file.contents).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        report.written.push(file.name.clone());
    }
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let generated = name.ends_with(".rs")
            && !files.iter().any(|f| f.name == name)
            && std::fs::read_to_string(entry.path()).is_ok_and(|t| t.starts_with(STAMP));
        if generated {
            std::fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            report.removed.push(name);
        }
    }
    Ok(report)
}
