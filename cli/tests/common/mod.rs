//! Helpers shared by the CLI's test binaries.

use std::process::Command;

/// Runs `cargo quarry generate --out out` in `dir` with `extra` arguments; returns the exit
/// code and stderr.
pub(crate) fn generate_in(dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, String) {
    let run = Command::new(env!("CARGO_BIN_EXE_cargo-quarry"))
        .args(["quarry", "generate", "--out", "out"])
        .args(extra)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (run.status.code(), String::from_utf8_lossy(&run.stderr).into_owned())
}
