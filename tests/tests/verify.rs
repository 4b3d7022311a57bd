//! The generated `verify(&client)`: passes on the schema the code was generated from, and
//! reports each drifted query (type changed, column dropped) with its file:line.

use quarry_tests::asynchronous as generated;
use quarry_tests::db::fresh_database;

#[tokio::test]
async fn verify_passes_then_reports_every_drifted_query() {
    let client = quarry::Client::connect(&fresh_database()).await.unwrap();
    let checked = generated::verify(&client).await.unwrap();
    assert!(checked > 40, "every generated query is checked ({checked})");

    client
        .batch_execute("ALTER TABLE tasks ALTER COLUMN title TYPE text; ALTER TABLE orders DROP COLUMN attachment")
        .await
        .unwrap();
    let error = generated::verify(&client).await.unwrap_err();
    let problems: Vec<String> = error
        .drifts
        .iter()
        .map(|d| format!("{} ({}): {}", d.query, d.source, d.problem))
        .collect();
    assert!(
        problems.contains(
            &"list_tasks (../queries/tasks.sql:8): column `title` is now `text`, was generated as `varchar`"
                .to_string()
        ),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("place_order (../queries/orders.sql:1): no longer prepares: column \"attachment\"")),
        "{problems:#?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("generated queries no longer match the database"),
        "{message}"
    );
    // Parameters typed by the server still match: add_task's title parameter is bound by name,
    // and the server infers `text` now — a drift too.
    assert!(problems.iter().any(|p| p.starts_with("add_task (")), "{problems:#?}");
}

/// Two schemas with a table of the same name: with another `search_path`, the same SQL reads
/// the other one. `verify` says so first, in both flavours, then lists the queries that changed.
#[tokio::test]
async fn verify_notices_another_search_path() {
    let url = fresh_database();
    let admin = quarry::Client::connect(&url).await.unwrap();
    admin
        .batch_execute("CREATE SCHEMA shadow; CREATE TABLE shadow.tasks (id bigint PRIMARY KEY, title text)")
        .await
        .unwrap();
    // The server resolves `tasks` exactly as generation did: public.tasks.
    assert!(generated::verify(&admin).await.is_ok());

    let shadowed = format!("{url} options='-c search_path=shadow,public'");
    let client = quarry::Client::connect(&shadowed).await.unwrap();
    let error = generated::verify(&client).await.unwrap_err();
    assert_eq!(error.drifts[0].query, "(search_path)");
    assert_eq!(
        error.drifts[0].problem,
        "the connection's search_path resolves names in [shadow, public]; the code was generated against [public], so unqualified tables may be other ones"
    );
    assert!(
        error.drifts.iter().any(|d| d.query == "list_tasks"),
        "the queries that now read shadow.tasks are listed too: {error}"
    );

    let sync_url = shadowed.clone();
    let sync_error = tokio::task::spawn_blocking(move || {
        let client = quarry::sync::Client::connect(&sync_url).unwrap();
        quarry_tests::blocking::verify(&client).unwrap_err()
    })
    .await
    .unwrap();
    assert_eq!(sync_error.drifts[0].query, "(search_path)");
}
