//! The task that owns a [`super::Connection`]'s socket: it writes the requests callers queue,
//! reads the server's messages and hands each to the call waiting for it.
//!
//! Every request is a run of *units* ending with a Sync (or a simple `Query`), so the server
//! answers each unit in order and the task matches answers to units first-in, first-out. A
//! pipeline is one request holding many units and one Sync: after an `ErrorResponse` the server
//! skips every message up to that Sync, so the units between fail at once with
//! [`ErrorKind::PipelineAborted`](crate::ErrorKind::PipelineAborted) naming the call that
//! failed — nothing waits for answers that will never come.
//!
//! Backpressure both ways: requests are taken only while the write buffer is under
//! [`WRITE_HIGH_WATER`], and a call's rows go through a bounded channel; when the caller is
//! slow to read, the task stops reading the socket, and the server stops sending.

use super::server_error::ServerError;
use super::socket::Socket;
use crate::error::Error;
use bytes::{Buf, BytesMut};
use fallible_iterator::FallibleIterator;
use futures_channel::mpsc;
use postgres_protocol::message::backend::{DataRowBody, Message};
use postgres_protocol::message::frontend;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::oneshot;

/// Requests are taken from the queue only while fewer bytes than this wait to be written.
const WRITE_HIGH_WATER: usize = 256 * 1024;
/// How much one read takes from the socket at most.
const READ_CHUNK: usize = 64 * 1024;
/// Rows (and other events) buffered per call before the task waits for the caller.
pub(crate) const EVENT_BUFFER: usize = 128;

/// Messages to write and the units they ask the server to answer.
pub(crate) struct Request {
    pub(crate) bytes: BytesMut,
    pub(crate) units: Vec<Unit>,
}

/// The text rows of a simple-protocol query.
pub(crate) type TextRows = Vec<Vec<Option<String>>>;

/// Result columns as the server describes them: name and type OID.
pub(crate) type Fields = Vec<(String, u32)>;

/// A statement's description: parameter type OIDs and result columns.
#[derive(Debug)]
pub(crate) struct Description {
    pub(crate) params: Vec<u32>,
    pub(crate) columns: Fields,
}

/// What one statement's execution sends its caller.
#[derive(Debug)]
pub(crate) enum Event {
    Row(DataRowBody),
    /// Finished; the rows affected.
    Done(u64),
    Failed(Error),
}

/// One answer the server owes, in the order the messages were written.
pub(crate) enum Unit {
    /// Parse + Describe statement: ParseComplete, ParameterDescription, RowDescription | NoData.
    Describe {
        reply: Option<oneshot::Sender<Result<Description, Error>>>,
        params: Vec<u32>,
    },
    /// [Parse] + Bind + [Describe portal] + Execute: rows until CommandComplete.
    Exec { events: mpsc::Sender<Event>, label: Label },
    /// Sync: ReadyForQuery. An error here (a deferred constraint at the implicit commit) fails
    /// the reply, and so does a failed call before it outside a transaction (the implicit
    /// transaction rolled back every call since the previous Sync).
    Sync {
        reply: Option<oneshot::Sender<Result<(), SyncFailure>>>,
        error: Option<ServerError>,
    },
    /// Close statement: CloseComplete.
    Close,
    /// A simple-protocol `Query`: everything up to ReadyForQuery; text rows are kept.
    Simple {
        reply: Option<oneshot::Sender<Result<TextRows, Error>>>,
        rows: TextRows,
        error: Option<ServerError>,
    },
}

/// Which call a unit belongs to, for the error of the calls a failure aborted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Label {
    pub(crate) query: &'static str,
    /// The call's position in its pipeline (0 for a call of its own).
    pub(crate) call: usize,
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "call #{} (`{}`)", self.call, self.query)
    }
}

/// Why a Sync failed; cloned to every call of the pipeline.
#[derive(Debug, Clone)]
pub(crate) enum SyncFailure {
    /// The implicit commit failed.
    Server(Box<ServerError>),
    /// A call failed outside a transaction, so the implicit transaction rolled back.
    RolledBack(Label),
    /// The connection ended first.
    Lost(String),
}

impl SyncFailure {
    pub(crate) fn into_error(self) -> Error {
        match self {
            SyncFailure::Server(error) => Error::server(None, *error),
            SyncFailure::RolledBack(label) => Error::pipeline_rolled_back(&label.to_string()),
            SyncFailure::Lost(reason) => Error::connection(format!("connection lost: {reason}")),
        }
    }
}

/// A `LISTEN` notification.
pub(crate) type Notification = crate::Notification;

/// What the task and the connection handle share.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Set once the task has ended; calls fail at once.
    pub(crate) closed: AtomicBool,
    /// The transaction status of the last ReadyForQuery: `I`, `T` or `E`.
    pub(crate) status: AtomicU8,
    /// Where notifications go once someone listens.
    pub(crate) notifications: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Notification>>>,
    /// Why the connection closed, for calls made after.
    pub(crate) closed_because: Mutex<Option<String>>,
}

/// The connection task.
pub(crate) struct Driver {
    socket: Socket,
    requests: tokio::sync::mpsc::UnboundedReceiver<Request>,
    requests_done: bool,
    units: VecDeque<Unit>,
    write: BytesMut,
    unflushed: bool,
    read: BytesMut,
    scratch: Box<[u8]>,
    /// A message whose call's channel was full, delivered first on the next poll.
    stalled: Option<Message>,
    /// The call whose error the server is skipping past (up to the next Sync).
    failed: Option<Label>,
    shared: Arc<Shared>,
    terminating: bool,
}

impl Driver {
    pub(crate) fn new(
        socket: Socket,
        leftover: BytesMut,
        requests: tokio::sync::mpsc::UnboundedReceiver<Request>,
        shared: Arc<Shared>,
    ) -> Self {
        Driver {
            socket,
            requests,
            requests_done: false,
            units: VecDeque::new(),
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

    /// Moves every byte and message it can; `Ready(true)` once the connection is finished.
    fn step(&mut self, cx: &mut Context<'_>) -> Result<bool, String> {
        loop {
            let mut progress = self.take_requests(cx);
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

    fn take_requests(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        while !self.requests_done && self.write.len() < WRITE_HIGH_WATER {
            match self.requests.poll_recv(cx) {
                Poll::Ready(Some(request)) => {
                    self.write.extend_from_slice(&request.bytes);
                    self.units.extend(request.units);
                    progress = true;
                }
                Poll::Ready(None) => self.requests_done = true,
                Poll::Pending => break,
            }
        }
        if self.requests_done && self.units.is_empty() && !self.terminating {
            frontend::terminate(&mut self.write);
            self.terminating = true;
            progress = true;
        }
        progress
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

    /// Handles one message; gives it back when its call's channel is full.
    fn handle(&mut self, message: Message, cx: &mut Context<'_>) -> Result<Option<Message>, String> {
        match message {
            Message::NoticeResponse(body) => {
                if let Ok(notice) = ServerError::parse(body.fields()) {
                    tracing::debug!(severity = %notice.severity, code = notice.code.code(), "{}", notice.message);
                }
                return Ok(None);
            }
            Message::NotificationResponse(body) => {
                let notification = Notification {
                    process_id: body.process_id(),
                    channel: body.channel().map_err(|e| e.to_string())?.to_string(),
                    payload: body.message().map_err(|e| e.to_string())?.to_string(),
                };
                if let Some(sender) = &*self.shared.notifications.lock().unwrap_or_else(|e| e.into_inner()) {
                    let _ = sender.send(notification);
                }
                return Ok(None);
            }
            Message::ParameterStatus(_) => return Ok(None),
            _ => {}
        }
        let Some(unit) = self.units.front_mut() else {
            return match message {
                Message::ErrorResponse(body) => {
                    Err(ServerError::parse(body.fields()).map_or_else(|e| e.to_string(), |error| error.to_string()))
                }
                _ => Err("the server sent a message no request asked for".into()),
            };
        };
        match unit {
            Unit::Exec { events, label } => {
                if matches!(
                    message,
                    Message::ParseComplete
                        | Message::BindComplete
                        | Message::NoData
                        | Message::ParameterDescription(_)
                        | Message::RowDescription(_)
                ) {
                    return Ok(None);
                }
                // Room first, so the message is only consumed when its event can be sent.
                let open = match events.poll_ready(cx) {
                    Poll::Ready(ready) => ready.is_ok(),
                    Poll::Pending => return Ok(Some(message)),
                };
                let event = match message {
                    Message::DataRow(row) => Event::Row(row),
                    Message::CommandComplete(body) => Event::Done(rows_affected(body.tag().unwrap_or(""))),
                    Message::EmptyQueryResponse | Message::PortalSuspended => Event::Done(0),
                    Message::ErrorResponse(body) => {
                        let error = ServerError::parse(body.fields()).map_err(|e| e.to_string())?;
                        self.failed = Some(*label);
                        Event::Failed(Error::server(None, error))
                    }
                    Message::CopyInResponse(_) | Message::CopyOutResponse(_) => {
                        return Err("COPY is not supported by quarry::wire::Connection's generated calls".into())
                    }
                    other => return Err(unexpected(&other)),
                };
                let last = matches!(event, Event::Done(_) | Event::Failed(_));
                // A caller that is gone (dropped its future) has its rows read and dropped.
                if open {
                    let _ = events.start_send(event);
                }
                if last {
                    self.units.pop_front();
                    self.skip_aborted();
                }
            }
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
                    self.failed = Some(Label {
                        query: "preparing a statement",
                        call: 0,
                    });
                    self.units.pop_front();
                    self.skip_aborted();
                }
                other => return Err(unexpected(&other)),
            },
            Unit::Sync { reply, error } => match message {
                Message::ErrorResponse(body) => {
                    *error = Some(ServerError::parse(body.fields()).map_err(|e| e.to_string())?);
                }
                Message::ReadyForQuery(body) => {
                    self.shared.status.store(body.status(), Ordering::Release);
                    let result = match (error.take(), self.failed.take()) {
                        (Some(error), _) => Err(SyncFailure::Server(Box::new(error))),
                        (None, Some(label)) if body.status() == b'I' => Err(SyncFailure::RolledBack(label)),
                        _ => Ok(()),
                    };
                    if let Some(reply) = reply.take() {
                        let _ = reply.send(result);
                    }
                    self.units.pop_front();
                }
                other => return Err(unexpected(&other)),
            },
            Unit::Close => match message {
                Message::CloseComplete => {
                    self.units.pop_front();
                }
                Message::ErrorResponse(_) => {
                    self.failed = Some(Label {
                        query: "closing a statement",
                        call: 0,
                    });
                    self.units.pop_front();
                    self.skip_aborted();
                }
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
                    error.get_or_insert(parsed);
                }
                Message::ReadyForQuery(body) => {
                    self.shared.status.store(body.status(), Ordering::Release);
                    let result = match error.take() {
                        Some(error) => Err(Error::server(None, error)),
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

    /// After an error the server skips to the next Sync: the units before it fail now.
    fn skip_aborted(&mut self) {
        let Some(failed) = self.failed else { return };
        while let Some(unit) = self.units.front_mut() {
            match unit {
                Unit::Sync { .. } | Unit::Simple { .. } => return,
                Unit::Exec { events, .. } => {
                    // A full channel cannot hold the error; dropping the sender ends the
                    // caller's stream, which reports the abort (see `RowStream`).
                    let _ = events.try_send(Event::Failed(Error::pipeline_aborted(&failed.to_string())));
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
        self.shared.closed.store(true, Ordering::Release);
        *self.shared.closed_because.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason.clone());
        self.requests.close();
        while let Ok(request) = self.requests.try_recv() {
            self.units.extend(request.units);
        }
        let error = || Error::connection(format!("connection lost: {reason}"));
        for unit in self.units.drain(..) {
            match unit {
                Unit::Exec { mut events, .. } => {
                    let _ = events.try_send(Event::Failed(error()));
                }
                Unit::Describe { reply, .. } => {
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(error()));
                    }
                }
                Unit::Sync { reply, .. } => {
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(SyncFailure::Lost(reason.clone())));
                    }
                }
                Unit::Close => {}
                Unit::Simple { reply, .. } => {
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(error()));
                    }
                }
            }
        }
    }
}

impl Future for Driver {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.step(cx) {
            Ok(false) => Poll::Pending,
            Ok(true) => {
                self.close("the connection was closed".into());
                Poll::Ready(())
            }
            Err(reason) => {
                tracing::debug!(%reason, "quarry connection ended");
                self.close(reason);
                Poll::Ready(())
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
