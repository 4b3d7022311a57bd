//! LISTEN / NOTIFY: several channels, typed payloads, delivery on commit, and reconnection
//! after the listener's backend is killed.

use futures_util::StreamExt;
use quarry::{ListenEvent, Listener, Notification};
use quarry_tests::db::fresh_database;
use std::time::Duration;

async fn next(listener: &mut Listener) -> ListenEvent {
    tokio::time::timeout(Duration::from_secs(10), listener.next())
        .await
        .expect("an event within 10 s")
        .expect("the listener is alive")
}

async fn notification(listener: &mut Listener) -> Notification {
    match next(listener).await {
        ListenEvent::Notification(n) => n,
        other => panic!("expected a notification, got {other:?}"),
    }
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct TaskAdded {
    id: i32,
    title: String,
}

#[tokio::test]
async fn listeners_receive_on_several_channels_with_typed_payloads() {
    let url = fresh_database();
    let mut listener = Listener::connect(&url, &["tasks", "odd \"channel\"; --"])
        .await
        .unwrap();
    let mut client = quarry::Client::connect(&url).await.unwrap();

    quarry::notify(&client, "tasks", "plain").await.unwrap();
    let n = notification(&mut listener).await;
    assert_eq!((n.channel.as_str(), n.payload.as_str()), ("tasks", "plain"));

    quarry::notify(&client, "odd \"channel\"; --", "'; DROP TABLE tasks; --")
        .await
        .unwrap();
    let n = notification(&mut listener).await;
    assert_eq!(
        n.payload, "'; DROP TABLE tasks; --",
        "payloads are bound, never spliced"
    );

    let added = TaskAdded {
        id: 7,
        title: "typed".into(),
    };
    quarry::notify_json(&client, "tasks", &added).await.unwrap();
    assert_eq!(notification(&mut listener).await.json::<TaskAdded>().unwrap(), added);

    // Inside a transaction: delivered on commit, dropped on rollback.
    let tx = client.transaction().await.unwrap();
    quarry::notify(&tx, "tasks", "rolled back").await.unwrap();
    tx.rollback().await.unwrap();
    let tx = client.transaction().await.unwrap();
    quarry::notify(&tx, "tasks", "committed").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(notification(&mut listener).await.payload, "committed");
}

#[tokio::test]
async fn a_listener_reconnects_relistens_and_reports_the_gap() {
    let url = fresh_database();
    let listener_url = format!("{url} application_name=quarry-listener");
    let mut listener = Listener::connect(&listener_url, &["jobs"]).await.unwrap();
    let client = quarry::Client::connect(&url).await.unwrap();
    client
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'quarry-listener'",
            &[],
        )
        .await
        .unwrap();
    match next(&mut listener).await {
        ListenEvent::Reconnected { gap } => assert!(gap < Duration::from_secs(10)),
        other => panic!("expected a reconnection, got {other:?}"),
    }
    quarry::notify(&client, "jobs", "after the gap").await.unwrap();
    assert_eq!(notification(&mut listener).await.payload, "after the gap");
}
