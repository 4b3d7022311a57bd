//! Transactions: commit/rollback (also on panic), savepoints, isolation options, and `retry`
//! with two real conflicting SERIALIZABLE transactions.

use futures_util::FutureExt;
use quarry::{ErrorKind, IsolationLevel, RetryOptions};
use quarry_tests::asynchronous::tasks;
use quarry_tests::db::fresh_database;
use std::time::Duration;

async fn client(url: &str) -> quarry::Client {
    quarry::Client::connect(url).await.expect("connect")
}

#[tokio::test]
async fn in_transaction_commits_on_ok_and_rolls_back_on_err() {
    let mut client = client(&fresh_database()).await;
    let id = client
        .in_transaction(async |tx| tasks::add_task(tx, "kept", "").await)
        .await
        .unwrap();
    let failed: Result<(), quarry::Error> = client
        .in_transaction(async |tx| {
            tasks::add_task(tx, "rolled back", "").await?;
            tasks::task_title(tx, -1).await.map(drop) // no row: RowCount error
        })
        .await;
    assert_eq!(failed.unwrap_err().kind(), ErrorKind::RowCount);
    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 1);
    assert_eq!(tasks::task_title(&client, id).await.unwrap(), "kept");
}

#[tokio::test]
async fn a_panic_unwinding_through_a_transaction_rolls_it_back() {
    let mut client = client(&fresh_database()).await;
    let outcome = std::panic::AssertUnwindSafe(async {
        let tx = client.transaction().await.unwrap();
        tasks::add_task(&tx, "never", "").await.unwrap();
        panic!("the handler crashed");
    })
    .catch_unwind()
    .await;
    assert!(outcome.is_err());
    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 0);
}

#[tokio::test]
async fn nested_transactions_are_savepoints() {
    let mut client = client(&fresh_database()).await;
    let titles = client
        .in_transaction(async |outer| {
            tasks::add_task(outer, "outer before", "").await?;
            let inner: Result<(), quarry::Error> = outer
                .in_transaction(async |inner| {
                    tasks::add_task(inner, "inner", "").await?;
                    tasks::add_task(inner, &"x".repeat(300), "").await.map(drop)
                    // varchar(200)
                })
                .await;
            assert_eq!(inner.unwrap_err().sqlstate(), Some("22001"));
            tasks::add_task(outer, "outer after", "").await?;
            // An explicit savepoint that commits is kept.
            let mut kept = outer.transaction().await?;
            tasks::add_task(&kept, "savepoint kept", "").await?;
            let dropped = kept.transaction().await?;
            tasks::add_task(&dropped, "savepoint dropped", "").await?;
            drop(dropped);
            kept.commit().await?;
            Ok::<_, quarry::Error>(())
        })
        .await;
    titles.unwrap();
    let titles: Vec<String> = tasks::list_tasks(&client)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(titles, ["outer before", "outer after", "savepoint kept"]);
}

#[tokio::test]
async fn the_builder_sets_isolation_read_only_and_deferrable() {
    let mut client = client(&fresh_database()).await;
    let tx = client
        .build_transaction()
        .isolation(IsolationLevel::Serializable)
        .read_only(true)
        .deferrable(true)
        .start()
        .await
        .unwrap();
    let row = tx
        .query_one(
            "SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only'), \
             current_setting('transaction_deferrable')",
            &[],
        )
        .await
        .unwrap();
    let settings: (String, String, String) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(settings, ("serializable".into(), "on".into(), "on".into()));
    let error = tasks::add_task(&tx, "write", "").await.unwrap_err();
    assert_eq!(error.sqlstate(), Some("25006"), "read-only transactions refuse writes");
}

#[tokio::test]
async fn retry_reruns_conflicting_serializable_transactions() {
    let url = fresh_database();
    let (mut a, mut b) = (client(&url).await, client(&url).await);
    let barrier = tokio::sync::Barrier::new(2);
    let policy = RetryOptions {
        base_delay: Duration::from_millis(5),
        ..RetryOptions::default()
    };
    // Write skew: each reads the table, then inserts into it. Under SERIALIZABLE one of the
    // two must fail (40001) and, retried, sees the other's row.
    let run = async |client: &mut quarry::Client, name: &str| {
        let mut attempts = 0;
        let seen = quarry::retry(client, &policy, async |tx| {
            attempts += 1;
            let seen = tasks::count_tasks(tx, None).await?;
            if attempts == 1 {
                barrier.wait().await;
            }
            tasks::add_task(tx, name, "").await?;
            Ok::<_, quarry::Error>(seen)
        })
        .await
        .unwrap();
        (seen, attempts)
    };
    let ((seen_a, attempts_a), (seen_b, attempts_b)) = tokio::join!(run(&mut a, "a"), run(&mut b, "b"));
    assert_eq!(attempts_a + attempts_b, 3, "exactly one transaction was retried once");
    let mut seen = [seen_a, seen_b];
    seen.sort();
    assert_eq!(seen, [0, 1], "the retried one saw the other's committed row");
    assert_eq!(tasks::count_tasks(&a, None).await.unwrap(), 2);
}

#[tokio::test]
async fn retry_never_retries_permanent_errors() {
    let mut client = client(&fresh_database()).await;
    let mut attempts = 0;
    let error = quarry::retry(&mut client, &RetryOptions::default(), async |tx| {
        attempts += 1;
        tasks::task_title(tx, -1).await
    })
    .await
    .unwrap_err();
    assert_eq!((error.kind(), attempts), (ErrorKind::RowCount, 1));
}
