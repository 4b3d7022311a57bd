//! The channel from the connection's driver to one call: one allocation per call (a general
//! channel costs a few, plus one per message), bounded for backpressure, and closed from
//! either end.

use super::units::Event;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// Events a call may have waiting before the driver stops reading for it.
const CAPACITY: usize = 16;

#[derive(Default)]
struct State {
    /// The first event waiting, then the rest: most calls get one event, and need no queue.
    first: Option<Event>,
    events: VecDeque<Event>,
    /// The call waiting for an event.
    reader: Option<Waker>,
    /// The driver waiting for room.
    writer: Option<Waker>,
    /// The driver let go: no more events.
    closed: bool,
    /// The call let go (its future was dropped): events are dropped.
    gone: bool,
}

#[derive(Default)]
struct Shared(Mutex<State>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A new channel: the driver's end and the call's.
pub(crate) fn channel() -> (CallSender, CallReceiver) {
    let shared = Arc::new(Shared::default());
    (CallSender(shared.clone()), CallReceiver(shared))
}

/// The driver's end.
pub(crate) struct CallSender(Arc<Shared>);

impl CallSender {
    /// Whether an event can be sent now: `Ready(Err(()))` once the call is gone (its events
    /// would be dropped), `Pending` (the driver woken later) while the call has a full buffer.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ()>> {
        let mut state = self.0.lock();
        if state.gone {
            return Poll::Ready(Err(()));
        }
        if state.events.len() + 1 < CAPACITY {
            return Poll::Ready(Ok(()));
        }
        state.writer = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Sends `event` (after `poll_ready`, or for a call's last event, which may exceed the
    /// bound by one).
    pub(crate) fn send(&mut self, event: Event) {
        let reader = {
            let mut state = self.0.lock();
            if state.gone {
                return;
            }
            if state.first.is_none() && state.events.is_empty() {
                state.first = Some(event);
            } else {
                state.events.push_back(event);
            }
            state.reader.take()
        };
        if let Some(reader) = reader {
            reader.wake();
        }
    }
}

impl Drop for CallSender {
    fn drop(&mut self) {
        let reader = {
            let mut state = self.0.lock();
            state.closed = true;
            state.reader.take()
        };
        if let Some(reader) = reader {
            reader.wake();
        }
    }
}

/// The call's end: a stream of events that ends when the driver lets go.
pub(crate) struct CallReceiver(Arc<Shared>);

impl CallReceiver {
    /// The call is about to drive the connection itself: what it receives meanwhile needs no
    /// wake-up (it polls right after).
    pub(crate) fn forget_waker(&self) {
        self.0.lock().reader = None;
    }
}

impl futures_util::Stream for CallReceiver {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let (event, writer) = {
            let mut state = self.0.lock();
            match state.first.take().or_else(|| state.events.pop_front()) {
                Some(event) => (Poll::Ready(Some(event)), state.writer.take()),
                None if state.closed => (Poll::Ready(None), None),
                None => {
                    if !state.reader.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                        state.reader = Some(cx.waker().clone());
                    }
                    (Poll::Pending, None)
                }
            }
        };
        if let Some(writer) = writer {
            writer.wake();
        }
        event
    }
}

impl Drop for CallReceiver {
    fn drop(&mut self) {
        let writer = {
            let mut state = self.0.lock();
            state.gone = true;
            state.first = None;
            state.events.clear();
            state.writer.take()
        };
        if let Some(writer) = writer {
            writer.wake();
        }
    }
}
