//! The statement cache: bounded (LRU), re-prepared after the server invalidates a statement,
//! and the unnamed mode that prepares nothing — on a real server.

use quarry::{Client, ClientOptions, StatementMode};
use quarry_tests::asynchronous::types::{billing, Mood};
use quarry_tests::asynchronous::{all_types, tasks};
use quarry_tests::db::{fresh_database, server_side_statements};

async fn client_with(options: ClientOptions) -> Client {
    Client::connect_with(&fresh_database(), options).await.unwrap()
}

#[tokio::test]
async fn the_cache_is_bounded_and_evicts_the_least_recently_used() {
    let client = client_with(ClientOptions {
        statement_cache_capacity: 2,
        ..ClientOptions::default()
    })
    .await;
    assert_eq!(client.statement_cache().capacity(), 2);
    tasks::add_task(&client, "a", "").await.unwrap();
    tasks::count_tasks(&client, None).await.unwrap();
    tasks::add_task(&client, "b", "").await.unwrap(); // most recent: add_task
    tasks::list_tasks(&client).await.unwrap(); // evicts count_tasks
    assert_eq!(client.statement_cache().len(), 2);
    assert_eq!(
        server_side_statements(&client).await,
        2,
        "the evicted statement is closed on the server"
    );
    // add_task was kept: running it again prepares nothing new.
    tasks::add_task(&client, "c", "").await.unwrap();
    assert_eq!(server_side_statements(&client).await, 2);
}

#[tokio::test]
async fn a_statement_invalidated_by_a_schema_change_is_prepared_again() {
    let mut client = client_with(ClientOptions::default()).await;
    let id = tasks::add_task(&client, "Before", "").await.unwrap();
    assert_eq!(tasks::task_title(&client, id).await.unwrap(), "Before");
    // varchar(200) → text changes the cached statement's result type (SQLSTATE 0A000).
    client
        .batch_execute("ALTER TABLE tasks ALTER COLUMN title TYPE text")
        .await
        .unwrap();
    assert_eq!(tasks::task_title(&client, id).await.unwrap(), "Before");

    // Inside a transaction the error has aborted it: the call fails, the statement is
    // evicted, and the next transaction works.
    client
        .batch_execute("ALTER TABLE tasks ALTER COLUMN title TYPE varchar(300)")
        .await
        .unwrap();
    let transaction = client.transaction().await.unwrap();
    let error = tasks::task_title(&transaction, id).await.unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some("0A000"), "{error}");
    transaction.rollback().await.unwrap();
    let transaction = client.transaction().await.unwrap();
    assert_eq!(tasks::task_title(&transaction, id).await.unwrap(), "Before");
    transaction.commit().await.unwrap();
}

#[tokio::test]
async fn statements_deallocated_by_discard_all_are_prepared_again() {
    let client = client_with(ClientOptions::default()).await;
    tasks::add_task(&client, "x", "").await.unwrap();
    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 1);
    client.batch_execute("DISCARD ALL").await.unwrap();
    assert_eq!(server_side_statements(&client).await, 0);
    assert_eq!(
        tasks::count_tasks(&client, None).await.unwrap(),
        1,
        "SQLSTATE 26000 → re-prepared"
    );
    assert_eq!(server_side_statements(&client).await, 1);
}

#[tokio::test]
async fn unnamed_mode_prepares_nothing_on_the_server() {
    let client = client_with(ClientOptions {
        mode: StatementMode::Unnamed,
        ..ClientOptions::default()
    })
    .await;
    let id = tasks::add_task(&client, "Unnamed", "").await.unwrap();
    assert_eq!(tasks::task_title(&client, id).await.unwrap(), "Unnamed");
    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 1);
    // User-defined types in parameters and results: described once, inside a transaction,
    // and nothing left behind (tokio-postgres' typeinfo statements included).
    let id = all_types::insert_user_types(&client, Mood::Sad, Some(billing::Currency::Eur), 3, None, None, &[])
        .await
        .unwrap();
    let row = all_types::get_user_types(&client, id).await.unwrap();
    assert_eq!((row.feeling, row.currency), (Mood::Sad, Some(billing::Currency::Eur)));
    let found = all_types::users_feeling(&client, &[Mood::Sad]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(server_side_statements(&client).await, 0);
    assert!(client.statement_cache().is_empty());
}
