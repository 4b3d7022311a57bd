//! Where the throwaway cluster lives and how it is created quickly.
//!
//! - **Location**: `$QUARRY_TMPDIR` if set; else `/dev/shm` when it is a writable tmpfs with at
//!   least 1 GiB free (a cluster's thousand small files are created ~10× faster in memory than
//!   on a disk file system: `initdb` 0.8 s instead of 1.8 s on the CI machine); else the
//!   system temporary folder.
//! - **Template**: the first `initdb` for a given set of server binaries is copied to
//!   `quarry-initdb-<uid>-<hash>` in that location; later servers copy the template
//!   (`cp -a`, ~70 ms in tmpfs) instead of running `initdb`. The template is a pristine,
//!   empty cluster (trust authentication, readable only by the server's account), keyed by
//!   the binaries' folder, `initdb`'s size and modification time, and the options.
//!   `QUARRY_INITDB_CACHE=0` turns it off.

use super::EmbeddedError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The options every cluster is created with.
const INITDB_ARGS: [&str; 7] = [
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C",
    "--no-sync",
    "--no-instructions",
    "-U",
    super::SUPERUSER,
];

/// Free space below which `/dev/shm` is not used (Docker's default is only 64 MiB).
const MIN_SHM_FREE: u64 = 1 << 30;

/// The folder the server's temporary folder is created in.
pub(super) fn base_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("QUARRY_TMPDIR") {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    if free_space(shm).is_some_and(|free| free >= MIN_SHM_FREE) && writable(shm) {
        return shm.to_path_buf();
    }
    std::env::temp_dir()
}

// The statvfs fields are u64 on 64-bit Linux but narrower elsewhere.
#[allow(clippy::useless_conversion)]
fn free_space(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `stat` is a valid out-pointer.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some(u64::from(stat.f_bavail) * u64::from(stat.f_frsize))
}

fn writable(dir: &Path) -> bool {
    super::scratch::writable(dir)
}

/// Creates a fresh cluster at `data`: a copy of the template when there is one, else
/// `initdb` (and the result becomes the template). Returns whether the template was used.
pub(super) fn create(bin: &Path, data: &Path, cwd: &Path, account: Option<(u32, u32)>) -> Result<bool, EmbeddedError> {
    let template = template_dir(bin);
    if let Some(template) = &template {
        if template.join(COMPLETE).is_file() {
            if copy_tree(&template.join("data"), data) {
                return Ok(true);
            }
            let _ = std::fs::remove_dir_all(data);
        }
    }
    run_initdb(bin, data, cwd, account)?;
    if let Some(template) = template {
        save_template(data, &template, account);
    }
    Ok(false)
}

/// Marks a template whose copy finished.
const COMPLETE: &str = "complete";

fn template_dir(bin: &Path) -> Option<PathBuf> {
    if std::env::var("QUARRY_INITDB_CACHE").is_ok_and(|v| v == "0") {
        return None;
    }
    let initdb = bin.join("initdb").metadata().ok()?;
    let modified = initdb.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    let key = format!(
        "{}|{}|{}|{}",
        bin.display(),
        initdb.len(),
        modified.as_nanos(),
        INITDB_ARGS.join(" ")
    );
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    Some(base_dir().join(format!("quarry-initdb-{uid}-{}", crate::hash::fnv_hex(&key))))
}

/// Copies the new cluster (before the server ever starts in it) into the template folder,
/// through a private temporary name and a rename, so concurrent builds never see half a
/// template. Best effort: failure only costs the next run an `initdb`.
fn save_template(data: &Path, template: &Path, account: Option<(u32, u32)>) {
    let Some(parent) = template.parent() else { return };
    let Ok(staging) = super::scratch::ScratchDir::new_in(parent, ".quarry-initdb-") else {
        return;
    };
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(0o700));
    if let Some((uid, gid)) = account {
        let _ = std::os::unix::fs::chown(staging.path(), Some(uid), Some(gid));
    }
    if !copy_tree(data, &staging.path().join("data")) || std::fs::write(staging.path().join(COMPLETE), "").is_err() {
        return;
    }
    let staging = staging.keep();
    if std::fs::rename(&staging, template).is_err() {
        // Another process saved the same template first.
        let _ = std::fs::remove_dir_all(&staging);
    }
}

/// `cp -a`: keeps modes and, when run as root, the server account's ownership.
fn copy_tree(from: &Path, to: &Path) -> bool {
    Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .is_ok_and(|s| s.success())
}

fn run_initdb(bin: &Path, data: &Path, cwd: &Path, account: Option<(u32, u32)>) -> Result<(), EmbeddedError> {
    let mut command = Command::new(bin.join("initdb"));
    command.args(INITDB_ARGS).arg("-D").arg(data);
    super::run_tool(command, "initdb", account, cwd)
}
