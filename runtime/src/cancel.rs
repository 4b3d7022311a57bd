//! Deadlines and cancellation for any call: [`with_timeout`] cancels the running query on the
//! server when the deadline passes; [`cancel_on_drop`] cancels it when its future is dropped
//! (e.g. the request handler awaiting it was aborted). Both send PostgreSQL's cancel request
//! on a separate connection, as `psql`'s Ctrl-C does.

use crate::error::Error;
use crate::generic::GenericClient;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio_postgres::{CancelToken, NoTls};

/// Runs `call` (a generated function's future on `client`) with a deadline. When it passes,
/// the query is canceled on the server and the error is [`crate::ErrorKind::StatementTimeout`].
pub async fn with_timeout<C, T>(
    client: &C,
    deadline: Duration,
    call: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error>
where
    C: GenericClient + ?Sized,
{
    let token = client.__raw().cancel_token();
    match tokio::time::timeout(deadline, call).await {
        Ok(result) => result,
        Err(_) => {
            // The call's future is dropped; cancel what it left running so the connection is
            // free for the next call.
            let _ = token.cancel_query(NoTls).await;
            Err(Error::timeout(deadline))
        }
    }
}

/// Wraps `call` so that dropping it before it completes cancels its query on the server.
pub fn cancel_on_drop<C, F>(client: &C, call: F) -> CancelOnDrop<F>
where
    C: GenericClient + ?Sized,
    F: Future,
{
    CancelOnDrop {
        call: Box::pin(call),
        token: Some(client.__raw().cancel_token()),
        started: Instant::now(),
    }
}

/// See [`cancel_on_drop`].
#[must_use = "futures do nothing unless awaited"]
pub struct CancelOnDrop<F> {
    call: Pin<Box<F>>,
    token: Option<CancelToken>,
    started: Instant,
}

impl<F: Future> Future for CancelOnDrop<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let output = self.call.as_mut().poll(cx);
        if output.is_ready() {
            self.token = None;
        }
        output
    }
}

impl<F> Drop for CancelOnDrop<F> {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    let _ = token.cancel_query(NoTls).await;
                });
            }
        }
    }
}

impl<F> std::fmt::Debug for CancelOnDrop<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelOnDrop")
            .field("running_for", &self.started.elapsed())
            .finish_non_exhaustive()
    }
}

/// For readiness probes: `SELECT 1` within `deadline` (canceled past it); returns the round
/// trip time.
pub async fn health_check<C>(client: &C, deadline: Duration) -> Result<Duration, Error>
where
    C: GenericClient + ?Sized,
{
    let started = Instant::now();
    let probe = async { client.__raw().simple_query("SELECT 1").await.map_err(Error::from) };
    with_timeout(client, deadline, probe).await?;
    Ok(started.elapsed())
}
