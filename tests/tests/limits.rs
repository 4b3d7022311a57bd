//! How far one call can go, against a real server: `ANY(:ids)` with two million ids (one
//! array parameter), a million-item `:batchexec`, a two-million-row `:copyfrom`, and a text
//! value just under PostgreSQL's 1 GB limit both ways — then one over it, refused with a
//! clear error while the connection stays usable. (More than 65 535 bind parameters is
//! refused at generation: `codegen/src/parse.rs`, `more_parameters_than_the_protocol_carries`.)

use quarry::ErrorKind;
use quarry_tests::db::fresh_database_with;
use quarry_tests::limits::big::{self, AddNumbersParams, CopyNumbersParams};
use quarry_tests::limits::SCHEMA;

const MILLION: i64 = 1_000_000;

async fn client() -> quarry::Client {
    quarry::Client::connect(&fresh_database_with(&[SCHEMA])).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_takes_two_million_ids_as_one_parameter() {
    let client = client().await;
    client
        .batch_execute("INSERT INTO numbers SELECT g FROM generate_series(1, 10) g")
        .await
        .unwrap();
    let ids: Vec<i64> = (0..2 * MILLION).collect();
    assert_eq!(big::count_in(&client, &ids).await.unwrap(), 10);
    let odd: Vec<i64> = (0..2 * MILLION).map(|i| 2 * i + 1).collect();
    assert_eq!(big::count_in(&client, &odd).await.unwrap(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_item_batch_and_a_two_million_row_copy_arrive_whole() {
    let client = client().await;
    let affected = big::add_numbers(&client, (1..=MILLION).map(|n| AddNumbersParams { n }))
        .await
        .unwrap();
    assert_eq!(affected.len(), MILLION as usize);
    assert!(affected.iter().all(|&rows| rows == 1));
    let copied = big::copy_numbers(&client, (1..=2 * MILLION).map(|n| CopyNumbersParams { n }))
        .await
        .unwrap();
    assert_eq!(copied, 2 * MILLION as u64);
    let totals = big::count_numbers(&client).await.unwrap();
    let triangle = |n: i64| n * (n + 1) / 2;
    assert_eq!(
        (totals.count, totals.sum),
        (3 * MILLION, triangle(MILLION) + triangle(2 * MILLION))
    );
}

/// PostgreSQL refuses any field over 1 GB (and any message over 1 GB − 1 byte); this value
/// leaves room for the Bind message around it.
const ALMOST_A_GIGABYTE: usize = (1 << 30) - (64 << 10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_of_almost_a_gigabyte_goes_both_ways_and_one_over_the_limit_is_refused() {
    let client = client().await;
    let body: String = "quarry ".repeat(ALMOST_A_GIGABYTE / 7);
    let stored = big::store_blob(&client, &body).await.unwrap();
    assert_eq!(stored.len as usize, body.len());
    let back = big::blob(&client, stored.id).await.unwrap();
    assert!(back == body, "the value came back changed");
    drop((body, back));

    let over: String = "x".repeat((1 << 30) + 1);
    let error = big::store_blob(&client, &over).await.unwrap_err();
    drop(over);
    assert_eq!(error.kind(), ErrorKind::Connection, "{error}");
    // The server drops a connection that sends an oversized message; a new one works.
    assert!(client.is_closed());
    let client = quarry::Client::connect(&fresh_database_with(&[SCHEMA])).await.unwrap();
    assert_eq!(big::store_blob(&client, "small").await.unwrap().len, 5);
}
