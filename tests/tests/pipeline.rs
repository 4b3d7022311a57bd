//! Batches (`:batchexec`, `:batchone`, `:batchmany`) and `quarry::pipeline!` on a real
//! server: results in order, per-call errors, and what an error does inside a transaction.

use quarry::ErrorKind;
use quarry_tests::asynchronous::tasks::{self, AddTasksParams, CompleteTasksParams, TasksWithPrefixParams};
use quarry_tests::db::fresh_database;

async fn client() -> quarry::Client {
    quarry::Client::connect(&fresh_database()).await.expect("connect")
}

#[tokio::test]
async fn batches_run_every_parameter_set_in_order() {
    let client = client().await;
    let titles: Vec<String> = (0..1000).map(|i| format!("task {i:04}")).collect();
    let ids = tasks::add_tasks(
        &client,
        titles.iter().map(|t| AddTasksParams {
            title: t,
            description: "",
        }),
    )
    .await
    .unwrap();
    assert_eq!(ids.len(), 1000);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "results come back in input order");
    assert_eq!(
        client.statement_cache().len(),
        1,
        "prepared once, not once per pipelined call"
    );

    let done = tasks::complete_tasks(&client, ids[..10].iter().map(|&id| CompleteTasksParams { id }))
        .await
        .unwrap();
    assert_eq!(done, vec![1; 10]);
    assert_eq!(tasks::count_tasks(&client, Some("done")).await.unwrap(), 10);

    let groups = tasks::tasks_with_prefix(
        &client,
        ["task 000", "task 09", "nothing"].map(|prefix| TasksWithPrefixParams { prefix }),
    )
    .await
    .unwrap();
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    assert_eq!(sizes, [10, 100, 0]);
    assert_eq!(groups[0][3].title, "task 0003");

    let none = tasks::complete_tasks(&client, std::iter::empty()).await.unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn a_failing_batch_item_is_named_and_a_transaction_makes_it_all_or_nothing() {
    let mut client = client().await;
    let long = "x".repeat(300); // tasks.title is varchar(200)
    let titles: Vec<&str> = (0..20).map(|i| if i == 7 { long.as_str() } else { "ok" }).collect();
    let params = || {
        titles.iter().map(|t| AddTasksParams {
            title: t,
            description: "",
        })
    };

    let transaction = client.transaction().await.unwrap();
    let error = tasks::add_tasks(&transaction, params()).await.unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some("22001"), "{error}");
    assert!(error.to_string().contains("(batch item 7)"), "{error}");
    transaction.rollback().await.unwrap();
    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 0, "nothing was kept");

    // Outside a transaction every item but the failing one is applied (each call commits).
    tasks::add_tasks(&client, params()).await.unwrap_err();
    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 19);
}

#[tokio::test]
async fn pipelined_calls_return_typed_results_and_fail_one_by_one() {
    let mut client = client().await;
    let id = tasks::add_task(&client, "Pipelined", "").await.unwrap();
    let (title, count, missing, found) = quarry::pipeline!(
        tasks::task_title(&client, id),
        tasks::count_tasks(&client, None),
        tasks::task_title(&client, id + 1000),
        tasks::find_task(&client, id),
    );
    assert_eq!(title.unwrap(), "Pipelined");
    assert_eq!(count.unwrap(), 1);
    assert_eq!(missing.unwrap_err().kind(), ErrorKind::RowCount, "only this call fails");
    assert_eq!(found.unwrap().unwrap().title, "Pipelined");

    // A database error inside a transaction aborts it: the calls after it fail with 25P02,
    // as in psycopg's pipeline mode.
    let long = "x".repeat(300);
    let transaction = client.transaction().await.unwrap();
    let (first, failing, after) = quarry::pipeline!(
        tasks::count_tasks(&transaction, None),
        tasks::add_task(&transaction, &long, ""),
        tasks::count_tasks(&transaction, None),
    );
    assert_eq!(first.unwrap(), 1);
    assert_eq!(failing.unwrap_err().code().map(|c| c.code()), Some("22001"));
    assert_eq!(after.unwrap_err().code().map(|c| c.code()), Some("25P02"));
    transaction.rollback().await.unwrap();
}
