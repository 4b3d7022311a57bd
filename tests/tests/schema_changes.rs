//! Schema changes under a live pool: a migration that drops and re-creates an enum (new OID)
//! and the table using it while pooled connections hold cached statements and type
//! information. In prepared mode every call after the migration succeeds (the statement is
//! re-prepared in the same call); in unnamed mode a connection's first call may fail with an
//! error that says what changed, and the pool replaces the connection. Either way the pool
//! heals without a restart.

use quarry::{ClientOptions, Pool, PoolConfig, StatementMode};
use quarry_tests::asynchronous::forecasts;
use quarry_tests::asynchronous::types::Weather;
use quarry_tests::db::fresh_database;

const RECREATE: &str = "DROP TABLE forecasts; DROP TYPE weather;
    CREATE TYPE weather AS ENUM ('sun', 'rain');
    CREATE TABLE forecasts (id serial PRIMARY KEY, sky weather NOT NULL);";

/// A fresh database and a pool of two connections to it in `mode`.
async fn two_connection_pool(mode: StatementMode) -> (String, Pool) {
    let url = fresh_database();
    let config = PoolConfig {
        max_size: 2,
        client: ClientOptions {
            mode,
            ..ClientOptions::default()
        },
        ..PoolConfig::default()
    };
    let pool = Pool::connect(&url, config).await.unwrap();
    (url, pool)
}

async fn every_connection_works(pool: &Pool, round: usize) {
    // Both connections, at once, so each has its own cached statements.
    let (a, b) = (pool.get().await.unwrap(), pool.get().await.unwrap());
    for (n, conn) in [a, b].iter().enumerate() {
        let id = forecasts::add_forecast(conn, Weather::Rain)
            .await
            .unwrap_or_else(|e| panic!("round {round}, connection {n}: add_forecast: {e}"));
        let sky = forecasts::get_forecast(conn, id)
            .await
            .unwrap_or_else(|e| panic!("round {round}, connection {n}: get_forecast: {e}"));
        assert_eq!(sky, Weather::Rain);
    }
}

/// After the migration in unnamed mode: each connection's first call fails, saying what
/// happened; the pool then replaces the connection. Returns how many calls failed.
async fn first_calls_after_migration(pool: &Pool, round: usize) -> usize {
    let (a, b) = (pool.get().await.unwrap(), pool.get().await.unwrap());
    let mut failed = 0;
    for conn in [&a, &b] {
        if let Err(e) = forecasts::add_forecast(conn, Weather::Sun).await {
            assert!(
                e.to_string()
                    .contains("was dropped and re-created since the connection learned it"),
                "round {round}: {e}"
            );
            failed += 1;
        }
    }
    failed
}

async fn survives_recreated_enum(mode: StatementMode) {
    let (url, pool) = two_connection_pool(mode).await;
    every_connection_works(&pool, 0).await;
    let migrator = quarry::Client::connect(&url).await.unwrap();
    for round in 1..=3 {
        migrator.batch_execute(RECREATE).await.unwrap();
        match mode {
            // Every cached statement is re-prepared against the new type, in the same call.
            StatementMode::Prepared => {}
            // What each connection learned cannot be refreshed in place: its first call
            // fails, and the pool replaces it.
            StatementMode::Unnamed => assert_eq!(first_calls_after_migration(&pool, round).await, 2),
        }
        every_connection_works(&pool, round).await;
    }
}

#[tokio::test]
async fn a_recreated_enum_heals_in_prepared_mode() {
    survives_recreated_enum(StatementMode::Prepared).await;
}

#[tokio::test]
async fn a_recreated_enum_heals_in_unnamed_mode() {
    survives_recreated_enum(StatementMode::Unnamed).await;
}

/// A column's type changed and a table renamed under a live pool: every call either succeeds
/// or fails with a typed error naming the problem, and once the migration is undone the same
/// pooled connections work again — no restart, in both modes.
async fn other_changes_fail_typed_then_heal(mode: StatementMode) {
    let (url, pool) = two_connection_pool(mode).await;
    every_connection_works(&pool, 0).await;
    let migrator = quarry::Client::connect(&url).await.unwrap();
    let id = forecasts::add_forecast(&pool.get().await.unwrap(), Weather::Sun)
        .await
        .unwrap();

    // The column becomes text: reading it as the generated enum is a decode error that names
    // the column and both types.
    migrator
        .batch_execute("ALTER TABLE forecasts ALTER COLUMN sky TYPE text")
        .await
        .unwrap();
    for _ in 0..2 {
        let conn = pool.get().await.unwrap();
        let e = forecasts::get_forecast(&conn, id).await.unwrap_err();
        assert_eq!(e.kind(), quarry::ErrorKind::Decode, "{e}");
        assert!(e.to_string().contains("sky"), "{e}");
    }
    migrator
        .batch_execute("ALTER TABLE forecasts ALTER COLUMN sky TYPE weather USING sky::weather")
        .await
        .unwrap();
    every_connection_works(&pool, 1).await;

    // The table renamed: 42P01 from the server, as a typed database error.
    migrator
        .batch_execute("ALTER TABLE forecasts RENAME TO old_forecasts")
        .await
        .unwrap();
    for _ in 0..2 {
        let conn = pool.get().await.unwrap();
        let e = forecasts::get_forecast(&conn, id).await.unwrap_err();
        assert_eq!(e.code().map(|c| c.code()), Some("42P01"), "{e}");
        assert!(e.to_string().contains("forecasts"), "{e}");
    }
    migrator
        .batch_execute("ALTER TABLE old_forecasts RENAME TO forecasts")
        .await
        .unwrap();
    every_connection_works(&pool, 2).await;
}

#[tokio::test]
async fn a_changed_column_and_a_renamed_table_fail_typed_then_heal_in_prepared_mode() {
    other_changes_fail_typed_then_heal(StatementMode::Prepared).await;
}

#[tokio::test]
async fn a_changed_column_and_a_renamed_table_fail_typed_then_heal_in_unnamed_mode() {
    other_changes_fail_typed_then_heal(StatementMode::Unnamed).await;
}
