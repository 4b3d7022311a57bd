//! Every `ErrorKind`, provoked on a real server, with the accessors a handler needs.

use quarry::ErrorKind;
use quarry_tests::asynchronous::types::Mood;
use quarry_tests::asynchronous::{all_types, orders, tasks, users};
use quarry_tests::db::fresh_database;
use std::time::Duration;

async fn client(url: &str) -> quarry::Client {
    quarry::Client::connect(url).await.expect("connect")
}

/// Runs raw SQL and converts the failure the way generated calls do.
async fn raw_error(client: &quarry::Client, sql: &str) -> quarry::Error {
    client
        .batch_execute(sql)
        .await
        .map_err(quarry::Error::from)
        .unwrap_err()
}

#[tokio::test]
async fn constraint_violations_are_classified_with_their_details() {
    let client = client(&fresh_database()).await;
    users::create_user(&client, "ada@example.org", "Ada", None)
        .await
        .unwrap();

    let unique = users::create_user(&client, "ada@example.org", "Ada again", None)
        .await
        .unwrap_err();
    assert_eq!(unique.kind(), ErrorKind::UniqueViolation);
    assert_eq!(unique.constraint(), Some("users_email_key"));
    assert_eq!(unique.table(), Some("users"));
    assert_eq!(unique.detail(), Some("Key (email)=(ada@example.org) already exists."));
    assert_eq!(unique.sqlstate(), Some("23505"));
    assert!(!unique.is_transient());
    let message = unique.to_string();
    assert!(
        message.starts_with("query `create_user` (../queries/users.sql:1): ERROR: duplicate key"),
        "{message}"
    );

    let foreign = orders::place_order(&client, 999, quarry::rust_decimal::Decimal::ONE, None, None)
        .await
        .unwrap_err();
    assert_eq!(foreign.kind(), ErrorKind::ForeignKeyViolation);
    assert_eq!(foreign.constraint(), Some("orders_user_id_fkey"));

    let check = all_types::insert_user_types(&client, Mood::Sad, None, 0, None, None, &[])
        .await
        .unwrap_err();
    assert_eq!(check.kind(), ErrorKind::CheckViolation, "a domain's CHECK");

    let not_null = raw_error(&client, "INSERT INTO users (email, name) VALUES ('x@y.z', NULL)").await;
    assert_eq!(not_null.kind(), ErrorKind::NotNullViolation);
    assert_eq!((not_null.table(), not_null.column()), (Some("users"), Some("name")));

    client
        .batch_execute(
            "CREATE TABLE bookings (during int4range, EXCLUDE USING gist (during WITH &&)); \
             INSERT INTO bookings VALUES ('[1,5)')",
        )
        .await
        .unwrap();
    let exclusion = raw_error(&client, "INSERT INTO bookings VALUES ('[3,8)')").await;
    assert_eq!(exclusion.kind(), ErrorKind::ExclusionViolation);
}

#[tokio::test]
async fn syntax_errors_report_position_and_hint() {
    let client = client(&fresh_database()).await;
    let error = raw_error(&client, "SELECT * FROM tasks WHERE titel = 'x'").await;
    assert_eq!(error.kind(), ErrorKind::Database);
    assert_eq!(error.sqlstate(), Some("42703"));
    assert_eq!(error.position(), Some(27));
    assert_eq!(
        error.hint(),
        Some("Perhaps you meant to reference the column \"tasks.title\".")
    );
}

#[tokio::test]
async fn timeouts_cancellation_and_lost_connections() {
    let url = fresh_database();
    let client = client(&url).await;

    client.batch_execute("SET statement_timeout = 50").await.unwrap();
    let timeout = raw_error(&client, "SELECT pg_sleep(2)").await;
    assert_eq!(timeout.kind(), ErrorKind::StatementTimeout);
    client.batch_execute("SET statement_timeout = 0").await.unwrap();

    let token = client.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        token.cancel_query(quarry::tokio_postgres::NoTls).await.unwrap();
    });
    let canceled = raw_error(&client, "SELECT pg_sleep(5)").await;
    canceller.await.unwrap();
    assert_eq!(canceled.kind(), ErrorKind::QueryCanceled);

    let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
    let admin = quarry::Client::connect(&url).await.unwrap();
    admin.execute("SELECT pg_terminate_backend($1)", &[&pid]).await.unwrap();
    let lost = tasks::count_tasks(&client, None).await.unwrap_err();
    assert_eq!(lost.kind(), ErrorKind::Connection, "{lost}");
    assert!(lost.is_transient());
}

#[tokio::test]
async fn deadlocks_and_serialization_failures_are_transient() {
    let url = fresh_database();
    let (mut a, mut b) = (client(&url).await, client(&url).await);
    let first = tasks::add_task(&a, "one", "").await.unwrap();
    let second = tasks::add_task(&a, "two", "").await.unwrap();

    // Deadlock: each locks one row, then wants the other's.
    let ta = a.transaction().await.unwrap();
    let tb = b.transaction().await.unwrap();
    tasks::complete_task(&ta, first).await.unwrap();
    tasks::complete_task(&tb, second).await.unwrap();
    let (ra, rb) = tokio::join!(tasks::complete_task(&ta, second), tasks::complete_task(&tb, first));
    let deadlock = ra.err().or(rb.err()).expect("one side is the deadlock victim");
    assert_eq!(deadlock.kind(), ErrorKind::Deadlock);
    assert!(deadlock.is_transient());
    drop((ta, tb));

    // Serialization failure: two SERIALIZABLE transactions update the same row.
    let serializable = quarry::IsolationLevel::Serializable;
    let ta = a.build_transaction().isolation(serializable).start().await.unwrap();
    let tb = b.build_transaction().isolation(serializable).start().await.unwrap();
    tasks::count_tasks(&ta, None).await.unwrap();
    tasks::count_tasks(&tb, None).await.unwrap();
    tasks::complete_task(&ta, first).await.unwrap();
    ta.commit().await.unwrap();
    let conflict = tasks::complete_task(&tb, first).await.unwrap_err();
    assert_eq!(conflict.kind(), ErrorKind::SerializationFailure);
    assert!(conflict.is_transient());
}
