//! A result of ten million rows streamed (`:iter`) in bounded memory: the process's resident
//! set may not grow by more than 64 MiB while every row is decoded (the rows themselves are
//! about 600 MB as Rust values). Its own test binary, so nothing else in the process moves
//! the measurement. `QUARRY_STREAM_ROWS` changes the count.

use futures_util::StreamExt;
use quarry_tests::db::fresh_database_with;
use quarry_tests::limits::{big, SCHEMA};
use std::pin::pin;

/// VmRSS of this process, in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_million_rows_stream_in_bounded_memory() {
    let count: i64 = std::env::var("QUARRY_STREAM_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let client = quarry::Client::connect(&fresh_database_with(&[SCHEMA])).await.unwrap();
    let mut rows = pin!(big::series(&client, count).await.unwrap());
    let before = resident_kib();
    let (mut seen, mut sum, mut peak) = (0i64, 0i64, before);
    while let Some(row) = rows.next().await {
        let row = row.unwrap();
        seen += 1;
        sum += row.n;
        if seen % 100_000 == 0 {
            assert_eq!(row.label, format!("row {}", row.n));
            peak = peak.max(resident_kib());
        }
    }
    assert_eq!(seen, count);
    assert_eq!(sum, count * (count + 1) / 2);
    let grown_mib = peak.saturating_sub(before) / 1024;
    println!("{count} rows streamed; resident set grew by {grown_mib} MiB");
    assert!(
        grown_mib < 64,
        "the stream held rows: resident set grew by {grown_mib} MiB"
    );
}
