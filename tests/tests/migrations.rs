//! Migrations the app applies (docs/migrations.md), against real servers: a fresh database
//! to head, a re-run that does nothing, eight instances racing (each migration applied once),
//! a failing migration rolled back with its file:line:column, an edited applied migration
//! caught, out-of-order versions, revert, a migration outside a transaction (`CREATE INDEX
//! CONCURRENTLY`), PgBouncer in transaction mode, and a goose history adopted.

use quarry::migrate::{MigrateError, Migrator, State};
use quarry_tests::db::{fresh_database_with, server};
use quarry_tests::pgbouncer::PgBouncer;

static APP: Migrator = quarry::migrations!("migrations/app");
static GOOSE: Migrator = quarry::migrations!("migrations/goose");
static FAILING: Migrator = quarry::migrations!("migrations/failing");

/// A database with nothing in it: the migrations build the schema.
fn empty_database() -> String {
    fresh_database_with(&[])
}

async fn connect(url: &str) -> quarry::Client {
    quarry::Client::connect(url).await.unwrap()
}

/// `instances` tasks, each on its own connection, running `migrator` at once; how many
/// migrations they applied in all.
async fn race(url: &str, instances: usize, migrator: &'static Migrator) -> usize {
    let tasks: Vec<_> = (0..instances)
        .map(|_| {
            let url = url.to_string();
            tokio::spawn(async move {
                let client = connect(&url).await;
                migrator.run(&client).await.unwrap().len()
            })
        })
        .collect();
    let mut applied = 0;
    for task in tasks {
        applied += task.await.unwrap();
    }
    applied
}

async fn count(client: &quarry::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_fresh_database_migrates_to_head_once() {
    let client = connect(&empty_database()).await;
    let applied = APP.run(&client).await.unwrap();
    let versions: Vec<i64> = applied.iter().map(|a| a.version).collect();
    assert_eq!(versions, [1, 2, 3]);
    assert_eq!(applied[1].description, "posts");
    // The schema is there: tables, the function with `;` in its body, the concurrent index.
    client
        .execute("INSERT INTO users (email) VALUES ('a@b.c')", &[])
        .await
        .unwrap();
    assert_eq!(count(&client, "SELECT post_count(1)").await, 0);
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'posts_by_user'"
        )
        .await,
        1
    );
    // Again: nothing to do.
    assert!(APP.run(&client).await.unwrap().is_empty());
    let status = APP.status(&client).await.unwrap();
    assert!(status.iter().all(|s| s.state == State::Applied), "{status:?}");
    let checksum: Vec<u8> = client
        .query_one("SELECT checksum FROM quarry_migrations WHERE version = 2", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(checksum, &*APP.migrations()[1].checksum);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_racing_apply_each_migration_exactly_once() {
    let url = empty_database();
    let applied = race(&url, 8, &APP).await;
    assert_eq!(applied, 3, "three migrations, applied once among eight instances");
    let client = connect(&url).await;
    let runs: Vec<(i32, i64)> = client
        .query(
            "SELECT version, count(*) FROM migration_runs GROUP BY version ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(runs, [(1, 1), (2, 1), (3, 1)]);
}

#[tokio::test]
async fn a_failing_migration_is_rolled_back_and_located() {
    let client = connect(&empty_database()).await;
    let error = FAILING.run(&client).await.unwrap_err();
    assert!(
        matches!(
            error,
            MigrateError::Failed {
                version: 2,
                rolled_back: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "migrations/failing/2_broken.sql:6:10: migration 2 failed: type \"txet\" does not exist (rolled back)"
    );
    // Migration 1 stays; nothing of migration 2 does (its first statement included).
    assert_eq!(count(&client, "SELECT count(*) FROM quarry_migrations").await, 1);
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('kept', 'half')"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_edited_applied_migration_is_refused_before_anything_runs() {
    let client = connect(&empty_database()).await;
    APP.run(&client).await.unwrap();
    // The same folder with 0002's file edited, and a new migration after it.
    let mut migrations = APP.migrations().to_vec();
    migrations[1].checksum = vec![0; 32].into();
    let mut new = migrations[2].clone();
    new.version = 4;
    new.up = "CREATE TABLE never (id int)".into();
    new.statements = vec![(0, 27)].into();
    new.down = None;
    migrations.push(new);
    let error = Migrator::from_migrations(migrations).run(&client).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "migrations/app/0002_posts.up.sql: migration 2 was applied, and the file has changed since; \
         undo the edit and add a new migration instead"
    );
    assert_eq!(
        count(&client, "SELECT count(*) FROM pg_tables WHERE tablename = 'never'").await,
        0
    );
}

#[tokio::test]
async fn a_version_older_than_the_newest_applied_is_out_of_order() {
    let client = connect(&empty_database()).await;
    let all = APP.migrations().to_vec();
    let without_two: Vec<_> = all.iter().filter(|m| m.version != 2).cloned().collect();
    // 1 and 3 applied (3 needs the posts table: give it one)...
    client
        .batch_execute("CREATE TABLE posts (user_id bigint)")
        .await
        .unwrap();
    Migrator::from_migrations(without_two).run(&client).await.unwrap();
    client.batch_execute("DROP TABLE posts CASCADE").await.unwrap();
    // ...then 2 shows up.
    let error = Migrator::from_migrations(all.clone()).run(&client).await.unwrap_err();
    assert!(
        matches!(
            error,
            MigrateError::OutOfOrder {
                version: 2,
                newest: 3,
                ..
            }
        ),
        "{error}"
    );
    let applied = Migrator::from_migrations(all)
        .allow_out_of_order(true)
        .run(&client)
        .await
        .unwrap();
    assert_eq!(applied.iter().map(|a| a.version).collect::<Vec<_>>(), [2]);
}

#[tokio::test]
async fn revert_walks_back_one_migration_at_a_time() {
    let client = connect(&empty_database()).await;
    APP.run(&client).await.unwrap();
    // 3 runs outside a transaction (DROP INDEX CONCURRENTLY) in its down part too.
    assert_eq!(APP.revert(&client).await.unwrap(), Some(3));
    let status = APP.status(&client).await.unwrap();
    assert_eq!(status[2].state, State::Pending, "{status:?}");
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'posts_by_user'"
        )
        .await,
        0
    );
    assert_eq!(APP.revert(&client).await.unwrap(), Some(2));
    assert_eq!(
        count(&client, "SELECT count(*) FROM pg_tables WHERE tablename = 'posts'").await,
        0
    );
    assert_eq!(APP.revert(&client).await.unwrap(), Some(1));
    assert_eq!(APP.revert(&client).await.unwrap(), None);
    // And forward again.
    assert_eq!(APP.run(&client).await.unwrap().len(), 3);
}

#[tokio::test]
async fn migrations_run_through_pgbouncer_in_transaction_mode() {
    let bouncer = PgBouncer::start(server(), 2);
    let url = bouncer.connection_string_for(&empty_database());
    let applied = race(&url, 3, &GOOSE).await;
    assert_eq!(applied, 2);
    let client = connect(&url).await;
    assert!(GOOSE.run(&client).await.unwrap().is_empty());
    client
        .batch_execute("INSERT INTO users (email) VALUES ('x'); INSERT INTO posts (user_id) VALUES (1); UPDATE posts SET user_id = 1")
        .await
        .unwrap();
    assert_eq!(
        count(&client, "SELECT count(*) FROM posts WHERE updated_at IS NOT NULL").await,
        1
    );
}

#[tokio::test]
async fn a_goose_history_is_adopted() {
    let client = connect(&empty_database()).await;
    // What goose leaves: its table (with its version-0 row) and the first migration applied.
    client
        .batch_execute(
            "CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, \
               is_applied boolean NOT NULL, tstamp timestamp DEFAULT now()); \
             INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (20240101000000, true); \
             CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);",
        )
        .await
        .unwrap();
    assert_eq!(GOOSE.adopt(&client).await.unwrap(), Some(("goose", 1)));
    let applied = GOOSE.run(&client).await.unwrap();
    assert_eq!(applied.iter().map(|a| a.version).collect::<Vec<_>>(), [20240102000000]);
    // Adopting twice marks nothing more.
    assert_eq!(GOOSE.adopt(&client).await.unwrap(), Some(("goose", 0)));
}

#[test]
fn the_blocking_flavour_migrates_too() {
    let client = quarry::sync::Client::connect(&empty_database()).unwrap();
    assert_eq!(APP.run_blocking(&client).unwrap().len(), 3);
    assert!(APP.run_blocking(&client).unwrap().is_empty());
    assert_eq!(APP.revert_blocking(&client).unwrap(), Some(3));
    let status = APP.status_blocking(&client).unwrap();
    assert_eq!(status.iter().filter(|s| s.state == State::Pending).count(), 1);
}

#[tokio::test]
async fn verify_names_the_migrations_the_code_expects() {
    use quarry_tests::migrated;
    assert_eq!(
        migrated::MIGRATIONS,
        [
            (1, "0001_users.up.sql"),
            (2, "0002_posts.up.sql"),
            (3, "0003_posts_index.up.sql")
        ]
    );
    let client = connect(&empty_database()).await;
    // Two of three applied: the third is named.
    let two: Vec<_> = APP.migrations()[..2].to_vec();
    Migrator::from_migrations(two).run(&client).await.unwrap();
    let error = migrated::verify(&client).await.unwrap_err();
    assert_eq!(error.drifts.len(), 1, "{error}");
    assert!(
        error.drifts[0]
            .problem
            .starts_with("migration 3 (0003_posts_index.up.sql) is not applied to this database"),
        "{error}"
    );
    // All applied: the code and the database agree.
    APP.run(&client).await.unwrap();
    assert_eq!(migrated::verify(&client).await.unwrap(), 2);
    let id = migrated::posts::add_user(&client, "a@b.c").await.unwrap();
    assert_eq!(migrated::posts::user_post_count(&client, id).await.unwrap(), Some(0));
    // A migration the code does not know: the code is older than the database.
    let mut newer = APP.migrations().to_vec();
    let mut four = newer[0].clone();
    (four.version, four.description) = (4, "newer".into());
    (four.up, four.statements, four.down) = ("SELECT 1".into(), vec![(0, 8)].into(), None);
    newer.push(four);
    Migrator::from_migrations(newer).run(&client).await.unwrap();
    let error = migrated::verify(&client).await.unwrap_err();
    assert!(
        error.drifts[0]
            .problem
            .starts_with("the database has migration 4 (newer)"),
        "{error}"
    );
}

#[test]
fn check_names_the_migrations_the_database_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = quarry_codegen::Config::new();
    config
        .queries("migrated")
        .schema("migrations/app")
        .snapshot(dir.path().join("quarry.snapshot.json"))
        .read_database_url_from_env(false);
    config.regenerate().unwrap();
    // A database two of the three migrations behind the folder.
    let url = empty_database();
    let client = quarry::sync::Client::connect(&url).unwrap();
    let two = Migrator::from_migrations(APP.migrations()[..2].to_vec());
    two.run_blocking(&client).unwrap();
    config.database_url(&url);
    let drifts: Vec<String> = config.check().unwrap().iter().map(|d| d.to_string()).collect();
    assert_eq!(drifts.len(), 1, "{drifts:?}");
    assert!(
        drifts[0].contains("migration 3 is not applied to the database"),
        "{drifts:?}"
    );
    assert!(drifts[0].contains("0003_posts_index.up.sql"), "{drifts:?}");
    APP.run_blocking(&client).unwrap();
    assert!(config.check().unwrap().is_empty());
}
