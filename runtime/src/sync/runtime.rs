//! [`Blocker`]: the tokio runtime a blocking object owns, shared with what it lends out.

use crate::error::Error;
use std::future::Future;
use std::sync::Arc;

/// The runtime that drives a blocking object's connections; shared (cheaply cloned) by the
/// transactions, iterators and pooled clients taken from it.
#[derive(Clone)]
pub struct Blocker(Arc<Owned>);

/// The runtime itself. Dropped, it shuts down in the background: a pooled connection may be
/// retired inside the pool's own async code, where a blocking shutdown would panic.
struct Owned(Option<tokio::runtime::Runtime>);

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl Blocker {
    /// A current-thread runtime: the thread that blocks on a call drives the connection.
    pub(crate) fn current_thread() -> Result<Blocker, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        Self::built(runtime)
    }

    /// A runtime with one worker thread, for objects many threads share (pools) or that must
    /// make progress between calls (listeners).
    pub(crate) fn one_worker(name: &str) -> Result<Blocker, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(name)
            .enable_all()
            .build();
        Self::built(runtime)
    }

    fn built(runtime: std::io::Result<tokio::runtime::Runtime>) -> Result<Blocker, Error> {
        runtime
            .map(|r| Blocker(Arc::new(Owned(Some(r)))))
            .map_err(|e| Error::io(format!("cannot start the blocking client's runtime: {e}")))
    }

    /// Runs `future` to completion on this runtime, blocking the calling thread. Panics when
    /// called from inside an async runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime().block_on(future)
    }

    /// Whether both are the same runtime.
    pub(crate) fn same_as(&self, other: &Blocker) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.0 .0.as_ref().expect("the runtime lives until dropped")
    }

    /// Starts `future` on this runtime; it runs while some thread blocks on it (current-thread
    /// runtime) or on the worker.
    pub(crate) fn spawn<F>(&self, future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.runtime().spawn(future)
    }
}

impl std::fmt::Debug for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blocker")
            .field("flavor", &self.runtime().handle().runtime_flavor())
            .finish()
    }
}
