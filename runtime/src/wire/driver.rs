//! What drives a [`super::Connection`]'s socket: it writes the requests callers queue, reads
//! the server's messages and hands each to the call waiting for it.
//!
//! Who drives: the call waiting for an answer, when it can take the driver (`try_lock`) — the
//! answer then reaches its task straight from the socket, without a hop through another task;
//! otherwise, and whenever no call is waiting, a background task. A call that stops driving
//! while work is left (it finished, or its future was dropped) wakes the background task,
//! which takes the socket's wake-ups back.
//!
//! Every request is a run of *units* ending with a Sync (or a simple `Query`), so the server
//! answers each unit in order and the task matches answers to units first-in, first-out. A
//! pipeline is one request holding many units and one Sync: after an `ErrorResponse` the server
//! skips every message up to that Sync, so the units between fail at once with
//! [`ErrorKind::PipelineAborted`](crate::ErrorKind::PipelineAborted) naming the call that
//! failed — nothing waits for answers that will never come. A call that completed hears so only
//! when its Sync is answered: outside a transaction a later failure rolls it back.
//!
//! Backpressure: a call's rows go through a bounded channel; when the caller is slow to read,
//! the driver stops reading the socket, and the server stops sending. (How much is queued for
//! writing is bounded by the callers: a batch keeps one chunk in flight.)

use super::call::CallSender;
use super::server_error::ServerError;
use super::socket::Socket;
use super::units::{Description, Event, Fields, Label, Request, RowBuf, Shared, SyncFailure, Unit};
use crate::error::Error;
use bytes::{Buf, BytesMut};
use fallible_iterator::FallibleIterator;
use futures_util::task::AtomicWaker;
use postgres_protocol::message::backend::{DataRowBody, Message};
use postgres_protocol::message::frontend;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How much one read takes from the socket at most.
const READ_CHUNK: usize = 64 * 1024;
/// Rows a call receives at once while its statement still runs (a large result).
const ROWS_PER_EVENT: usize = 256;

/// A call whose statement completed, waiting for its pipeline's Sync.
struct Completed {
    events: CallSender,
    rows: RowBuf,
    affected: u64,
}

/// The driver, shared by the calls that drive it and the background task.
pub(crate) struct DriverCell {
    driver: Mutex<Driver>,
    background: AtomicWaker,
}

impl DriverCell {
    pub(crate) fn new(driver: Driver) -> Arc<Self> {
        Arc::new(DriverCell {
            driver: Mutex::new(driver),
            background: AtomicWaker::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Driver> {
        self.driver.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `request`; `background` wakes the background task to write it (for requests no
    /// call will drive: descriptions, simple queries, closes). `Err` once the connection ended.
    pub(crate) fn send(&self, request: Request, background: bool) -> Result<(), ()> {
        {
            let mut driver = self.lock();
            if driver.finished {
                return Err(());
            }
            driver.queue(request);
        }
        if background {
            self.background.wake();
        }
        Ok(())
    }

    /// Drives the connection from a waiting call's task, unless someone else is driving it.
    pub(crate) fn drive(&self, cx: &mut Context<'_>) {
        if let Ok(mut driver) = self.driver.try_lock() {
            driver.advance(cx);
        }
    }

    /// A call stops driving: the background task takes over if work is left.
    pub(crate) fn hand_back(&self) {
        let idle = self.driver.try_lock().is_ok_and(|driver| driver.idle());
        if !idle {
            self.background.wake();
        }
    }

    /// No more requests will come (the connection was dropped): Terminate once idle.
    pub(crate) fn finish(&self) {
        self.lock().requests_done = true;
        self.background.wake();
    }
}

impl std::fmt::Debug for DriverCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriverCell").finish_non_exhaustive()
    }
}

/// The background task: drives the connection whenever woken, until it ends.
pub(crate) struct Background(pub(crate) Arc<DriverCell>);

impl Future for Background {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.background.register(cx.waker());
        match self.0.lock().advance(cx) {
            true => Poll::Ready(()),
            false => Poll::Pending,
        }
    }
}

/// The connection's protocol state and buffers.
pub(crate) struct Driver {
    socket: Socket,
    /// No more requests will be queued.
    requests_done: bool,
    /// The connection ended; calls fail at once.
    finished: bool,
    units: VecDeque<Unit>,
    /// Calls completed since the last Sync, told at the Sync.
    completed: VecDeque<Completed>,
    /// The outcome of the Sync being answered, while `completed` is told.
    sync_outcome: Option<Result<(), SyncFailure>>,
    write: BytesMut,
    unflushed: bool,
    read: BytesMut,
    scratch: Box<[u8]>,
    /// A message whose call's channel was full, handled again on the next poll.
    stalled: Option<Message>,
    /// The call whose error the server is skipping past (up to the next Sync).
    failed: Option<Label>,
    shared: Arc<Shared>,
    terminating: bool,
}

impl Driver {
    pub(crate) fn new(socket: Socket, leftover: BytesMut, shared: Arc<Shared>) -> Self {
        Driver {
            socket,
            requests_done: false,
            finished: false,
            units: VecDeque::new(),
            completed: VecDeque::new(),
            sync_outcome: None,
            write: BytesMut::with_capacity(8 * 1024),
            unflushed: false,
            read: leftover,
            scratch: vec![0; READ_CHUNK].into_boxed_slice(),
            stalled: None,
            failed: None,
            shared,
            terminating: false,
        }
    }

    /// Adds a request's messages and units.
    fn queue(&mut self, request: Request) {
        // Most requests find the buffer empty: they become it, uncopied.
        if self.write.is_empty() {
            self.write = request.bytes;
        } else {
            self.write.extend_from_slice(&request.bytes);
        }
        self.units.extend(request.units);
    }

    /// Nothing to write, nothing awaited.
    fn idle(&self) -> bool {
        self.finished || (self.units.is_empty() && self.write.is_empty() && !self.requests_done)
    }

    /// Moves what it can, wakers registered for `cx`; `true` once the connection has ended.
    fn advance(&mut self, cx: &mut Context<'_>) -> bool {
        if self.finished {
            return true;
        }
        match self.step(cx) {
            Ok(false) => return false,
            Ok(true) => self.close("the connection was closed".into()),
            Err(reason) => {
                tracing::debug!(%reason, "quarry connection ended");
                self.close(reason);
            }
        }
        true
    }

    /// Moves every byte and message it can; `Ok(true)` once the connection is finished.
    fn step(&mut self, cx: &mut Context<'_>) -> Result<bool, String> {
        loop {
            let mut progress = self.terminate_when_done();
            progress |= self.write_out(cx)?;
            if self.terminating && self.write.is_empty() && !self.unflushed {
                let _ = Pin::new(&mut self.socket).poll_shutdown(cx);
                return Ok(true);
            }
            if !self.dispatch(cx)? {
                // A caller's channel is full: read nothing more until it drains.
                if !progress {
                    return Ok(false);
                }
                continue;
            }
            match self.read_in(cx)? {
                Some(0) => return Err("the server closed the connection".into()),
                Some(_) => progress = true,
                None => {}
            }
            if !progress {
                return Ok(false);
            }
        }
    }

    /// Once the connection was dropped and every answer is in: Terminate.
    fn terminate_when_done(&mut self) -> bool {
        if self.requests_done && self.units.is_empty() && !self.terminating {
            frontend::terminate(&mut self.write);
            self.terminating = true;
            return true;
        }
        false
    }

    fn write_out(&mut self, cx: &mut Context<'_>) -> Result<bool, String> {
        let mut progress = false;
        while !self.write.is_empty() {
            match Pin::new(&mut self.socket).poll_write(cx, &self.write) {
                Poll::Ready(Ok(0)) => return Err("the connection closed while writing".into()),
                Poll::Ready(Ok(n)) => {
                    self.write.advance(n);
                    self.unflushed = true;
                    progress = true;
                }
                Poll::Ready(Err(e)) => return Err(format!("cannot write to the server: {e}")),
                Poll::Pending => break,
            }
        }
        if self.unflushed && self.write.is_empty() {
            match Pin::new(&mut self.socket).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(e)) => return Err(format!("cannot write to the server: {e}")),
                Poll::Pending => {}
            }
        }
        Ok(progress)
    }

    /// Reads what the socket has: `Some(0)` at end of stream, `None` when nothing is there.
    fn read_in(&mut self, cx: &mut Context<'_>) -> Result<Option<usize>, String> {
        let mut buf = ReadBuf::new(&mut self.scratch);
        match Pin::new(&mut self.socket).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len();
                self.read.extend_from_slice(buf.filled());
                Ok(Some(n))
            }
            Poll::Ready(Err(e)) => Err(format!("cannot read from the server: {e}")),
            Poll::Pending => Ok(None),
        }
    }

    /// Hands every complete message read so far to its unit; `false` when a caller's channel
    /// is full (the message waits in `stalled`).
    fn dispatch(&mut self, cx: &mut Context<'_>) -> Result<bool, String> {
        loop {
            let message = match self.stalled.take() {
                Some(message) => message,
                None => match Message::parse(&mut self.read) {
                    Ok(Some(message)) => message,
                    Ok(None) => return Ok(true),
                    Err(e) => return Err(format!("malformed message from the server: {e}")),
                },
            };
            if let Some(message) = self.handle(message, cx)? {
                self.stalled = Some(message);
                return Ok(false);
            }
        }
    }

    /// Handles one message; gives it back when a call's channel is full.
    fn handle(&mut self, message: Message, cx: &mut Context<'_>) -> Result<Option<Message>, String> {
        let message = match message {
            Message::NoticeResponse(body) => {
                if let Ok(notice) = ServerError::parse(body.fields()) {
                    tracing::debug!(severity = %notice.severity, code = notice.code.code(), "{}", notice.message);
                }
                return Ok(None);
            }
            Message::NotificationResponse(body) => {
                // No LISTEN on this driver yet (docs/pipelines.md): a NOTIFY for a channel
                // someone LISTENed to through `batch_execute` is logged, not delivered.
                tracing::debug!(channel = body.channel().unwrap_or(""), "notification dropped");
                return Ok(None);
            }
            Message::ParameterStatus(_) => return Ok(None),
            message => message,
        };
        let Some(unit) = self.units.front_mut() else {
            return match message {
                Message::ErrorResponse(body) => {
                    Err(ServerError::parse(body.fields()).map_or_else(|e| e.to_string(), |error| error.to_string()))
                }
                _ => Err("the server sent a message no request asked for".into()),
            };
        };
        match unit {
            Unit::Exec { .. } => return self.exec(message, cx),
            Unit::Sync { .. } => return self.sync(message, cx),
            Unit::Describe { reply, params } => match message {
                Message::ParseComplete => {}
                Message::ParameterDescription(body) => {
                    *params = body.parameters().collect().map_err(|e| e.to_string())?;
                }
                Message::RowDescription(_) | Message::NoData => {
                    let columns = match &message {
                        Message::RowDescription(body) => fields(body)?,
                        _ => Vec::new(),
                    };
                    let params = std::mem::take(params);
                    if let Some(reply) = reply.take() {
                        let _ = reply.send(Ok(Description { params, columns }));
                    }
                    self.units.pop_front();
                }
                Message::ErrorResponse(body) => {
                    let error = ServerError::parse(body.fields()).map_err(|e| e.to_string())?;
                    if let Some(reply) = reply.take() {
                        let _ = reply.send(Err(Error::server(None, error)));
                    }
                    self.fail_and_skip("preparing a statement");
                }
                other => return Err(unexpected(&other)),
            },
            Unit::Close => match message {
                Message::CloseComplete => {
                    self.units.pop_front();
                }
                Message::ErrorResponse(_) => self.fail_and_skip("closing a statement"),
                other => return Err(unexpected(&other)),
            },
            Unit::Simple { reply, rows, error } => match message {
                Message::RowDescription(_)
                | Message::CommandComplete(_)
                | Message::EmptyQueryResponse
                | Message::CopyOutResponse(_)
                | Message::CopyData(_)
                | Message::CopyDone => {}
                Message::DataRow(row) => rows.push(text_row(&row)?),
                Message::CopyInResponse(_) => {
                    frontend::copy_fail("COPY FROM STDIN is not supported here", &mut self.write)
                        .map_err(|e| e.to_string())?;
                }
                Message::ErrorResponse(body) => {
                    let parsed = ServerError::parse(body.fields()).map_err(|e| e.to_string())?;
                    error.get_or_insert(Box::new(parsed));
                }
                Message::ReadyForQuery(body) => {
                    self.shared.status.store(body.status(), Ordering::Release);
                    let result = match error.take() {
                        Some(error) => Err(Error::server(None, *error)),
                        None => Ok(std::mem::take(rows)),
                    };
                    if let Some(reply) = reply.take() {
                        let _ = reply.send(result);
                    }
                    self.units.pop_front();
                }
                other => return Err(unexpected(&other)),
            },
        }
        Ok(None)
    }

    /// A message for the call at the front: rows are kept (sent ahead in batches when many);
    /// at its end the call waits for the Sync in `completed`.
    fn exec(&mut self, message: Message, cx: &mut Context<'_>) -> Result<Option<Message>, String> {
        let Some(Unit::Exec { events, label, rows }) = self.units.front_mut() else {
            unreachable!("called for an Exec unit")
        };
        let affected = match message {
            Message::ParseComplete
            | Message::BindComplete
            | Message::NoData
            | Message::ParameterDescription(_)
            | Message::RowDescription(_) => return Ok(None),
            Message::DataRow(row) => {
                if rows.len() >= ROWS_PER_EVENT {
                    match events.poll_ready(cx) {
                        Poll::Pending => return Ok(Some(Message::DataRow(row))),
                        Poll::Ready(Ok(())) => {
                            events.send(Event::Rows(std::mem::take(rows)));
                        }
                        // The caller is gone (dropped its future): its rows are dropped.
                        Poll::Ready(Err(_)) => *rows = RowBuf::Empty,
                    }
                }
                rows.push(row);
                return Ok(None);
            }
            Message::CommandComplete(body) => rows_affected(body.tag().unwrap_or("")),
            Message::EmptyQueryResponse | Message::PortalSuspended => 0,
            Message::ErrorResponse(body) => {
                if events.poll_ready(cx).is_pending() {
                    return Ok(Some(Message::ErrorResponse(body)));
                }
                let error = ServerError::parse(body.fields()).map_err(|e| e.to_string())?;
                self.failed = Some(*label);
                events.send(Event::Failed(Error::server(None, error)));
                self.units.pop_front();
                self.skip_aborted();
                return Ok(None);
            }
            Message::CopyInResponse(_) | Message::CopyOutResponse(_) => {
                return Err("COPY is not supported by quarry::wire::Connection's generated calls".into())
            }
            other => return Err(unexpected(&other)),
        };
        let Some(Unit::Exec { events, rows, .. }) = self.units.pop_front() else {
            unreachable!("the front unit is this Exec")
        };
        self.completed.push_back(Completed { events, rows, affected });
        Ok(None)
    }

    /// The Sync's answer: an error at the implicit commit, then ReadyForQuery, which tells every
    /// call completed since the previous Sync how its pipeline ended.
    fn sync(&mut self, message: Message, cx: &mut Context<'_>) -> Result<Option<Message>, String> {
        let Some(Unit::Sync { error }) = self.units.front_mut() else {
            unreachable!("called for a Sync unit")
        };
        let status = match &message {
            Message::ErrorResponse(body) => {
                *error = Some(Box::new(ServerError::parse(body.fields()).map_err(|e| e.to_string())?));
                return Ok(None);
            }
            Message::ReadyForQuery(body) => body.status(),
            other => return Err(unexpected(other)),
        };
        if self.sync_outcome.is_none() {
            self.shared.status.store(status, Ordering::Release);
            self.sync_outcome = Some(match (error.take(), self.failed.take()) {
                (Some(error), _) => Err(SyncFailure::Server(error)),
                // Outside a transaction the failure rolled back the calls before it.
                (None, Some(label)) if status == b'I' => Err(SyncFailure::RolledBack(label)),
                _ => Ok(()),
            });
        }
        while let Some(call) = self.completed.front_mut() {
            match call.events.poll_ready(cx) {
                Poll::Pending => return Ok(Some(message)),
                Poll::Ready(Ok(())) => {
                    let event = match self.sync_outcome.as_ref().expect("set above") {
                        Ok(()) => Event::Finished {
                            rows: std::mem::take(&mut call.rows),
                            affected: call.affected,
                        },
                        Err(failure) => Event::Failed(failure.to_error()),
                    };
                    call.events.send(event);
                }
                Poll::Ready(Err(_)) => {}
            }
            self.completed.pop_front();
        }
        self.sync_outcome = None;
        self.units.pop_front();
        Ok(None)
    }

    /// A unit failed: it is done, and the server skips what follows up to the next Sync.
    fn fail_and_skip(&mut self, what: &'static str) {
        self.failed = Some(Label { query: what, call: 0 });
        self.units.pop_front();
        self.skip_aborted();
    }

    /// After an error the server skips to the next Sync: the units before it fail now.
    fn skip_aborted(&mut self) {
        let Some(failed) = self.failed else { return };
        while let Some(unit) = self.units.front_mut() {
            match unit {
                Unit::Sync { .. } | Unit::Simple { .. } => return,
                Unit::Exec { events, .. } => {
                    events.send(Event::Failed(Error::pipeline_aborted(&failed.to_string())));
                }
                Unit::Describe { reply, .. } => {
                    if let Some(reply) = reply.take() {
                        let _ = reply.send(Err(Error::pipeline_aborted(&failed.to_string())));
                    }
                }
                Unit::Close => {}
            }
            self.units.pop_front();
        }
    }

    /// Fails every call waiting or queued with the reason the connection ended.
    fn close(&mut self, reason: String) {
        self.finished = true;
        self.shared.closed.store(true, Ordering::Release);
        *self.shared.closed_because.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason.clone());
        let error = || Error::connection(format!("connection lost: {reason}"));
        // A full channel cannot take the error: the dropped sender ends the caller's stream,
        // which reports the connection lost (see `RowStream`).
        for mut call in self.completed.drain(..) {
            call.events.send(Event::Failed(error()));
        }
        for unit in self.units.drain(..) {
            match unit {
                Unit::Exec { mut events, .. } => {
                    events.send(Event::Failed(error()));
                }
                Unit::Describe { reply: Some(reply), .. } => {
                    let _ = reply.send(Err(error()));
                }
                Unit::Simple { reply: Some(reply), .. } => {
                    let _ = reply.send(Err(error()));
                }
                _ => {}
            }
        }
    }
}

fn fields(body: &postgres_protocol::message::backend::RowDescriptionBody) -> Result<Fields, String> {
    body.fields()
        .map(|f| Ok((f.name().to_string(), f.type_oid())))
        .collect()
        .map_err(|e: std::io::Error| e.to_string())
}

fn text_row(row: &DataRowBody) -> Result<Vec<Option<String>>, String> {
    let buffer = row.buffer();
    row.ranges()
        .map(|range| Ok(range.map(|r| String::from_utf8_lossy(&buffer[r]).into_owned())))
        .collect()
        .map_err(|e: std::io::Error| e.to_string())
}

/// The row count at the end of a command tag (`INSERT 0 5`, `UPDATE 3`, `SELECT 2`).
fn rows_affected(tag: &str) -> u64 {
    tag.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

fn unexpected(message: &Message) -> String {
    let name = match message {
        Message::ReadyForQuery(_) => "ReadyForQuery",
        Message::DataRow(_) => "DataRow",
        Message::CommandComplete(_) => "CommandComplete",
        Message::CopyInResponse(_) => "CopyInResponse",
        Message::CopyOutResponse(_) => "CopyOutResponse",
        _ => "a message",
    };
    format!("the server sent {name} where the connection did not expect it (protocol out of step)")
}
