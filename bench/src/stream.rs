//! Streaming 1 000 000 rows: peak heap of `:iter` (a stream) vs `:many` (a `Vec`).

use crate::common::Bench;
use crate::counting;
use crate::people;
use futures_util::TryStreamExt;

const ROWS: i64 = 1_000_000;

pub async fn run(bench: &Bench) {
    let client = bench.quarry().await;
    println!("\n### Streaming {ROWS} rows: peak heap above the starting point\n");
    println!("| variant | rows | peak heap |");
    println!("|---|---:|---:|");

    counting::reset_peak();
    let mut stream = people::stream_people(&client, ROWS).await.unwrap();
    let mut count = 0u64;
    while let Some(row) = stream.try_next().await.unwrap() {
        std::hint::black_box(row);
        count += 1;
    }
    println!(
        "| `:iter` `stream_people` | {count} | {:.0} KiB |",
        counting::peak_mib() * 1024.0
    );

    counting::reset_peak();
    let rows = people::all_people(&client, ROWS).await.unwrap();
    println!(
        "| `:many` `all_people` (collects a `Vec`) | {} | {:.0} KiB |",
        rows.len(),
        counting::peak_mib() * 1024.0
    );
    drop(rows);

    crate::common::header(
        &format!(
            "Export {} rows × 5 columns: `:iter` vs its binary COPY OUT",
            crate::PEOPLE
        ),
        "rows/s",
    );
    let iter = crate::common::median(bench.runs, || async {
        let rows: Vec<_> = people::export_people(&client)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        std::hint::black_box(rows);
    })
    .await;
    let copy = crate::common::median(bench.runs, || async {
        let rows: Vec<_> = people::export_people_copy_out(&client)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        std::hint::black_box(rows);
    })
    .await;
    let base = crate::common::rate_row("`:iter` `export_people`", crate::PEOPLE as u64, iter, None);
    crate::common::rate_row(
        "`export_people_copy_out` (binary COPY)",
        crate::PEOPLE as u64,
        copy,
        Some(base),
    );
}
