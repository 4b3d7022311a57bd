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
    if let Some(connection) = client.__wire() {
        let token = connection.cancel_token();
        return match tokio::time::timeout(deadline, call).await {
            Ok(result) => result,
            Err(_) => {
                // The request waits for the server to act; the barrier absorbs a late signal.
                let _ = tokio::time::timeout(BARRIER_WAIT, token.cancel()).await;
                let _ = tokio::time::timeout(BARRIER_WAIT, connection.batch_execute("SELECT 1")).await;
                Err(Error::timeout(deadline))
            }
        };
    }
    let token = client.__raw()?.cancel_token();
    match tokio::time::timeout(deadline, call).await {
        Ok(result) => result,
        Err(_) => {
            // The call's future is dropped; cancel what it left running so the connection is
            // free for the next call.
            cancel(client, &token).await;
            Err(Error::timeout(deadline))
        }
    }
}

/// Cancels what runs on `client`'s connection, so that the cancel cannot land on the caller's
/// next statement instead.
///
/// PostgreSQL acts on a cancel request in a process of its own, after tokio-postgres'
/// `cancel_query` has already returned (it writes the request and closes; libpq waits for the
/// server to close first). A call that finished meanwhile — or whose statement never ran,
/// dropped during its prepare — leaves the signal to hit whatever runs next. So, when quarry
/// knows the server's address, the request waits for the server to close the cancel
/// connection (the signal is then sent), and then a barrier statement gives a signal that
/// arrived late, or was held off, somewhere to land.
pub(crate) async fn cancel<C>(client: &C, token: &CancelToken)
where
    C: GenericClient + ?Sized,
{
    send_cancel(token, server_of(client).map(|server| &**server)).await;
    // Bounded: on a stalled or dead connection the barrier would wait as long as the network.
    if let Ok(raw) = client.__raw() {
        let _ = tokio::time::timeout(BARRIER_WAIT, absorb_cancel(raw)).await;
    }
}

/// How long the cancel request and the barrier after it may take each: on a healthy server
/// milliseconds; past this the connection is the problem, which the next call will report.
pub(crate) const BARRIER_WAIT: Duration = Duration::from_secs(1);

/// Where `client`'s server is, if quarry opened the connection.
pub(crate) fn server_of<C>(client: &C) -> Option<&std::sync::Arc<tokio_postgres::Config>>
where
    C: GenericClient + ?Sized,
{
    let cache = client.__cache().or_else(|| client.__unnamed().map(|(cache, _)| cache));
    cache.and_then(|c| c.server.get())
}

/// The cancel request, waiting for the server to act on it when its address is known.
pub(crate) async fn send_cancel(token: &CancelToken, server: Option<&tokio_postgres::Config>) {
    if let Some(server) = server {
        let sent = tokio::time::timeout(BARRIER_WAIT, cancel_and_wait(token, server)).await;
        if matches!(sent, Ok(true)) {
            return;
        }
    }
    let _ = token.cancel_query(NoTls).await;
}

/// Sends the cancel request to the first of `server`'s hosts that answers and waits for the
/// server to close the connection; `false` when no host could be reached.
async fn cancel_and_wait(token: &CancelToken, server: &tokio_postgres::Config) -> bool {
    use tokio_postgres::config::Host;
    let ports = server.get_ports();
    for (i, host) in server.get_hosts().iter().enumerate() {
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let sent = match host {
            Host::Tcp(name) => match tokio::net::TcpStream::connect((name.as_str(), port)).await {
                Ok(stream) => token.cancel_query_raw(WaitForClose(stream), NoTls).await.is_ok(),
                Err(_) => continue,
            },
            #[cfg(unix)]
            Host::Unix(dir) => match tokio::net::UnixStream::connect(dir.join(format!(".s.PGSQL.{port}"))).await {
                Ok(stream) => token.cancel_query_raw(WaitForClose(stream), NoTls).await.is_ok(),
                Err(_) => continue,
            },
        };
        if sent {
            return true;
        }
    }
    false
}

/// A stream whose shutdown also waits for the other side to close: for a cancel connection,
/// the server closes once it has acted on the request.
struct WaitForClose<S>(S);

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WaitForClose<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WaitForClose<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        std::task::ready!(Pin::new(&mut self.0).poll_shutdown(cx))?;
        // Read to the end: the server sends nothing and closes when done.
        let mut byte = [0u8; 1];
        loop {
            let mut buf = tokio::io::ReadBuf::new(&mut byte);
            std::task::ready!(Pin::new(&mut self.0).poll_read(cx, &mut buf))?;
            if buf.filled().is_empty() {
                return Poll::Ready(Ok(()));
            }
        }
    }
}

/// After a cancel request: a statement of its own for the cancel to land on, should it arrive
/// when the canceled call had already finished (or not yet started its query, a prepare still
/// under way) — else it would cancel the caller's next statement. One canceled barrier
/// consumes it; errors other than a cancel (an aborted transaction's, a closed connection's)
/// are the next call's to see.
pub(crate) async fn absorb_cancel(client: &tokio_postgres::Client) {
    for _ in 0..2 {
        match client.simple_query("SELECT 1").await {
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::QUERY_CANCELED) => continue,
            _ => return,
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
        token: match client.__wire() {
            Some(connection) => Some(Canceler::Wire(connection.cancel_token())),
            None => client.__raw().ok().map(|raw| Canceler::Tokio(raw.cancel_token())),
        },
        started: Instant::now(),
    }
}

/// What cancels a call: a tokio-postgres token or one of quarry's driver.
enum Canceler {
    Tokio(CancelToken),
    Wire(crate::wire::CancelToken),
}

/// See [`cancel_on_drop`].
#[must_use = "futures do nothing unless awaited"]
pub struct CancelOnDrop<F> {
    call: Pin<Box<F>>,
    token: Option<Canceler>,
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
                    match token {
                        Canceler::Tokio(token) => drop(token.cancel_query(NoTls).await),
                        Canceler::Wire(token) => drop(token.cancel().await),
                    }
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
    let probe = async {
        match client.__wire() {
            Some(connection) => connection.batch_execute("SELECT 1").await,
            None => client
                .__raw()?
                .simple_query("SELECT 1")
                .await
                .map(drop)
                .map_err(Error::from),
        }
    };
    with_timeout(client, deadline, probe).await?;
    Ok(started.elapsed())
}
