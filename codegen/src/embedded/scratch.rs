//! Private temporary folders for the embedded server, removed on drop.
//!
//! Decision: this replaces the `tempfile` crate in quarry-codegen's library. Every user's
//! build.rs compiles codegen, and `tempfile` brought `rustix` (about 3 s of one CPU in a clean
//! debug build) for the two things needed here: a uniquely named new folder and a
//! can-I-write-here probe. `std::fs::create_dir` fails when the name exists, which is all the
//! uniqueness guarantee a folder needs; the name only has to make collisions rare.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A folder created empty with mode 0700 and deleted, with everything in it, on drop.
#[derive(Debug)]
pub(super) struct ScratchDir {
    path: Option<PathBuf>,
}

impl ScratchDir {
    /// Creates `parent/<prefix><unique>`.
    pub(super) fn new_in(parent: &Path, prefix: &str) -> io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        for _ in 0..64 {
            let path = parent.join(format!("{prefix}{}", unique_suffix()));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(ScratchDir { path: Some(path) }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("no free name for a new folder in {}", parent.display()),
        ))
    }

    /// The folder.
    pub(super) fn path(&self) -> &Path {
        self.path.as_deref().expect("the path lives until drop or keep")
    }

    /// Stops deleting the folder on drop and returns its path.
    pub(super) fn keep(mut self) -> PathBuf {
        self.path.take().expect("the path lives until drop or keep")
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

/// Whether a new file can be created in `dir` (the file is removed again).
pub(super) fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".quarry-probe-{}", unique_suffix()));
    let created = std::fs::OpenOptions::new().write(true).create_new(true).open(&probe);
    let ok = created.is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

/// Process id, clock and a per-process counter: distinct across concurrent builds and
/// across calls in one process.
fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{nanos:x}-{count}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_distinct_private_and_removed_on_drop() {
        let parent = std::env::temp_dir();
        let a = ScratchDir::new_in(&parent, "quarry-scratch-test-").unwrap();
        let b = ScratchDir::new_in(&parent, "quarry-scratch-test-").unwrap();
        assert_ne!(a.path(), b.path());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(a.path().metadata().unwrap().permissions().mode() & 0o777, 0o700);
        std::fs::write(a.path().join("file"), "x").unwrap();
        let path = a.path().to_path_buf();
        drop(a);
        assert!(!path.exists());
        let kept = b.keep();
        assert!(kept.is_dir());
        std::fs::remove_dir_all(kept).unwrap();
        assert!(writable(&parent));
        assert!(!writable(&parent.join("quarry-no-such-folder-for-the-probe")));
    }
}
