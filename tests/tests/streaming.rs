//! `:iter`: rows as a stream / iterator, and through a server-side cursor in batches.

use futures_util::TryStreamExt;
use quarry_tests::asynchronous::tasks;
use quarry_tests::db::fresh_database;

const ROWS: i64 = 100_000;

async fn client_with_rows() -> quarry::Client {
    let client = quarry::Client::connect(&fresh_database()).await.unwrap();
    client
        .execute(
            "INSERT INTO tasks (title) SELECT 'task ' || g FROM generate_series(1, $1::int8) g",
            &[&ROWS],
        )
        .await
        .unwrap();
    client
}

#[tokio::test]
async fn iter_streams_every_row_decoded() {
    let client = client_with_rows().await;
    let mut stream = tasks::all_tasks(&client).await.unwrap();
    let (mut count, mut previous) = (0i64, 0);
    while let Some(row) = stream.try_next().await.unwrap() {
        assert!(row.id > previous, "in order");
        assert_eq!(row.title, format!("task {}", row.id));
        previous = row.id;
        count += 1;
    }
    assert_eq!(count, ROWS);
}

#[tokio::test]
async fn cursors_fetch_in_batches_inside_a_transaction() {
    let mut client = client_with_rows().await;
    let transaction = client.transaction().await.unwrap();
    let mut cursor = tasks::all_tasks_cursor(&transaction, 30_000).await.unwrap();
    let mut sizes = Vec::new();
    loop {
        let batch = cursor.next_batch().await.unwrap();
        if batch.is_empty() {
            break;
        }
        sizes.push(batch.len());
    }
    assert_eq!(sizes, [30_000, 30_000, 30_000, 10_000]);
    drop(cursor);
    transaction.commit().await.unwrap();
}

#[tokio::test]
async fn copy_out_streams_the_same_rows_typed() {
    let client = client_with_rows().await;
    // One result at a time per connection: collect one, then compare with the other.
    let streamed: Vec<_> = tasks::all_tasks(&client).await.unwrap().try_collect().await.unwrap();
    let mut copied = tasks::all_tasks_copy_out(&client).await.unwrap();
    let mut count = 0;
    while let Some(row) = copied.try_next().await.unwrap() {
        let same = &streamed[count];
        assert_eq!((row.id, &row.title), (same.id, &same.title));
        count += 1;
    }
    assert_eq!(count as i64, ROWS);
}

#[tokio::test]
async fn raw_copy_helpers_move_csv_both_ways() {
    let client = quarry::Client::connect(&fresh_database()).await.unwrap();
    let csv = "title,description\nfirst,\"with, comma\"\nsecond,\"line\nbreak\"\n";
    let loaded = quarry::copy::copy_in_raw(
        &client,
        "COPY tasks (title, description) FROM STDIN (FORMAT csv, HEADER)",
        csv.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(loaded, 2);
    let mut out = Vec::new();
    quarry::copy::copy_out_raw(
        &client,
        "COPY (SELECT title, description FROM tasks ORDER BY id) TO STDOUT (FORMAT csv, HEADER)",
        &mut out,
    )
    .await
    .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), csv);
}
