//! Progress reports from a long generation run, for the CLI's progress bar. build.rs never
//! installs a listener, so reporting costs a branch.

use std::fmt;
use std::sync::Arc;

/// A step of generation, reported to the listener set with
/// [`Config::on_progress`](crate::Config::on_progress).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// Starting the embedded throwaway PostgreSQL.
    StartingServer,
    /// Loading schema file `index` (0-based) of `total` into it.
    LoadingSchema {
        /// Files already loaded.
        index: usize,
        /// Schema files in all.
        total: usize,
    },
    /// Preparing the queries: `done` of `total` have been described by the server.
    Preparing {
        /// Queries prepared so far.
        done: usize,
        /// Queries in all.
        total: usize,
    },
}

/// A shareable listener (the `Config` stays `Clone` and `Debug`).
#[derive(Clone, Default)]
pub struct Listener(Option<Arc<dyn Fn(Progress) + Send + Sync>>);

impl Listener {
    /// Wraps a callback.
    pub fn new(f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        Listener(Some(Arc::new(f)))
    }

    /// Reports a step, if anyone listens.
    pub fn report(&self, step: Progress) {
        if let Some(f) = &self.0 {
            f(step);
        }
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Listener(Some)"
        } else {
            "Listener(None)"
        })
    }
}
