//! Blocking iterators over the async streams — [`RowIter`] (`:iter`), [`Cursor`] (server-side
//! cursor), [`CopyOutIter`] (binary COPY OUT), [`Listener`] (LISTEN/NOTIFY) — and raw COPY
//! over `std::io`.

use super::runtime::Blocker;
use super::GenericClient;
use crate::error::Error;
use crate::{CopyOutStream, ListenEvent, RowStream};
use futures_util::StreamExt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The rows of an `:iter` query, decoded one at a time as they arrive (constant memory). It
/// borrows the client until dropped.
pub struct RowIter<'c, T> {
    rows: RowStream<T>,
    runtime: &'c Blocker,
}

impl<'c, T> RowIter<'c, T> {
    pub(super) fn new(rows: RowStream<T>, runtime: &'c Blocker) -> Self {
        RowIter { rows, runtime }
    }

    /// For a statement with `RETURNING`, the rows it affected, once the iterator has ended.
    pub fn rows_affected(&self) -> Option<u64> {
        self.rows.rows_affected()
    }
}

impl<T> Iterator for RowIter<'_, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.runtime.block_on(self.rows.next())
    }
}

impl<T> std::fmt::Debug for RowIter<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowIter").field("rows", &self.rows).finish()
    }
}

/// A server-side cursor over an `:iter` query's rows inside a blocking transaction: each
/// [`next_batch`](Cursor::next_batch) is one round trip for up to `batch_size` rows.
pub struct Cursor<'t, T> {
    inner: crate::Cursor<'t, T>,
    runtime: &'t Blocker,
}

impl<'t, T> Cursor<'t, T> {
    pub(super) fn new(inner: crate::Cursor<'t, T>, runtime: &'t Blocker) -> Self {
        Cursor { inner, runtime }
    }

    /// The next rows, at most `batch_size`; an empty `Vec` once the cursor is exhausted.
    pub fn next_batch(&mut self) -> Result<Vec<T>, Error> {
        self.runtime.block_on(self.inner.next_batch())
    }
}

impl<T> std::fmt::Debug for Cursor<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cursor").field("inner", &self.inner).finish()
    }
}

/// The rows of an `:iter` query's `_copy_out` companion, through binary `COPY (…) TO STDOUT`,
/// decoded as they arrive.
pub struct CopyOutIter<'c, T> {
    rows: CopyOutStream<T>,
    runtime: &'c Blocker,
}

impl<'c, T> CopyOutIter<'c, T> {
    pub(super) fn new(rows: CopyOutStream<T>, runtime: &'c Blocker) -> Self {
        CopyOutIter { rows, runtime }
    }
}

impl<T> Iterator for CopyOutIter<'_, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.runtime.block_on(self.rows.next())
    }
}

impl<T> std::fmt::Debug for CopyOutIter<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyOutIter").field("rows", &self.rows).finish()
    }
}

/// LISTEN on a dedicated connection, blocking: [`recv`](Listener::recv) waits for the next
/// event. Its worker thread keeps receiving (and reconnecting) between calls, so nothing is
/// lost while the caller is busy. See [`crate::Listener`].
#[derive(Debug)]
pub struct Listener {
    inner: crate::Listener,
    runtime: Blocker,
}

impl Listener {
    /// Connects and LISTENs on every channel; later disconnections are retried forever and
    /// reported as [`ListenEvent::Reconnected`].
    pub fn connect(config: &str, channels: &[&str]) -> Result<Listener, Error> {
        let runtime = Blocker::one_worker("quarry-listener")?;
        let inner = runtime.block_on(crate::Listener::connect(config, channels))?;
        Ok(Listener { inner, runtime })
    }

    /// Waits for the next event.
    pub fn recv(&mut self) -> Option<ListenEvent> {
        self.runtime.block_on(self.inner.next())
    }

    /// Waits up to `timeout` for the next event; `None` when none came.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<ListenEvent> {
        let next = self.inner.next();
        self.runtime
            .block_on(async { tokio::time::timeout(timeout, next).await })
            .ok()
            .flatten()
    }
}

impl Iterator for Listener {
    type Item = ListenEvent;

    fn next(&mut self) -> Option<ListenEvent> {
        self.recv()
    }
}

/// Raw `COPY … FROM STDIN` in any format, reading `reader` (see [`crate::copy::copy_in_raw`]).
pub fn copy_in_raw<C, R>(client: &C, sql: &str, reader: R) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
    R: std::io::Read + Unpin,
{
    let (inner, runtime) = client.__split();
    runtime.block_on(crate::copy::copy_in_raw(inner, sql, Blocking(reader)))
}

/// Raw `COPY … TO STDOUT` in any format, into `writer` (see [`crate::copy::copy_out_raw`]).
pub fn copy_out_raw<C, W>(client: &C, sql: &str, writer: W) -> Result<u64, Error>
where
    C: GenericClient + ?Sized,
    W: std::io::Write + Unpin,
{
    let (inner, runtime) = client.__split();
    runtime.block_on(crate::copy::copy_out_raw(inner, sql, Blocking(writer)))
}

/// A `std::io` reader or writer seen as a tokio one. Its calls block, which is what the caller
/// asked for: the future runs inside `block_on` on the caller's own thread.
struct Blocking<T>(T);

impl<R: std::io::Read + Unpin> tokio::io::AsyncRead for Blocking<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = self.0.read(buf.initialize_unfilled())?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<W: std::io::Write + Unpin> tokio::io::AsyncWrite for Blocking<W> {
    fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.0.write(buf))
    }

    fn poll_flush(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.0.flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_flush(cx)
    }
}
