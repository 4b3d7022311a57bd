//! True pipelines: the calls of one [`quarry::pipeline!`](crate::pipeline) (or one chunk of a
//! `:batch*` function) on a [`super::Connection`] are written as one request — each call's
//! Bind + Execute, then a single Sync — once every call has been encoded.
//!
//! Each call owns a *slot*, in call order: the macro numbers them; a batch hands them out in
//! the order its calls are first polled, which is the order they were created (`join_all`
//! polls in order). A call fills its slot when its messages are encoded (after describing its
//! statement if this connection has not seen it, in a round trip of its own, before anything of
//! the pipeline is sent); a call that has nothing to send (another client, an encoding error,
//! a dropped future) settles its slot empty. When the last slot settles, the pipeline is sent.

use super::connection::{encode_call, Connection, Prepared, CALL_BYTES};
use super::driver::DriverCell;
use super::row::RowStream;
use super::units::{Request, Shared, Unit};
use crate::error::Error;
use crate::generic::{sealed, GenericClient};
use crate::query::Query;
use crate::rows::Rows;
use bytes::BytesMut;
use postgres_protocol::message::frontend;
use postgres_types::ToSql;
use std::sync::{Arc, Mutex};

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

// Unboxed: a slot is filled once per call, and a box would be one more allocation per call.
#[allow(clippy::large_enum_variant)]
enum Slot {
    Open,
    Empty,
    /// The call's messages, its answer's unit, and its statement, held until the pipeline is
    /// queued (so that the statement's Close cannot overtake it).
    Filled(BytesMut, Unit, Arc<Prepared>),
}

struct Segment {
    /// The connection the pipeline runs on: the first one a call brings.
    target: Option<Arc<Shared>>,
    slots: Vec<Slot>,
    /// The next slot handed out in order (batches).
    next: usize,
    open: usize,
    /// Where the finished request goes.
    sender: Option<Arc<DriverCell>>,
}

impl Segment {
    fn new(calls: usize) -> Self {
        Segment {
            target: None,
            slots: (0..calls).map(|_| Slot::Open).collect(),
            next: 0,
            open: calls,
            sender: None,
        }
    }
}

/// The calls of one pipeline, collected until the last is encoded. Built by
/// [`quarry::pipeline!`](crate::pipeline) and by `:batch*` functions.
#[doc(hidden)]
pub struct PipelineScope {
    segment: Mutex<Segment>,
}

impl std::fmt::Debug for PipelineScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineScope").finish_non_exhaustive()
    }
}

impl PipelineScope {
    /// A pipeline of `calls` calls.
    pub fn new(calls: usize) -> Self {
        PipelineScope {
            segment: Mutex::new(Segment::new(calls)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Segment> {
        self.segment.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the next pipeline (a batch's next chunk) of `calls` calls.
    pub(crate) fn begin(&self, calls: usize) {
        *self.lock() = Segment::new(calls);
    }

    /// Claims `slot` (or the next in order) for a call on `connection`: `None` when the
    /// pipeline already runs on another connection (the call then settles its slot empty and
    /// runs on its own).
    fn claim(&self, slot: Option<usize>, connection: &Connection) -> Option<usize> {
        let mut segment = self.lock();
        let slot = slot.unwrap_or_else(|| {
            segment.next += 1;
            segment.next - 1
        });
        if slot >= segment.slots.len() {
            return None;
        }
        match &segment.target {
            Some(target) if !Arc::ptr_eq(target, &connection.shared) => return None,
            Some(_) => {}
            None => {
                segment.target = Some(connection.shared.clone());
                segment.sender = Some(connection.cell.clone());
            }
        }
        Some(slot)
    }

    /// Settles `slot`; the last one sends the pipeline.
    pub(crate) fn settle(&self, slot: usize, filled: Option<(BytesMut, Unit, Arc<Prepared>)>) {
        let mut segment = self.lock();
        let Some(entry) = segment.slots.get_mut(slot) else {
            return;
        };
        if !matches!(entry, Slot::Open) {
            return;
        }
        *entry = match filled {
            Some((bytes, unit, prepared)) => Slot::Filled(bytes, unit, prepared),
            None => Slot::Empty,
        };
        segment.open -= 1;
        if segment.open == 0 {
            send(&mut segment);
        }
    }

    /// Settles `slot` empty if its call never used it.
    pub fn settle_unused(&self, slot: usize) {
        self.settle(slot, None);
    }
}

fn send(segment: &mut Segment) {
    let mut bytes = BytesMut::new();
    let mut units = Vec::with_capacity(segment.slots.len() + 1);
    let mut statements = Vec::with_capacity(segment.slots.len());
    for slot in segment.slots.drain(..) {
        if let Slot::Filled(call, unit, prepared) = slot {
            bytes.unsplit(call);
            units.push(unit);
            statements.push(prepared);
        }
    }
    let (Some(sender), false) = (segment.sender.take(), units.is_empty()) else {
        return;
    };
    frontend::sync(&mut bytes);
    units.push(Unit::Sync { error: None });
    // Written by the calls themselves, which drive the connection while they wait; a closed
    // connection fails each call through its dropped channel.
    let _ = sender.send(Request { bytes, units }, false);
    drop(statements);
}

/// Settles a claimed slot empty unless it was filled (a call dropped while describing).
struct Claim<'s> {
    scope: &'s PipelineScope,
    slot: usize,
    settled: bool,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.scope.settle(self.slot, None);
        }
    }
}

/// A client seen through a pipeline: the first statement of each call on a
/// [`Connection`] joins the pipeline; anything else runs as it would on `client`.
#[doc(hidden)]
pub struct Piped<'s, C: ?Sized> {
    client: &'s C,
    scope: ScopeRef<'s>,
    slot: Option<usize>,
    used: std::sync::atomic::AtomicBool,
}

enum ScopeRef<'s> {
    Owned(PipelineScope),
    Borrowed(&'s PipelineScope),
}

impl<C: ?Sized> std::fmt::Debug for Piped<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Piped")
            .field("slot", &self.slot)
            .finish_non_exhaustive()
    }
}

impl<'s, C: GenericClient + ?Sized> Piped<'s, C> {
    /// Call `slot` of the pipeline `scope` (`quarry::pipeline!`).
    pub fn new(scope: &'s PipelineScope, slot: usize, client: &'s C) -> Self {
        Piped {
            client,
            scope: ScopeRef::Borrowed(scope),
            slot: Some(slot),
            used: false.into(),
        }
    }

    /// The pipeline of a `:batch*` function: slots in the order calls are first polled.
    pub fn batch(client: &'s C) -> Self {
        Piped {
            client,
            scope: ScopeRef::Owned(PipelineScope::new(0)),
            slot: None,
            used: false.into(),
        }
    }

    pub(crate) fn scope(&self) -> &PipelineScope {
        match &self.scope {
            ScopeRef::Owned(scope) => scope,
            ScopeRef::Borrowed(scope) => scope,
        }
    }

    /// Whether calls through this client can be pipelined.
    pub(crate) fn pipelines(&self) -> bool {
        self.client.__wire().is_some()
    }

    async fn pipelined(
        &self,
        connection: &Connection,
        query: &'static Query,
        params: Params<'_>,
    ) -> Option<Result<Rows, Error>> {
        let slot = self.scope().claim(self.slot, connection)?;
        let mut claim = Claim {
            scope: self.scope(),
            slot,
            settled: false,
        };
        let prepared = match connection.prepared(query).await {
            Ok(prepared) => prepared,
            Err(error) => return Some(Err(error)),
        };
        let mut bytes = BytesMut::with_capacity(CALL_BYTES);
        let (unit, events) = match encode_call(&mut bytes, query, &prepared, params, slot) {
            Ok(encoded) => encoded,
            Err(error) => return Some(Err(error)),
        };
        claim.settled = true;
        let columns = prepared.columns.clone();
        self.scope().settle(slot, Some((bytes, unit, prepared)));
        let rows = RowStream::new(events, columns, connection.cell.clone(), query);
        Some(Ok(Rows::Wire { rows }))
    }
}

impl<C: ?Sized> sealed::Sealed for Piped<'_, C> {}

impl<C: GenericClient + ?Sized> GenericClient for Piped<'_, C> {
    async fn __query(&self, query: &'static Query, params: &[&(dyn ToSql + Sync)]) -> Result<Rows, Error> {
        let first = !self.used.swap(true, std::sync::atomic::Ordering::Relaxed) || self.slot.is_none();
        if first {
            if let Some(connection) = self.client.__wire() {
                if let Some(result) = self.pipelined(connection, query, params).await {
                    return result;
                }
            }
            if let Some(slot) = self.slot {
                self.scope().settle(slot, None);
            }
        }
        // Boxed: the calls that take this way are the rare ones, and every call's future would
        // otherwise be as large as the client's own call (moved into the batch's join).
        Box::pin(self.client.__query(query, params)).await
    }

    fn __raw(&self) -> Result<&tokio_postgres::Client, Error> {
        self.client.__raw()
    }

    fn __cache(&self) -> Option<&crate::StatementCache> {
        self.client.__cache()
    }

    fn __unnamed(&self) -> Option<(&crate::StatementCache, bool)> {
        self.client.__unnamed()
    }

    fn __in_transaction(&self) -> bool {
        self.client.__in_transaction()
    }
}

/// Runs one call of `quarry::pipeline!`, then settles its slot if the call never used it.
#[doc(hidden)]
pub async fn in_slot<T>(scope: &PipelineScope, slot: usize, call: impl std::future::Future<Output = T>) -> T {
    struct Settle<'a>(&'a PipelineScope, usize);
    impl Drop for Settle<'_> {
        fn drop(&mut self) {
            self.0.settle_unused(self.1);
        }
    }
    let _settle = Settle(scope, slot);
    call.await
}
