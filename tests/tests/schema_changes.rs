//! Schema changes under a live pool: a migration that drops and re-creates an enum or a
//! composite type (new OID) and the table using it while pooled connections hold cached
//! statements and type information; `DISCARD ALL` on a pooled connection (what a pooler runs
//! between clients); a column's type changed; a table renamed. In prepared mode every call
//! after a re-creation succeeds (the statement is re-prepared in the same call); in unnamed mode
//! a connection's first call may fail with an error that says what changed, and the pool
//! replaces the connection. Either way the pool heals without a restart.

use quarry::rust_decimal::Decimal;
use quarry::{ClientOptions, Pool, PoolOptions, StatementMode};
use quarry_tests::asynchronous::forecasts;
use quarry_tests::asynchronous::types::{Reading, Weather};
use quarry_tests::db::fresh_database;

/// A type only one table uses, which a migration drops and re-creates.
#[derive(Debug, Clone, Copy)]
enum Recreated {
    Enum,
    Composite,
}

impl Recreated {
    fn migration(self) -> &'static str {
        match self {
            Recreated::Enum => {
                "DROP TABLE forecasts; DROP TYPE weather;
                 CREATE TYPE weather AS ENUM ('sun', 'rain');
                 CREATE TABLE forecasts (id serial PRIMARY KEY, sky weather NOT NULL);"
            }
            Recreated::Composite => {
                "DROP TABLE readings; DROP TYPE reading;
                 CREATE TYPE reading AS (celsius numeric, station text);
                 CREATE TABLE readings (id serial PRIMARY KEY, reading reading NOT NULL);"
            }
        }
    }

    /// Writes a value of the type and reads it back.
    async fn round_trip(self, conn: &quarry::PooledClient) -> Result<(), quarry::Error> {
        match self {
            Recreated::Enum => {
                let id = forecasts::add_forecast(conn, Weather::Rain).await?;
                assert_eq!(forecasts::get_forecast(conn, id).await?, Weather::Rain);
            }
            Recreated::Composite => {
                let reading = Reading {
                    celsius: Some(Decimal::new(215, 1)),
                    station: Some("Uccle".into()),
                };
                let id = forecasts::add_reading(conn, &reading).await?;
                assert_eq!(forecasts::get_reading(conn, id).await?, reading);
            }
        }
        Ok(())
    }
}

/// A fresh database and a pool of two connections to it in `mode`.
async fn two_connection_pool(mode: StatementMode) -> (String, Pool) {
    let url = fresh_database();
    let config = PoolOptions {
        max_size: 2,
        client: ClientOptions {
            mode,
            ..ClientOptions::default()
        },
        ..PoolOptions::default()
    };
    let pool = Pool::connect(&url, config).await.unwrap();
    (url, pool)
}

async fn every_connection_works(pool: &Pool, round: usize, ty: Recreated) {
    // Both connections, at once, so each has its own cached statements.
    let (a, b) = (pool.get().await.unwrap(), pool.get().await.unwrap());
    for (n, conn) in [a, b].iter().enumerate() {
        ty.round_trip(conn)
            .await
            .unwrap_or_else(|e| panic!("{ty:?}, round {round}, connection {n}: {e}"));
    }
}

/// After the migration in unnamed mode: each connection's first call fails, saying what
/// happened; the pool then replaces the connection. Returns how many calls failed.
async fn first_calls_after_migration(pool: &Pool, round: usize, ty: Recreated) -> usize {
    let (a, b) = (pool.get().await.unwrap(), pool.get().await.unwrap());
    let mut failed = 0;
    for conn in [&a, &b] {
        if let Err(e) = ty.round_trip(conn).await {
            assert!(
                e.to_string()
                    .contains("was dropped and re-created since the connection learned it"),
                "{ty:?}, round {round}: {e}"
            );
            failed += 1;
        }
    }
    failed
}

async fn survives_recreation(mode: StatementMode, ty: Recreated) {
    let (url, pool) = two_connection_pool(mode).await;
    every_connection_works(&pool, 0, ty).await;
    let migrator = quarry::Client::connect(&url).await.unwrap();
    for round in 1..=3 {
        migrator.batch_execute(ty.migration()).await.unwrap();
        match mode {
            // Every cached statement is re-prepared against the new type, in the same call.
            StatementMode::Prepared => {}
            // What each connection learned cannot be refreshed in place: its first call
            // fails, and the pool replaces it.
            StatementMode::Unnamed => assert_eq!(first_calls_after_migration(&pool, round, ty).await, 2),
        }
        every_connection_works(&pool, round, ty).await;
    }
}

#[tokio::test]
async fn a_recreated_enum_heals_in_prepared_mode() {
    survives_recreation(StatementMode::Prepared, Recreated::Enum).await;
}

#[tokio::test]
async fn a_recreated_enum_heals_in_unnamed_mode() {
    survives_recreation(StatementMode::Unnamed, Recreated::Enum).await;
}

#[tokio::test]
async fn a_recreated_composite_heals_in_prepared_mode() {
    survives_recreation(StatementMode::Prepared, Recreated::Composite).await;
}

#[tokio::test]
async fn a_recreated_composite_heals_in_unnamed_mode() {
    survives_recreation(StatementMode::Unnamed, Recreated::Composite).await;
}

/// `DISCARD ALL` on a pooled connection (what a pooler runs between clients) drops every
/// prepared statement behind quarry's back. Its cached statements are prepared again in the
/// same call. In prepared mode, tokio-postgres' own type look-up statements went too, so a
/// type the connection never used cannot be learned on it: that call fails saying so and the
/// pool retires the connection; in unnamed mode quarry learns types itself and it succeeds.
/// Either way the pool then works with both types on every connection.
async fn survives_discard_all(mode: StatementMode) {
    let (_, pool) = two_connection_pool(mode).await;
    let conn = pool.get().await.unwrap();
    Recreated::Enum.round_trip(&conn).await.unwrap();
    conn.batch_execute("DISCARD ALL").await.unwrap();
    Recreated::Enum.round_trip(&conn).await.unwrap();
    let first_composite = Recreated::Composite.round_trip(&conn).await;
    match mode {
        StatementMode::Prepared => {
            let e = first_composite.unwrap_err();
            assert_eq!(e.code().map(|c| c.code()), Some("26000"), "{e}");
            assert!(e.to_string().contains("DISCARD ALL"), "{e}");
        }
        StatementMode::Unnamed => first_composite.unwrap(),
    }
    drop(conn);
    for ty in [Recreated::Enum, Recreated::Composite] {
        every_connection_works(&pool, 1, ty).await;
    }
}

#[tokio::test]
async fn discard_all_under_a_pool_is_survived_in_prepared_mode() {
    survives_discard_all(StatementMode::Prepared).await;
}

#[tokio::test]
async fn discard_all_under_a_pool_is_survived_in_unnamed_mode() {
    survives_discard_all(StatementMode::Unnamed).await;
}

async fn other_changes_fail_typed_then_heal(mode: StatementMode) {
    let (url, pool) = two_connection_pool(mode).await;
    every_connection_works(&pool, 0, Recreated::Enum).await;
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
    every_connection_works(&pool, 1, Recreated::Enum).await;

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
    every_connection_works(&pool, 2, Recreated::Enum).await;
}

#[tokio::test]
async fn a_changed_column_and_a_renamed_table_fail_typed_then_heal_in_prepared_mode() {
    other_changes_fail_typed_then_heal(StatementMode::Prepared).await;
}

#[tokio::test]
async fn a_changed_column_and_a_renamed_table_fail_typed_then_heal_in_unnamed_mode() {
    other_changes_fail_typed_then_heal(StatementMode::Unnamed).await;
}
