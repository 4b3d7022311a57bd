//! Figure 12 (issue 26's measurement): what one Sync per pipeline buys. The extended protocol
//! spoken directly (postgres-protocol over the Unix socket, one connection): the same 20 000
//! prepared selects as figure 2, with a Sync after every statement (what tokio-postgres, and so
//! quarry's `:batchone`, sends), after every 100 (pgbench's `\startpipeline` script) and after
//! every 1 000. Each row's five columns are read (id parsed, the rest's bytes touched), so the
//! client does comparable work. Against quarry `:batchone` and pgbench in the same run.

use crate::common::{header, median, rate_row, Bench};

use crate::select::{batch_selects, id, pgbench_row, SELECTS, SQL};

const INSERTS: i64 = 20_000;
const INSERT: &str = "INSERT INTO people_load (id, name) VALUES ($1, $2)";
use bytes::{BufMut, BytesMut};
use fallible_iterator::FallibleIterator;
use postgres_protocol::message::{backend, frontend};
use postgres_protocol::IsNull;
use std::hint::black_box;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;

/// A connection speaking the protocol by hand, with `SQL` prepared as statement `s`.
struct Raw {
    read: OwnedReadHalf,
    write: OwnedWriteHalf,
    buffer: BytesMut,
}

impl Raw {
    async fn connect(bench: &Bench) -> Raw {
        let socket = bench
            .server
            .socket_dir()
            .join(format!(".s.PGSQL.{}", crate::port(&bench.url)));
        let (read, write) = UnixStream::connect(socket).await.expect("socket").into_split();
        let mut raw = Raw {
            read,
            write,
            buffer: BytesMut::with_capacity(1 << 16),
        };
        let mut out = BytesMut::new();
        frontend::startup_message([("user", "postgres"), ("database", "postgres")], &mut out).unwrap();
        raw.write.write_all(&out).await.unwrap();
        until_ready(&mut raw.read, &mut raw.buffer, 1).await;
        out.clear();
        frontend::parse("s", SQL, [20], &mut out).unwrap();
        frontend::parse("i", INSERT, [20, 25], &mut out).unwrap();
        frontend::sync(&mut out);
        raw.write.write_all(&out).await.unwrap();
        until_ready(&mut raw.read, &mut raw.buffer, 1).await;
        raw
    }

    /// `SELECTS` selects, a Sync after every `per_sync`; writing and reading overlap.
    async fn pipeline(&mut self, per_sync: usize) -> usize {
        let mut out = BytesMut::with_capacity(SELECTS as usize * 48);
        let mut syncs = 0;
        for i in 0..SELECTS {
            bind_select(i, &mut out);
            if (i as usize + 1) % per_sync == 0 || i == SELECTS - 1 {
                frontend::sync(&mut out);
                syncs += 1;
            }
        }
        let Raw { read, write, buffer } = self;
        let (_, rows) = tokio::join!(
            async { write.write_all(&out).await.unwrap() },
            until_ready(read, buffer, syncs)
        );
        rows
    }
}

impl Raw {
    /// `SELECTS` selects, each sent with its Sync and awaited before the next (one round trip
    /// each, as any driver does for sequential calls).
    async fn sequential_selects(&mut self) -> usize {
        let mut rows = 0;
        let mut out = BytesMut::with_capacity(64);
        for i in 0..SELECTS {
            out.clear();
            bind_select(i, &mut out);
            frontend::sync(&mut out);
            self.write.write_all(&out).await.unwrap();
            rows += until_ready(&mut self.read, &mut self.buffer, 1).await;
        }
        rows
    }

    /// `INSERTS` single-row inserts: awaited one by one (`per_sync` `None`), or written at once
    /// with a Sync after every `per_sync` (each Sync ends an implicit transaction: one commit per
    /// chunk).
    async fn inserts(&mut self, per_sync: Option<usize>) {
        let mut out = BytesMut::with_capacity(INSERTS as usize * 64);
        let mut syncs = 0;
        for i in 0..INSERTS {
            let name = format!("name_{i:07}");
            let serialize = |v: &Param<'_>, buf: &mut BytesMut| {
                match v {
                    Param::Int(n) => buf.put_i64(*n),
                    Param::Text(t) => buf.put_slice(t.as_bytes()),
                }
                Ok::<_, Box<dyn std::error::Error + Sync + Send>>(IsNull::No)
            };
            let params = [Param::Int(i), Param::Text(&name)];
            if frontend::bind("", "i", [1], params.iter(), serialize, [1], &mut out).is_err() {
                panic!("bind");
            }
            frontend::execute("", 0, &mut out).unwrap();
            match per_sync {
                None => {
                    frontend::sync(&mut out);
                    self.write.write_all(&out).await.unwrap();
                    out.clear();
                    until_ready(&mut self.read, &mut self.buffer, 1).await;
                }
                Some(k) if (i as usize + 1) % k == 0 || i == INSERTS - 1 => {
                    frontend::sync(&mut out);
                    syncs += 1;
                }
                Some(_) => {}
            }
        }
        if per_sync.is_some() {
            let Raw { read, write, buffer } = self;
            tokio::join!(
                async { write.write_all(&out).await.unwrap() },
                until_ready(read, buffer, syncs)
            );
        }
    }
}

/// A parameter of the insert: `int8` or `text`, in binary.
enum Param<'a> {
    Int(i64),
    Text(&'a str),
}

fn bind_select(i: i64, out: &mut BytesMut) {
    let serialize = |v: i64, buf: &mut BytesMut| {
        buf.put_i64(v);
        Ok::<_, Box<dyn std::error::Error + Sync + Send>>(IsNull::No)
    };
    if frontend::bind("", "s", [1], [id(i)], serialize, [1], out).is_err() {
        panic!("bind");
    }
    frontend::execute("", 0, out).unwrap();
}

/// Reads until `syncs` ReadyForQuery messages, touching every row's columns (the id parsed);
/// returns the rows read.
async fn until_ready(read: &mut OwnedReadHalf, buffer: &mut BytesMut, syncs: usize) -> usize {
    let (mut ready, mut rows) = (0, 0);
    while ready < syncs {
        let message = loop {
            if let Some(message) = backend::Message::parse(buffer).unwrap() {
                break message;
            }
            if read.read_buf(buffer).await.unwrap() == 0 {
                panic!("the server closed the connection");
            }
        };
        match message {
            backend::Message::ReadyForQuery(_) => ready += 1,
            backend::Message::DataRow(row) => {
                rows += 1;
                let bytes = row.buffer();
                let mut ranges = row.ranges();
                let mut touched = 0usize;
                if let Some(Some(first)) = ranges.next().unwrap() {
                    touched += i64::from_be_bytes(bytes[first].try_into().unwrap()) as usize;
                }
                while let Some(range) = ranges.next().unwrap() {
                    touched += range.map_or(0, |r| r.len());
                }
                black_box(touched);
            }
            backend::Message::ErrorResponse(_) => panic!("the server refused a pipelined statement"),
            _ => {}
        }
    }
    rows
}

/// Median of `runs` timed runs after one warm-up (by hand: each run borrows the connection).
async fn median_pipeline(raw: &mut Raw, runs: usize, per_sync: usize) -> std::time::Duration {
    assert_eq!(raw.pipeline(per_sync).await, SELECTS as usize);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = std::time::Instant::now();
        assert_eq!(raw.pipeline(per_sync).await, SELECTS as usize);
        times.push(started.elapsed());
    }
    times.sort();
    times[runs / 2]
}

pub async fn run(bench: &Bench) {
    header(
        &format!(
            "12. Pipelines at the protocol level: {SELECTS} prepared selects, one connection (median of {} runs)",
            bench.runs
        ),
        "selects/s",
    );
    let client = bench.quarry().await;
    let batch = batch_selects(bench, &client).await;
    let base = rate_row(
        "quarry `:batchone` today (tokio-postgres: a Sync per statement)",
        SELECTS as u64,
        batch,
        None,
    );
    for (per_sync, name) in [
        (1, "protocol by hand, a Sync after every statement"),
        (100, "protocol by hand, a Sync after every 100 statements"),
        (1000, "protocol by hand, a Sync after every 1 000 statements"),
    ] {
        let mut raw = Raw::connect(bench).await;
        let time = median_pipeline(&mut raw, bench.runs, per_sync).await;
        rate_row(name, SELECTS as u64, time, Some(base));
    }
    pgbench_row(bench, base);
    sequential(bench).await;
    inserts(bench).await;
}

/// The other targets of issue 26: sequential selects (a driver of one's own against
/// tokio-postgres) and single-row inserts (one Sync per chunk against one per row).
async fn sequential(bench: &Bench) {
    header(
        &format!(
            "12b. {SELECTS} sequential selects, each awaited (median of {} runs)",
            bench.runs
        ),
        "selects/s",
    );
    let hand = bench.raw().await;
    let statement = hand.prepare(SQL).await.unwrap();
    let tokio_postgres = median(bench.runs, || async {
        for i in 0..SELECTS {
            black_box(hand.query_one(&statement, &[&id(i)]).await.unwrap());
        }
    })
    .await;
    let base = rate_row(
        "tokio-postgres, hand-written, prepared",
        SELECTS as u64,
        tokio_postgres,
        None,
    );
    let mut raw = Raw::connect(bench).await;
    raw.sequential_selects().await;
    let mut times = Vec::new();
    for _ in 0..bench.runs {
        let started = std::time::Instant::now();
        assert_eq!(raw.sequential_selects().await, SELECTS as usize);
        times.push(started.elapsed());
    }
    times.sort();
    rate_row(
        "protocol by hand, Bind/Execute/Sync each",
        SELECTS as u64,
        times[bench.runs / 2],
        Some(base),
    );
}

async fn inserts(bench: &Bench) {
    header(
        &format!(
            "12c. {INSERTS} single-row inserts into an UNLOGGED table (median of {} runs)",
            bench.runs
        ),
        "rows/s",
    );
    let admin = bench.raw().await;
    let mut raw = Raw::connect(bench).await;
    let mut base = None;
    for (per_sync, name) in [
        (None, "protocol by hand, sequential (a round trip and a commit per row)"),
        (
            Some(1),
            "protocol by hand, pipelined, a Sync per row (a commit per row)",
        ),
        (
            Some(1000),
            "protocol by hand, pipelined, a Sync per 1 000 rows (a commit per chunk)",
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..=bench.runs {
            admin.batch_execute("TRUNCATE people_load").await.unwrap();
            let started = std::time::Instant::now();
            raw.inserts(per_sync).await;
            times.push(started.elapsed());
        }
        times.remove(0);
        times.sort();
        let rate = rate_row(name, INSERTS as u64, times[bench.runs / 2], base);
        base.get_or_insert(rate);
    }
    let count: i64 = admin
        .query_one("SELECT count(*) FROM people_load", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, INSERTS);
}
