//! Figure 10: bulk writes of 100 000 rows — `:bulkexec` (one statement over unnest per
//! chunk) against sequential single-row statements, pipelined `:batchexec`, `:copyfrom`, and
//! the same unnest statement written by hand with tokio-postgres; then upserts with half the
//! rows conflicting.

use crate::common::{median_with_setup, Bench};
use crate::insert::{person, Person};
use crate::people;
use chrono::{DateTime, Utc};
use quarry::BulkOptions;
use std::time::Duration;

pub const ROWS: i64 = 100_000;
/// Sequential single-row statements run on fewer rows (their rate does not depend on the count).
const SEQUENTIAL: i64 = 20_000;

const HAND_INSERT: &str = "INSERT INTO people_load (id, name, email, age, created_at) \
     SELECT a, b, lower(c), d, e FROM unnest($1::int8[], $2::text[], $3::text[], $4::int4[], $5::timestamptz[]) AS u(a, b, c, d, e)";
const HAND_UPSERT: &str = "INSERT INTO people_upsert (id, name, email, age, created_at) \
     SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::int4[], $5::timestamptz[]) \
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, age = EXCLUDED.age";

macro_rules! params {
    ($ty:path, $p:expr) => {{
        let p: &Person = $p;
        $ty {
            id: p.id,
            name: &p.name,
            email: &p.email,
            age: p.age,
            created_at: p.created_at,
        }
    }};
}

/// The rows as column arrays, `chunk` rows per statement, through tokio-postgres by hand.
async fn by_hand(raw: &tokio_postgres::Client, sql: &str, rows: &[Person], chunk: usize) {
    let statement = raw.prepare(sql).await.unwrap();
    for part in rows.chunks(chunk) {
        let ids: Vec<i64> = part.iter().map(|p| p.id).collect();
        let names: Vec<&str> = part.iter().map(|p| p.name.as_str()).collect();
        let emails: Vec<&str> = part.iter().map(|p| p.email.as_str()).collect();
        let ages: Vec<i32> = part.iter().map(|p| p.age).collect();
        let stamps: Vec<DateTime<Utc>> = part.iter().map(|p| p.created_at).collect();
        raw.execute(&statement, &[&ids, &names, &emails, &ages, &stamps])
            .await
            .unwrap();
    }
}

struct Row {
    name: String,
    rate: f64,
}

fn print(title: &str, rows: &[Row], base: &str, others: &[&str]) {
    let rate = |name: &str| rows.iter().find(|r| r.name.starts_with(name)).map(|r| r.rate).unwrap();
    let columns: Vec<(&str, f64)> = std::iter::once(base)
        .chain(others.iter().copied())
        .map(|n| (n, rate(n)))
        .collect();
    println!("\n### {title}\n");
    let head: Vec<String> = columns.iter().map(|(n, _)| format!("÷ {n}")).collect();
    println!("| variant | rows/s | {} |", head.join(" | "));
    println!("|---|---:|{}", "---:|".repeat(columns.len()));
    for row in rows {
        let ratios: Vec<String> = columns.iter().map(|(_, r)| format!("{:.2}×", row.rate / r)).collect();
        println!("| {} | {} | {} |", row.name, human(row.rate), ratios.join(" | "));
    }
}

fn human(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.2} M/s", rate / 1e6)
    } else {
        format!("{:.1} k/s", rate / 1e3)
    }
}

fn row(name: &str, count: i64, time: Duration) -> Row {
    Row {
        name: name.to_string(),
        rate: count as f64 / time.as_secs_f64(),
    }
}

pub async fn run(bench: &Bench) {
    let raw = bench.raw().await;
    let client = bench.quarry().await;
    let rows: Vec<Person> = (0..ROWS).map(person).collect();
    let runs = bench.runs;
    let truncate = || async { raw.batch_execute("TRUNCATE people_load").await.unwrap() };

    let mut table = Vec::new();
    let time = median_with_setup(runs, truncate, || async {
        for p in &rows[..SEQUENTIAL as usize] {
            people::insert_person(&client, p.id, &p.name, &p.email, p.age, p.created_at)
                .await
                .unwrap();
        }
    })
    .await;
    table.push(row("sequential `:exec` (autocommit each)", SEQUENTIAL, time));
    let time = median_with_setup(runs, truncate, || async {
        let items = rows.iter().map(|p| params!(people::InsertPeopleParams, p));
        people::insert_people(&client, items).await.unwrap();
    })
    .await;
    table.push(row("pipelined `:batchexec`", ROWS, time));
    let time = median_with_setup(runs, truncate, || async {
        let items = rows.iter().map(|p| params!(people::BulkInsertPeopleParams, p));
        people::bulk_insert_people(&client, items).await.unwrap();
    })
    .await;
    table.push(row(
        "`:bulkexec` plain INSERT (runs as COPY, 5 000 rows a chunk)",
        ROWS,
        time,
    ));
    for (label, max_rows) in [
        (
            "`:bulkexec` with `lower(:email)`: unnest, 1 000 rows a statement",
            1_000,
        ),
        (
            "`:bulkexec` with `lower(:email)`: unnest, 5 000 rows a statement (default)",
            5_000,
        ),
        (
            "`:bulkexec` with `lower(:email)`: unnest, 20 000 rows a statement",
            20_000,
        ),
        (
            "`:bulkexec` with `lower(:email)`: unnest, 100 000 rows in one statement",
            100_000,
        ),
    ] {
        let options = BulkOptions {
            max_rows,
            max_bytes: usize::MAX,
        };
        let time = median_with_setup(runs, truncate, || async {
            let items = rows.iter().map(|p| params!(people::BulkInsertPeopleComputedParams, p));
            people::bulk_insert_people_computed_with(&client, items, &options)
                .await
                .unwrap();
        })
        .await;
        table.push(row(label, ROWS, time));
    }
    let time = median_with_setup(runs, truncate, || by_hand(&raw, HAND_INSERT, &rows, 5_000)).await;
    table.push(row(
        "tokio-postgres by hand: the same unnest with `lower`, 5 000 rows a statement",
        ROWS,
        time,
    ));
    let time = median_with_setup(runs, truncate, || async {
        let items = rows.iter().map(|p| params!(people::CopyPeopleParams, p));
        people::copy_people(&client, items).await.unwrap();
    })
    .await;
    table.push(row("`:copyfrom` (binary COPY)", ROWS, time));
    print(
        &format!("10a. {ROWS} rows inserted into an UNLOGGED table (median of {runs} runs)"),
        &table,
        "sequential",
        &["`:copyfrom`", "tokio-postgres by hand"],
    );

    // Upserts: half of the ids exist before each run (the even ones), so half the rows update.
    let existing: Vec<i64> = (0..ROWS).filter(|i| i % 2 == 0).collect();
    let preload = || async {
        raw.batch_execute("TRUNCATE people_upsert").await.unwrap();
        raw.execute(
            "INSERT INTO people_upsert (id, name) SELECT unnest($1::int8[]), 'old'",
            &[&existing],
        )
        .await
        .unwrap();
    };
    let mut table = Vec::new();
    let time = median_with_setup(runs, preload, || async {
        for p in &rows[..SEQUENTIAL as usize] {
            people::upsert_person(&client, p.id, &p.name, &p.email, p.age, p.created_at)
                .await
                .unwrap();
        }
    })
    .await;
    table.push(row("sequential `:exec` (autocommit each)", SEQUENTIAL, time));
    let time = median_with_setup(runs, preload, || async {
        let items = rows.iter().map(|p| params!(people::BatchUpsertPeopleParams, p));
        people::batch_upsert_people(&client, items).await.unwrap();
    })
    .await;
    table.push(row("pipelined `:batchexec`", ROWS, time));
    let time = median_with_setup(runs, preload, || async {
        let items = rows.iter().map(|p| params!(people::BulkUpsertPeopleParams, p));
        people::bulk_upsert_people(&client, items).await.unwrap();
    })
    .await;
    table.push(row("`:bulkexec` (default chunks)", ROWS, time));
    let time = median_with_setup(runs, preload, || by_hand(&raw, HAND_UPSERT, &rows, 5_000)).await;
    table.push(row(
        "tokio-postgres by hand: the same unnest, 5 000 rows a statement",
        ROWS,
        time,
    ));
    let time = median_with_setup(runs, preload, || async {
        let items = rows.iter().map(|p| params!(people::CopyUpsertPeopleParams, p));
        people::copy_upsert_people(&client, items).await.unwrap();
    })
    .await;
    table.push(row(
        "`:copyfrom` with ON CONFLICT (COPY into staging, one INSERT … SELECT)",
        ROWS,
        time,
    ));
    print(
        &format!("10b. {ROWS} rows upserted, half of them conflicting (median of {runs} runs)"),
        &table,
        "sequential",
        &["`:copyfrom`", "tokio-postgres by hand"],
    );
}
