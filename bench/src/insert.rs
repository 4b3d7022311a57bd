//! Figures 3 and 4: single-row inserts (sequential vs `:batchexec`) and bulk load (`:copyfrom`
//! vs hand-written binary COPY vs `psql \copy`).

use crate::common::{header, median, pg_binary, rate_row, Bench};
use crate::people::{self, CopyPeopleParams, InsertPeopleParams};
use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use futures_util::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

pub const INSERTS: i64 = 20_000;
pub const COPY_ROWS: i64 = 1_000_000;

/// Row `i` of the PERF-FLOOR data set.
pub struct Person {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub age: i32,
    pub created_at: DateTime<Utc>,
}

pub fn person(i: i64) -> Person {
    Person {
        id: i,
        name: format!("name_{i:07}"),
        email: format!("u{i:07}@example.org"),
        age: 18 + ((i * 7919) % 63) as i32,
        created_at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap() + Span::seconds(i * 37),
    }
}

async fn truncate(raw: &tokio_postgres::Client) {
    raw.batch_execute("TRUNCATE people_load").await.unwrap();
}

pub async fn inserts(bench: &Bench) {
    header(
        &format!("3. {INSERTS} single-row inserts (median of {} runs)", bench.runs),
        "rows/s",
    );
    let raw = bench.raw().await;
    let client = bench.quarry().await;
    let rows: Vec<Person> = (0..INSERTS).map(person).collect();
    let sequential = median(bench.runs, || async {
        truncate(&raw).await;
        for p in &rows {
            people::insert_person(&client, p.id, &p.name, &p.email, p.age, p.created_at)
                .await
                .unwrap();
        }
    })
    .await;
    let batch = median(bench.runs, || async {
        truncate(&raw).await;
        let items = rows.iter().map(|p| InsertPeopleParams {
            id: p.id,
            name: &p.name,
            email: &p.email,
            age: p.age,
            created_at: p.created_at,
        });
        people::insert_people(&client, items).await.unwrap();
    })
    .await;
    let base = rate_row(
        "quarry `insert_person`, sequential (autocommit each)",
        INSERTS as u64,
        sequential,
        None,
    );
    rate_row(
        "quarry `:batchexec` `insert_people` (pipelined)",
        INSERTS as u64,
        batch,
        Some(base),
    );
}

pub async fn copy(bench: &Bench) {
    let runs = bench.runs.clamp(1, 5);
    header(
        &format!("4. {COPY_ROWS} rows bulk-loaded into an UNLOGGED table (median of {runs} runs)"),
        "rows/s",
    );
    let raw = bench.raw().await;
    let client = bench.quarry().await;
    let rows: Vec<Person> = (0..COPY_ROWS).map(person).collect();
    let generated = median(runs, || async {
        truncate(&raw).await;
        let items = rows.iter().map(|p| CopyPeopleParams {
            id: p.id,
            name: &p.name,
            email: &p.email,
            age: p.age,
            created_at: p.created_at,
        });
        people::copy_people(&client, items).await.unwrap();
    })
    .await;
    let hand = median(runs, || async {
        truncate(&raw).await;
        let sink = raw
            .copy_in("COPY people_load (id, name, email, age, created_at) FROM STDIN (FORMAT binary)")
            .await
            .unwrap();
        let types = [Type::INT8, Type::TEXT, Type::TEXT, Type::INT4, Type::TIMESTAMPTZ];
        let writer = BinaryCopyInWriter::new(sink, &types);
        pin_mut!(writer);
        for p in &rows {
            writer
                .as_mut()
                .write(&[&p.id, &p.name, &p.email, &p.age, &p.created_at])
                .await
                .unwrap();
        }
        writer.finish().await.unwrap();
    })
    .await;
    let base = rate_row(
        "tokio-postgres, hand-written `BinaryCopyInWriter`",
        COPY_ROWS as u64,
        hand,
        None,
    );
    let quarry_rate = rate_row(
        "quarry `:copyfrom` `copy_people`",
        COPY_ROWS as u64,
        generated,
        Some(base),
    );
    if let Some(psql) = pg_binary("psql") {
        for (format, rate) in psql_copy(bench, &raw, &psql, runs).await {
            println!(
                "| psql `\\copy` {format} file (wall time incl. psql start) | {:.2} M/s | {:.2}× (quarry ÷ psql: {:.2}×) |",
                rate / 1e6,
                rate / base,
                quarry_rate / rate
            );
        }
    }
}

/// psql `\copy` of the same rows from a binary and a CSV file.
async fn psql_copy(
    bench: &Bench,
    raw: &tokio_postgres::Client,
    psql: &std::path::Path,
    runs: usize,
) -> Vec<(&'static str, f64)> {
    // The server (running as `postgres`) writes the files, root's psql reads them.
    let dir = std::env::temp_dir().join(format!("quarry-bench-copy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let mut results = Vec::new();
    for (format, option) in [("binary", "(FORMAT binary)"), ("CSV", "(FORMAT csv)")] {
        let file = dir.join(format!("people.{format}"));
        raw.batch_execute(&format!(
            "COPY (SELECT * FROM people_load) TO '{}' {option}",
            file.display()
        ))
        .await
        .unwrap();
        let time = median(runs, || async {
            truncate(raw).await;
            let status = std::process::Command::new(psql)
                .arg("-h")
                .arg(bench.server.socket_dir())
                .args([
                    "-p",
                    &crate::port(&bench.url).to_string(),
                    "-U",
                    "postgres",
                    "-d",
                    "postgres",
                    "-q",
                    "-c",
                ])
                .arg(format!("\\copy people_load FROM '{}' {option}", file.display()))
                .status()
                .unwrap();
            assert!(status.success());
        })
        .await;
        results.push((format, COPY_ROWS as f64 / time.as_secs_f64()));
    }
    results
}
