//! The generated code through PgBouncer in transaction-pooling mode, in the runtime's unnamed
//! statement mode: single calls, user-defined types, batches, pipelines, COPY in and out,
//! transactions and cursors — many client connections sharing three server connections.
//!
//! The first test pins the premise: in transaction mode a statement prepared by name is gone
//! as soon as the next statement lands on another server connection.

use futures_util::TryStreamExt;
use quarry::{ClientOptions, Pool, PoolOptions, StatementMode};
use quarry_tests::asynchronous::all_types::{self, CopyUserTypesParams};
use quarry_tests::asynchronous::tasks::{self, AddTasksParams, CompleteTasksParams, TasksWithPrefixParams};
use quarry_tests::asynchronous::types::{billing, Contact, Mood};
use quarry_tests::db::{fresh_database, server};
use quarry_tests::pgbouncer::PgBouncer;
use std::time::Duration;

/// Server connections PgBouncer may open to the test database.
const SERVER_CONNECTIONS: usize = 3;
const CLIENTS: usize = 12;
const ROUNDS: usize = 6;

fn unnamed() -> ClientOptions {
    ClientOptions {
        mode: StatementMode::Unnamed,
        ..ClientOptions::default()
    }
}

async fn pid(client: &quarry::Client) -> i32 {
    client.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_named_statement_is_lost_when_the_next_call_lands_on_another_server_connection() {
    let bouncer = PgBouncer::start(server(), SERVER_CONNECTIONS);
    let url = bouncer.connection_string_for(&fresh_database());
    let a = quarry::Client::connect(&url).await.unwrap();
    let mut b = quarry::Client::connect(&url).await.unwrap();

    // `a` prepares on server connection X, then `b` holds X in a transaction (PgBouncer hands
    // out the most recently used server connection first), so `a`'s next call runs elsewhere.
    let prepared_on = pid(&a).await;
    let statement = a.prepare("SELECT 1").await.unwrap();
    let holder = b.transaction().await.unwrap();
    let held: i32 = holder.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
    assert_eq!(held, prepared_on, "PgBouncer reuses the last server connection first");
    let error = a.query(&statement, &[]).await.unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some("26000"), "{error}");

    // The unnamed mode has nothing to lose, user-defined types included.
    let c = quarry::Client::connect_with(&url, unnamed()).await.unwrap();
    let id = all_types::insert_user_types(&c, Mood::Happy, None, 1, None, None, &[])
        .await
        .unwrap();
    assert_ne!(
        pid(&c).await,
        held,
        "runs on another server connection than the held one"
    );
    assert_eq!(all_types::get_user_types(&c, id).await.unwrap().feeling, Mood::Happy);
    holder.rollback().await.unwrap();
}

fn contact(i: usize) -> Contact {
    Contact {
        name: Some(format!("c{i}")),
        home: None,
        prices: Some(vec![billing::Price {
            amount: Some(i.into()),
            currency: Some(billing::Currency::Usd),
        }]),
        ranks: Some(vec![1, 2]),
    }
}

/// One client's round of everything the generated code does, through PgBouncer.
async fn round(pool: &Pool, client: usize, round: usize) -> Result<(), quarry::Error> {
    let conn = pool.get().await?;
    let tag = format!("c{client}r{round}");

    let id = tasks::add_task(&conn, &tag, "single").await?;
    assert_eq!(tasks::task_title(&conn, id).await?, tag);

    let titles: Vec<String> = (0..20).map(|i| format!("{tag}-batch-{i}")).collect();
    // Parameter sets collected first: a closure in a spawned task's future trips rustc's
    // higher-ranked lifetime inference.
    let params: Vec<_> = titles
        .iter()
        .map(|t| AddTasksParams {
            title: t,
            description: "",
        })
        .collect();
    let ids = tasks::add_tasks(&conn, params).await?;
    assert_eq!(ids.len(), 20);
    let params: Vec<_> = ids[..5].iter().map(|&id| CompleteTasksParams { id }).collect();
    let done = tasks::complete_tasks(&conn, params).await?;
    assert_eq!(done, vec![1; 5]);
    let prefix = format!("{tag}-batch-1");
    let groups = tasks::tasks_with_prefix(&conn, [TasksWithPrefixParams { prefix: &prefix }]).await?;
    assert_eq!(groups[0].len(), 11, "{prefix} and {prefix}0..9");

    let (title, missing) = quarry::pipeline!(tasks::task_title(&conn, id), tasks::find_task(&conn, -1));
    assert_eq!((title?, missing?.is_none()), (tag.clone(), true));

    let me = contact(client);
    let user =
        all_types::insert_user_types(&conn, Mood::SoSo, Some(billing::Currency::Eur), 2, None, Some(&me), &[]).await?;
    let row = all_types::get_user_types(&conn, user).await?;
    assert_eq!((row.feeling, row.contact), (Mood::SoSo, Some(me.clone())));
    let contacts = [me.clone()];
    let rows: Vec<_> = (0..50)
        .map(|i| CopyUserTypesParams {
            feeling: if i % 2 == 0 { Mood::Happy } else { Mood::Sad },
            currency: None,
            rank: i + 1,
            mail: None,
            contact: Some(&me),
            contacts: &contacts,
        })
        .collect();
    assert_eq!(all_types::copy_user_types(&conn, rows).await?, 50);
    drop(conn);

    // A transaction: committed writes and a rolled-back one; a cursor inside it.
    let mut conn = pool.get().await?;
    let transaction = conn.transaction().await?;
    tasks::add_task(&transaction, &format!("{tag}-tx"), "committed").await?;
    let mut cursor = tasks::all_tasks_cursor(&transaction, 7).await?;
    let mut seen = 0;
    loop {
        let batch = cursor.next_batch().await?;
        if batch.is_empty() {
            break;
        }
        seen += batch.len();
    }
    assert!(seen >= 22, "at least this client's own tasks: {seen}");
    drop(cursor);
    transaction.commit().await?;
    let rolled_back = conn.transaction().await?;
    tasks::add_task(&rolled_back, &format!("{tag}-rolled-back"), "").await?;
    rolled_back.rollback().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_code_runs_through_pgbouncer_in_transaction_mode() {
    let bouncer = PgBouncer::start(server(), SERVER_CONNECTIONS);
    let direct = fresh_database();
    let url = bouncer.connection_string_for(&direct);
    let pool = Pool::connect(
        &url,
        PoolOptions {
            max_size: CLIENTS,
            wait_timeout: Some(Duration::from_secs(30)),
            client: unnamed(),
            ..PoolOptions::default()
        },
    )
    .await
    .unwrap();

    let workers: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for r in 0..ROUNDS {
                    round(&pool, client, r)
                        .await
                        .unwrap_or_else(|e| panic!("client {client} round {r}: {e}"));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }

    // Every write is there, seen directly on the server.
    let check = quarry::Client::connect(&direct).await.unwrap();
    let rounds = (CLIENTS * ROUNDS) as i64;
    assert_eq!(tasks::count_tasks(&check, None).await.unwrap(), rounds * (1 + 20 + 1));
    assert_eq!(tasks::count_tasks(&check, Some("done")).await.unwrap(), rounds * 5);
    let user_rows: i64 = check
        .query_one("SELECT count(*) FROM user_types", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(user_rows, rounds * 51);
    let exported: Vec<_> = tasks::all_tasks_copy_out(&pool.get().await.unwrap())
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(exported.len() as i64, rounds * 22);

    // All those clients shared three server connections, and none of them was left holding a
    // named statement: hold all three at once and look.
    let mut holders = Vec::new();
    for _ in 0..SERVER_CONNECTIONS {
        holders.push(quarry::Client::connect(&url).await.unwrap());
    }
    let mut pids = Vec::new();
    let mut transactions = Vec::new();
    for holder in &mut holders {
        let transaction = holder.transaction().await.unwrap();
        // The simple protocol, so the look itself prepares nothing.
        let messages = transaction
            .simple_query(
                "SELECT pg_backend_pid(), count(*), string_agg(name || ': ' || statement, '; ') \
                 FROM pg_prepared_statements",
            )
            .await
            .unwrap();
        let row = messages
            .iter()
            .find_map(|m| match m {
                quarry::tokio_postgres::SimpleQueryMessage::Row(row) => Some(row),
                _ => None,
            })
            .unwrap();
        pids.push(row.get(0).unwrap().to_string());
        assert_eq!(row.get(1), Some("0"), "named statements left: {:?}", row.get(2));
        transactions.push(transaction);
    }
    pids.sort_unstable();
    pids.dedup();
    assert_eq!(pids.len(), SERVER_CONNECTIONS, "three distinct server connections");
    let backends: i64 = check
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(backends, SERVER_CONNECTIONS as i64, "{}", bouncer.log());
}

/// The blocking flavour, through the same PgBouncer: threads sharing a blocking pool in the
/// unnamed mode — single calls, pipelined batches, user-defined types, COPY in and out, and
/// a transaction with a cursor — many clients on three server connections.
#[test]
fn the_blocking_flavour_runs_through_pgbouncer_too() {
    use quarry_tests::blocking::{all_types as sync_types, tasks as sync_tasks, types as sync};
    let bouncer = PgBouncer::start(server(), SERVER_CONNECTIONS);
    let direct = fresh_database();
    let url = bouncer.connection_string_for(&direct);
    let settings = PoolOptions {
        max_size: CLIENTS,
        client: unnamed(),
        ..PoolOptions::default()
    };
    let pool = quarry::sync::Pool::connect(&url, settings).unwrap();
    std::thread::scope(|scope| {
        for client in 0..CLIENTS {
            let pool = &pool;
            scope.spawn(move || {
                for r in 0..ROUNDS {
                    let mut conn = pool.get().unwrap();
                    let tag = format!("c{client}r{r}");
                    let id = sync_tasks::add_task(&conn, &tag, "").unwrap();
                    assert_eq!(sync_tasks::task_title(&conn, id).unwrap(), tag);
                    let titles: Vec<String> = (0..20).map(|i| format!("{tag}-{i}")).collect();
                    let params = titles
                        .iter()
                        .map(|title| sync_tasks::AddTasksParams { title, description: "" });
                    assert_eq!(sync_tasks::add_tasks(&conn, params).unwrap().len(), 20);
                    let user = sync_types::insert_user_types(&conn, sync::Mood::Sad, None, 1, None, None, &[]).unwrap();
                    assert_eq!(
                        sync_types::get_user_types(&conn, user).unwrap().feeling,
                        sync::Mood::Sad
                    );
                    let rows = (0..10).map(|i| sync_types::CopyUserTypesParams {
                        feeling: sync::Mood::Happy,
                        currency: None,
                        rank: i + 1,
                        mail: None,
                        contact: None,
                        contacts: &[],
                    });
                    assert_eq!(sync_types::copy_user_types(&conn, rows).unwrap(), 10);
                    let tx = conn.transaction().unwrap();
                    sync_tasks::add_task(&tx, &format!("{tag}-tx"), "").unwrap();
                    let mut cursor = sync_tasks::all_tasks_cursor(&tx, 5).unwrap();
                    assert!(!cursor.next_batch().unwrap().is_empty());
                    drop(cursor);
                    tx.commit().unwrap();
                }
            });
        }
    });
    let check = quarry::sync::Client::connect(&direct).unwrap();
    let rounds = (CLIENTS * ROUNDS) as i64;
    assert_eq!(sync_tasks::count_tasks(&check, None).unwrap(), rounds * 22);
    let exported = sync_tasks::all_tasks_copy_out(&pool.get().unwrap())
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(exported.len() as i64, rounds * 22);
}

/// Dynamic queries through PgBouncer in the unnamed mode: every variant (filters, orders,
/// keyset continuations) runs on whichever server connection PgBouncer hands out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_query_variants_run_through_pgbouncer() {
    use quarry_tests::dynamic::tickets::{self, PageTicketsOptions, PageTicketsSort, SearchTicketsOptions};
    let bouncer = PgBouncer::start(server(), SERVER_CONNECTIONS);
    let direct = quarry_tests::db::fresh_database_with(&[quarry_tests::dynamic::SCHEMA]);
    let setup = quarry::Client::connect(&direct).await.unwrap();
    setup
        .batch_execute(
            "INSERT INTO tickets SELECT g, 1, 'ticket ' || g, (ARRAY['open','closed'])[1 + g % 2], g % 4, NULL, \
             '2026-01-01'::timestamptz + g * interval '1 hour', NULL FROM generate_series(1, 50) g",
        )
        .await
        .unwrap();
    let url = bouncer.connection_string_for(&direct);
    let pool = Pool::connect(
        &url,
        PoolOptions {
            max_size: 4,
            client: unnamed(),
            ..PoolOptions::default()
        },
    )
    .await
    .unwrap();
    let conn = pool.get().await.unwrap();
    let open = SearchTicketsOptions {
        status: Some("open"),
        priorities: Some(&[1, 2]),
        ..Default::default()
    };
    let rows = tickets::search_tickets(&*conn, 1, &open).await.unwrap();
    assert_eq!(
        rows.len(),
        13,
        "open = even ids; of those, priority 1 or 2 = ids 2, 6, …, 50"
    );
    let mut options = PageTicketsOptions::default();
    let mut seen = 0;
    loop {
        let page = tickets::page_tickets(&*conn, 1, 8, &options).await.unwrap();
        let Some(last) = page.last() else { break };
        seen += page.len();
        options.sort = PageTicketsSort::Newest {
            after: Some((last.created_at, last.id)),
        };
    }
    assert_eq!(seen, 50);
}

/// Bulk writes through PgBouncer in the unnamed mode, four clients at once: inserts, upserts
/// over unnest (arrays of an enum and a composite, described on whichever server connection
/// answers), updates with RETURNING, and COPY with upsert (its staging table lives inside the
/// transaction that keeps it on one server connection).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_writes_run_through_pgbouncer() {
    use quarry_tests::bulk::products::{self, CopyUpsertProductsParams, InsertProductsParams, RenameProductsParams};
    use quarry_tests::bulk::types::{Dimensions, Grade};
    let bouncer = PgBouncer::start(server(), SERVER_CONNECTIONS);
    let direct = quarry_tests::db::fresh_database_with(&[quarry_tests::bulk::SCHEMA]);
    let url = bouncer.connection_string_for(&direct);
    let pool = Pool::connect(
        &url,
        PoolOptions {
            max_size: 4,
            client: unnamed(),
            ..PoolOptions::default()
        },
    )
    .await
    .unwrap();
    let tasks = (0..4i64).map(|task| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let conn = pool.get().await.unwrap();
            let ids: Vec<i64> = (task * 10_000 + 1..=task * 10_000 + 5_000).collect();
            let skus: Vec<String> = ids.iter().map(|id| format!("ABC-{id}")).collect();
            let size = Dimensions {
                width: Some(2),
                height: None,
            };
            // Collected first: a closure-mapped iterator held across an `.await` makes the future
            // not `Send` for `tokio::spawn` (rustc's higher-ranked lifetime limitation; docs/bulk.md).
            let rows: Vec<_> = ids
                .iter()
                .zip(&skus)
                .map(|(&id, sku)| InsertProductsParams {
                    id,
                    sku,
                    name: "bounced",
                    note: None,
                    grade: Some(Grade::Mid),
                    size: Some(&size),
                    price: quarry::rust_decimal::Decimal::ONE,
                    stock: None,
                })
                .collect();
            assert_eq!(products::insert_products(&*conn, rows).await.unwrap(), 5_000);
            let renames: Vec<_> = ids
                .iter()
                .rev()
                .take(100)
                .map(|&id| RenameProductsParams { id, name: "renamed" })
                .collect();
            let renamed = products::rename_products(&*conn, renames).await.unwrap();
            assert_eq!(renamed[0].id, *ids.last().unwrap(), "rows in input order");
            // Half of these ids exist: COPY into the staging table, then one upsert.
            let copied = ids.iter().map(|&id| id + 2_500).collect::<Vec<_>>();
            let copied_skus: Vec<String> = copied.iter().map(|id| format!("ABC-{id}")).collect();
            let rows: Vec<_> = copied
                .iter()
                .zip(&copied_skus)
                .map(|(&id, sku)| CopyUpsertProductsParams {
                    id,
                    sku,
                    name: "copied",
                    note: None,
                    grade: Some(Grade::High),
                    size: None,
                    price: quarry::rust_decimal::Decimal::TWO,
                    stock: None,
                })
                .collect();
            assert_eq!(products::copy_upsert_products(&*conn, rows).await.unwrap(), 5_000);
        })
    });
    for task in tasks.collect::<Vec<_>>() {
        task.await.unwrap();
    }
    let conn = pool.get().await.unwrap();
    let counts = products::count_products(&*conn).await.unwrap();
    // Per task: 5 000 inserted + 2 500 new from the COPY; 100 renamed (version 2), 2 500
    // updated by the COPY (version +1; the 100 renamed are among them).
    assert_eq!(counts.total, 4 * 7_500);
    assert_eq!(counts.versions, 4 * (7_500 + 100 + 2_500));

    // Failing rows in the second chunk of 1 000 (ids the first chunk inserted): outside a
    // transaction the first chunk stays; inside one, nothing does.
    let ids: Vec<i64> = (100_001..=101_000).chain(100_500..=101_499).collect();
    let skus: Vec<String> = ids.iter().map(|id| format!("XYZ-{id}")).collect();
    let rows = || {
        ids.iter().zip(&skus).map(|(&id, sku)| InsertProductsParams {
            id,
            sku,
            name: "failing",
            note: None,
            grade: None,
            size: None,
            price: quarry::rust_decimal::Decimal::ONE,
            stock: None,
        })
    };
    let chunks = quarry::BulkOptions {
        max_rows: 1_000,
        ..quarry::BulkOptions::DEFAULT
    };
    let mut conn = conn;
    let transaction = conn.transaction().await.unwrap();
    let error = products::insert_products_with(&transaction, rows(), &chunks)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), quarry::ErrorKind::UniqueViolation, "{error}");
    transaction.rollback().await.unwrap();
    assert_eq!(products::count_products(&*conn).await.unwrap().total, 4 * 7_500);
    let error = products::insert_products_with(&*conn, rows(), &chunks)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("bulk chunk 1: items 1000..2000"), "{error}");
    assert_eq!(products::count_products(&*conn).await.unwrap().total, 4 * 7_500 + 1_000);
}
