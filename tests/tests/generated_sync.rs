//! The blocking flavour, generated from the same model, against a real server.

use quarry::ErrorKind;
use quarry_tests::blocking::{orders, tasks, users};
use quarry_tests::db::fresh_database;

fn client() -> quarry::sync::Client {
    quarry::sync::Client::connect(&fresh_database()).expect("connect")
}

#[test]
fn task_manager_flow() {
    let mut client = client();
    let a = tasks::add_task(&mut client, "Buy milk", "").unwrap();
    let b = tasks::add_task(&mut client, "Call", "mum").unwrap();
    assert_eq!(tasks::complete_task(&mut client, a).unwrap(), 1);
    let pending: Vec<_> = tasks::list_tasks_by_status(&mut client, Some("pending"))
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(pending, vec![b]);
    assert_eq!(tasks::find_task(&mut client, b).unwrap().unwrap().description, "mum");
    assert_eq!(tasks::delete_task(&mut client, b).unwrap(), 1);
    assert_eq!(tasks::find_task(&mut client, b).unwrap(), None);
    assert_eq!(tasks::count_tasks(&mut client, None).unwrap(), 1);
    let all = tasks::list_tasks(&mut client).unwrap();
    assert_eq!((all.len(), all[0].status.as_str()), (1, "done"));
    assert_eq!(client.statement_cache().len(), 7);
}

#[test]
fn errors_name_the_query() {
    let mut client = client();
    let error = tasks::task_title(&mut client, 1).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RowCount);
    assert_eq!(
        error.to_string(),
        "query `task_title` (../queries/tasks.sql:38): expected exactly one row, got none"
    );
    users::create_user(&mut client, "x@example.com", "X", None).unwrap();
    let dup = users::create_user(&mut client, "x@example.com", "X", None).unwrap_err();
    assert_eq!(dup.code(), Some(&postgres::error::SqlState::UNIQUE_VIOLATION));
}

#[test]
fn transactions_and_plain_postgres_clients() {
    let mut client = client();
    {
        let mut tx = client.transaction().unwrap();
        tasks::add_task(&mut tx, "rolled back", "").unwrap();
    }
    let mut tx = client.transaction().unwrap();
    let user = users::create_user(&mut tx, "t@example.com", "T", Some("bio")).unwrap();
    orders::place_order(&mut tx, user.id, "9.99".parse().unwrap(), None, None).unwrap();
    tx.commit().unwrap();
    assert_eq!(tasks::count_tasks(&mut client, None).unwrap(), 0);

    let mut raw = postgres::Client::connect(&fresh_database(), postgres::NoTls).unwrap();
    let id = tasks::add_task(&mut raw, "raw", "").unwrap();
    let mut raw_tx = raw.transaction().unwrap();
    assert_eq!(tasks::task_title(&mut raw_tx, id).unwrap(), "raw");
    raw_tx.commit().unwrap();
}
