//! [`QueryKind`]: what a query returns, as its header's `:kind` says.

/// What a query returns, chosen by the `:kind` in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum QueryKind {
    /// `:one` — exactly one row; zero or several rows is an error naming the query.
    One,
    /// `:opt` — zero or one row, as `Option`.
    Opt,
    /// `:many` — every row, as `Vec`.
    Many,
    /// `:exec` — the number of rows affected, as `u64`.
    Exec,
    /// `:iter` — the rows as a stream (async) or iterator (sync), decoded one at a time, plus
    /// a `<name>_cursor` that fetches them in batches through a server-side cursor.
    Iter,
    /// `:copyfrom` — on `INSERT INTO t (a, b) VALUES (:a, :b)`: loads an iterator of
    /// parameter sets with binary `COPY t (a, b) FROM STDIN`.
    CopyFrom,
    /// `:batchexec` — `:exec` for each parameter set of an iterator, pipelined.
    BatchExec,
    /// `:batchone` — `:one` for each parameter set, pipelined.
    BatchOne,
    /// `:batchmany` — `:many` for each parameter set, pipelined.
    BatchMany,
    /// `:bulkexec` — one row's `INSERT`/`UPDATE`/`DELETE` for every parameter set of an
    /// iterator as one statement over `unnest` of arrays (per chunk); the rows affected.
    BulkExec,
    /// `:bulkone` — as `:bulkexec`, with `RETURNING`: exactly one row per parameter set, in order.
    BulkOne,
    /// `:bulkmany` — as `:bulkexec`, with `RETURNING`: the rows of each parameter set, in order.
    BulkMany,
}

impl QueryKind {
    const ALL: [(&'static str, QueryKind); 12] = [
        ("one", QueryKind::One),
        ("opt", QueryKind::Opt),
        ("many", QueryKind::Many),
        ("exec", QueryKind::Exec),
        ("iter", QueryKind::Iter),
        ("copyfrom", QueryKind::CopyFrom),
        ("batchexec", QueryKind::BatchExec),
        ("batchone", QueryKind::BatchOne),
        ("batchmany", QueryKind::BatchMany),
        ("bulkexec", QueryKind::BulkExec),
        ("bulkone", QueryKind::BulkOne),
        ("bulkmany", QueryKind::BulkMany),
    ];

    /// The kind written `:name`. sqlc's `:execrows` and `:execresult` are `:exec` (which
    /// returns the rows affected; see docs/from-sqlc.md).
    pub(super) fn from_name(name: &str) -> Option<Self> {
        let name = match name {
            "execrows" | "execresult" => "exec",
            name => name,
        };
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// The kind as written, e.g. `:batchexec`.
    pub fn name(self) -> &'static str {
        match self {
            QueryKind::One => ":one",
            QueryKind::Opt => ":opt",
            QueryKind::Many => ":many",
            QueryKind::Exec => ":exec",
            QueryKind::Iter => ":iter",
            QueryKind::CopyFrom => ":copyfrom",
            QueryKind::BatchExec => ":batchexec",
            QueryKind::BatchOne => ":batchone",
            QueryKind::BatchMany => ":batchmany",
            QueryKind::BulkExec => ":bulkexec",
            QueryKind::BulkOne => ":bulkone",
            QueryKind::BulkMany => ":bulkmany",
        }
    }

    /// What one execution returns: a batch kind's single-call kind, else itself.
    pub fn single(self) -> QueryKind {
        match self {
            QueryKind::BatchExec | QueryKind::BulkExec => QueryKind::Exec,
            QueryKind::BatchOne | QueryKind::BulkOne => QueryKind::One,
            QueryKind::BatchMany | QueryKind::BulkMany => QueryKind::Many,
            kind => kind,
        }
    }

    /// Whether the generated function takes an iterator of parameter sets (`:batch*`, `:bulk*`).
    pub fn is_batch(self) -> bool {
        self != self.single()
    }

    /// Whether the parameter sets run as one statement over `unnest` (`:bulk*`).
    pub fn is_bulk(self) -> bool {
        matches!(self, QueryKind::BulkExec | QueryKind::BulkOne | QueryKind::BulkMany)
    }
}
