//! What the connection task and the calls exchange: requests (messages plus the answers they
//! ask for, as *units*), and what each call hears back.

use super::call::CallSender;
use super::server_error::ServerError;
use crate::error::Error;
use bytes::BytesMut;
use postgres_protocol::message::backend::DataRowBody;
use std::sync::atomic::{AtomicBool, AtomicU8};
use std::sync::Mutex;
use tokio::sync::oneshot;

/// Messages to write and the units they ask the server to answer.
pub(crate) struct Request {
    pub(crate) bytes: BytesMut,
    pub(crate) units: Vec<Unit>,
}

/// Result columns as the server describes them: name and type OID.
pub(crate) type Fields = Vec<(String, u32)>;

/// The text rows of a simple-protocol query.
pub(crate) type TextRows = Vec<Vec<Option<String>>>;

/// A statement's description: parameter type OIDs and result columns.
#[derive(Debug)]
pub(crate) struct Description {
    pub(crate) params: Vec<u32>,
    pub(crate) columns: Fields,
}

/// A call's rows on their way: most calls return one row or none, which need no allocation.
#[derive(Debug, Default)]
pub(crate) enum RowBuf {
    #[default]
    Empty,
    One(DataRowBody),
    Many(std::collections::VecDeque<DataRowBody>),
}

impl RowBuf {
    pub(crate) fn push(&mut self, row: DataRowBody) {
        match std::mem::take(self) {
            RowBuf::Empty => *self = RowBuf::One(row),
            RowBuf::One(first) => *self = RowBuf::Many([first, row].into()),
            RowBuf::Many(mut rows) => {
                rows.push_back(row);
                *self = RowBuf::Many(rows);
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            RowBuf::Empty => 0,
            RowBuf::One(_) => 1,
            RowBuf::Many(rows) => rows.len(),
        }
    }

    pub(crate) fn pop_front(&mut self) -> Option<DataRowBody> {
        match std::mem::take(self) {
            RowBuf::Empty => None,
            RowBuf::One(row) => Some(row),
            RowBuf::Many(mut rows) => {
                let row = rows.pop_front();
                *self = RowBuf::Many(rows);
                row
            }
        }
    }
}

/// What one statement's execution sends its caller. A call that returns few rows hears once:
/// `Finished`, sent when its pipeline's Sync is answered (so that a failure after it — the
/// implicit commit, a later call rolling the implicit transaction back — is its failure too).
#[derive(Debug)]
pub(crate) enum Event {
    /// Rows streamed ahead of the end, for large results.
    Rows(RowBuf),
    /// The last rows and the count of rows affected.
    Finished {
        rows: RowBuf,
        affected: u64,
    },
    Failed(Error),
}

/// One answer the server owes, in the order the messages were written. Kept small (errors
/// boxed): a pipeline moves one per call.
pub(crate) enum Unit {
    /// Parse + Describe statement: ParseComplete, ParameterDescription, RowDescription | NoData.
    Describe {
        reply: Option<oneshot::Sender<Result<Description, Error>>>,
        params: Vec<u32>,
    },
    /// [Parse] + Bind + Execute: rows until CommandComplete.
    Exec {
        events: CallSender,
        label: Label,
        rows: RowBuf,
    },
    /// Sync: ReadyForQuery; `error` is a failure at the implicit commit.
    Sync { error: Option<Box<ServerError>> },
    /// Close statement: CloseComplete.
    Close,
    /// A simple-protocol `Query`: everything up to ReadyForQuery; text rows are kept.
    Simple {
        reply: Option<oneshot::Sender<Result<TextRows, Error>>>,
        rows: TextRows,
        error: Option<Box<ServerError>>,
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

/// Why the calls of a pipeline failed at its Sync.
#[derive(Debug, Clone)]
pub(crate) enum SyncFailure {
    /// The implicit commit failed.
    Server(Box<ServerError>),
    /// A call failed outside a transaction, so the implicit transaction rolled back.
    RolledBack(Label),
}

impl SyncFailure {
    pub(crate) fn to_error(&self) -> Error {
        match self {
            SyncFailure::Server(error) => Error::server(None, (**error).clone()),
            SyncFailure::RolledBack(label) => Error::pipeline_rolled_back(&label.to_string()),
        }
    }
}

/// What the task and the connection handle share.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Set once the task has ended; calls fail at once.
    pub(crate) closed: AtomicBool,
    /// The transaction status of the last ReadyForQuery: `I`, `T` or `E`.
    pub(crate) status: AtomicU8,
    /// Why the connection closed, for calls made after.
    pub(crate) closed_because: Mutex<Option<String>>,
}
