//! Figure 5: decoding 100 000 rows — owned rows, zero-copy rows, hand-written tokio-postgres —
//! with allocation counts.

use crate::common::Bench;
use crate::counting;
use futures_util::{pin_mut, TryStreamExt};
use quarry::types::ArrayIter;
use std::hint::black_box;
use std::time::{Duration, Instant};

pub const ROWS: i32 = 100_000;

/// What a hand-written owned decoder produces (the same shape as `decode::ReadRowsRow`).
#[allow(dead_code)]
struct Owned {
    id: i32,
    name: String,
    email: String,
    payload: Vec<u8>,
    tags: Vec<String>,
}

const SQL: &str = "SELECT id, name, email, payload, tags FROM bench_rows ORDER BY id";

struct Measured {
    name: &'static str,
    median: Duration,
    allocations: u64,
    bytes: u64,
}

async fn measure<F, Fut>(name: &'static str, runs: usize, mut run: F) -> Measured
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    black_box(run().await); // warm-up: statement caches, type look-ups
    let mut times = Vec::with_capacity(runs);
    let (mut allocations, mut bytes) = (0, 0);
    for _ in 0..runs {
        let before = counting::snapshot();
        let start = Instant::now();
        black_box(run().await);
        times.push(start.elapsed());
        let after = counting::snapshot();
        allocations = after.0 - before.0;
        bytes = after.1 - before.1;
    }
    times.sort();
    Measured {
        name,
        median: times[runs / 2],
        allocations,
        bytes,
    }
}

pub async fn run(bench: &Bench) {
    let (rows, runs) = (ROWS as usize, bench.runs.max(15));
    let raw = bench.raw().await;
    let client = bench.quarry().await;
    let statement = raw.prepare(SQL).await.unwrap();

    let mut results = Vec::new();
    results.push(
        measure("tokio-postgres, hand-written, owned", runs, || async {
            let rows = raw.query(&statement, &[]).await.unwrap();
            let decoded: Vec<Owned> = rows
                .iter()
                .map(|r| Owned {
                    id: r.get(0),
                    name: r.get(1),
                    email: r.get(2),
                    payload: r.get(3),
                    tags: r.get(4),
                })
                .collect();
            decoded.len()
        })
        .await,
    );
    results.push(
        measure("tokio-postgres, hand-written, borrowed", runs, || async {
            let stream = raw.query_raw(&statement, std::iter::empty::<i32>()).await.unwrap();
            pin_mut!(stream);
            let mut total = 0;
            while let Some(r) = stream.try_next().await.unwrap() {
                let (name, email): (&str, &str) = (r.get(1), r.get(2));
                let payload: &[u8] = r.get(3);
                let tags: Vec<&str> = r.get(4);
                total += r.get::<_, i32>(0) as usize + name.len() + email.len() + payload.len() + tags.len();
            }
            total
        })
        .await,
    );
    results.push(
        measure("quarry `read_rows` (owned rows)", runs, || async {
            crate::decode_queries::read_rows(&client).await.unwrap().len()
        })
        .await,
    );
    results.push(
        measure("quarry `read_rows_each` (zero-copy rows)", runs, || async {
            let mut total = 0;
            crate::decode_queries::read_rows_each(&client, |r| {
                let tags: ArrayIter<'_, &str> = r.tags;
                total += r.id as usize + r.name.len() + r.email.len() + r.payload.len();
                total += tags.map(|t| t.unwrap().len()).sum::<usize>();
            })
            .await
            .unwrap();
            total
        })
        .await,
    );

    // Decode only: the same fetched rows, decoded the two ways generated code does.
    let fetched = raw.query(&statement, &[]).await.unwrap();
    let fetched = &fetched;
    let owned_decode = measure("decode only: owned (String, Vec)", runs, || async move {
        let decoded: Vec<Owned> = fetched
            .iter()
            .map(|r| Owned {
                id: quarry::__private::get(r, 0).unwrap(),
                name: quarry::__private::get(r, 1).unwrap(),
                email: quarry::__private::get(r, 2).unwrap(),
                payload: quarry::__private::get(r, 3).unwrap(),
                tags: quarry::__private::get(r, 4).unwrap(),
            })
            .collect();
        decoded.len()
    })
    .await;
    let borrowed_decode = measure("decode only: zero-copy (&str, &[u8], ArrayIter)", runs, || async move {
        let mut total = 0;
        for r in fetched {
            let id: i32 = quarry::__private::get(r, 0).unwrap();
            let name: &str = quarry::__private::get(r, 1).unwrap();
            let email: &str = quarry::__private::get(r, 2).unwrap();
            let payload: &[u8] = quarry::__private::get(r, 3).unwrap();
            let tags: ArrayIter<'_, &str> = quarry::__private::get(r, 4).unwrap();
            total += id as usize + name.len() + email.len() + payload.len();
            total += tags.map(|t| t.unwrap().len()).sum::<usize>();
        }
        total
    })
    .await;

    println!("\n### 5. Decode {rows} rows (int4, 2 × text, 32-byte bytea, text[3]); median of {runs} runs\n");
    println!("| variant | median | vs hand-written owned | allocations/row | bytes allocated/row |");
    println!("|---|---:|---:|---:|---:|");
    let base = results[0].median.as_secs_f64();
    for m in &results {
        row(m, base, rows);
    }
    let base = owned_decode.median.as_secs_f64();
    for m in [&owned_decode, &borrowed_decode] {
        row(m, base, rows);
    }
}

fn row(m: &Measured, base: f64, rows: usize) {
    println!(
        "| {} | {:.1} ms | {:.2}× | {:.1} | {:.0} |",
        m.name,
        m.median.as_secs_f64() * 1e3,
        m.median.as_secs_f64() / base,
        m.allocations as f64 / rows as f64,
        m.bytes as f64 / rows as f64,
    );
}
