//! One behavioural suite, run on both flavours: every test below is compiled twice, against
//! the async generated code on `quarry` and the blocking generated code on `quarry::sync`
//! (see `quarry_tests::flavours`), each on its own database. A capability the blocking
//! flavour lacked would not compile here.

use quarry::{ClientOptions, ErrorKind, IsolationLevel, ListenEvent, PoolOptions, RetryOptions, StatementMode};
use quarry_tests::both_flavours;
use std::time::Duration;

fn unnamed() -> ClientOptions {
    ClientOptions {
        mode: StatementMode::Unnamed,
        ..ClientOptions::default()
    }
}

/// An error [`retry`](quarry::retry) re-runs once: the first attempt of a work closure fails
/// with it on purpose.
#[derive(Debug)]
enum Flaky {
    Once,
    Db(#[allow(dead_code)] quarry::Error), // read through `Debug` when a test fails
}

impl From<quarry::Error> for Flaky {
    fn from(e: quarry::Error) -> Self {
        Flaky::Db(e)
    }
}

impl quarry::Transient for Flaky {
    fn is_transient(&self) -> bool {
        matches!(self, Flaky::Once)
    }
}

both_flavours! {
    /// `:one`, `:opt`, `:many`, `:exec` and the statement cache.
    fn single_calls(db) {
        let client = run!(rt::Client::connect(&db)).unwrap();
        let a = run!(q::tasks::add_task(&client, "Buy milk", "")).unwrap();
        let b = run!(q::tasks::add_task(&client, "Call", "mum")).unwrap();
        assert_eq!(run!(q::tasks::complete_task(&client, a)).unwrap(), 1);
        let pending: Vec<i32> = run!(q::tasks::list_tasks_by_status(&client, Some("pending")))
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(pending, vec![b]);
        assert_eq!(run!(q::tasks::find_task(&client, b)).unwrap().unwrap().description, "mum");
        assert_eq!(run!(q::tasks::delete_task(&client, b)).unwrap(), 1);
        assert_eq!(run!(q::tasks::find_task(&client, b)).unwrap(), None);
        assert_eq!(run!(q::tasks::count_tasks(&client, None)).unwrap(), 1);
        assert_eq!(client.statement_cache().len(), 6);
    }

    /// Errors name the query and keep the SQLSTATE.
    fn errors_name_the_query(db) {
        let client = run!(rt::Client::connect(&db)).unwrap();
        let error = run!(q::tasks::task_title(&client, 1)).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::RowCount);
        assert_eq!(
            error.to_string(),
            "query `task_title` (../queries/tasks.sql:38): expected exactly one row, got none"
        );
        run!(q::users::create_user(&client, "x@example.com", "X", None)).unwrap();
        let dup = run!(q::users::create_user(&client, "x@example.com", "X", None)).unwrap_err();
        assert_eq!(dup.kind(), ErrorKind::UniqueViolation);
        assert_eq!(dup.query_name(), Some("create_user"));
    }

    /// Commit, rollback on drop, savepoints, the closure form, read-only transactions.
    fn transactions(db) {
        let mut client = run!(rt::Client::connect(&db)).unwrap();
        {
            let tx = run!(client.transaction()).unwrap();
            run!(q::tasks::add_task(&tx, "rolled back on drop", "")).unwrap();
        }
        let mut tx = run!(client.transaction()).unwrap();
        run!(q::tasks::add_task(&tx, "kept", "")).unwrap();
        {
            let savepoint = run!(tx.transaction()).unwrap();
            run!(q::tasks::add_task(&savepoint, "rolled back to the savepoint", "")).unwrap();
        }
        run!(tx.commit()).unwrap();
        assert_eq!(run!(q::tasks::count_tasks(&client, None)).unwrap(), 1);

        let committed: Result<i32, quarry::Error> = in_tx!(client, |tx| run!(q::tasks::add_task(&*tx, "closure", "")));
        assert!(committed.is_ok());
        let failed: Result<(), quarry::Error> = in_tx!(client, |tx| {
            run!(q::tasks::add_task(&*tx, "undone", "")).unwrap();
            run!(q::tasks::task_title(&*tx, -1)).map(drop)
        });
        assert_eq!(failed.unwrap_err().kind(), ErrorKind::RowCount);
        assert_eq!(run!(q::tasks::count_tasks(&client, None)).unwrap(), 2);

        let read_only = run!(client.build_transaction().isolation(IsolationLevel::RepeatableRead).read_only(true).start()).unwrap();
        let refused = run!(q::tasks::add_task(&read_only, "refused", "")).unwrap_err();
        assert_eq!(refused.code().map(|c| c.code()), Some("25006"));
    }

    /// `retry` re-runs the work after a transient failure; the failed attempt is rolled back.
    fn retry_reruns_transient_failures(db) {
        let mut client = run!(rt::Client::connect(&db)).unwrap();
        let mut attempts = 0;
        let policy = RetryOptions { base_delay: Duration::from_millis(1), ..RetryOptions::default() };
        let id: Result<i32, Flaky> = retry!(&mut client, &policy, |tx| {
            attempts += 1;
            let id = run!(q::tasks::add_task(&*tx, "once", ""))?;
            if attempts == 1 { Err(Flaky::Once) } else { Ok(id) }
        });
        assert!(id.is_ok());
        assert_eq!(attempts, 2);
        assert_eq!(run!(q::tasks::count_tasks(&client, None)).unwrap(), 1);
    }

    /// Batches are pipelined; a failing item is named by its index.
    fn batches(db) {
        let client = run!(rt::Client::connect(&db)).unwrap();
        let ids = run!(q::tasks::add_tasks(
            &client,
            (0..2500).map(|i| q::tasks::AddTasksParams { title: if i == 7 { "seven" } else { "task" }, description: "" }),
        ))
        .unwrap();
        assert_eq!(ids.len(), 2500);
        let done = run!(q::tasks::complete_tasks(&client, ids.iter().map(|&id| q::tasks::CompleteTasksParams { id }))).unwrap();
        assert!(done.iter().all(|&n| n == 1));
        let found = run!(q::tasks::tasks_with_prefix(&client, ["sev", "nothing"].map(|prefix| q::tasks::TasksWithPrefixParams { prefix }))).unwrap();
        assert_eq!((found[0].len(), found[1].len()), (1, 0));
        let long = "x".repeat(201);
        let error = run!(q::tasks::add_tasks(
            &client,
            ["ok", long.as_str()].map(|title| q::tasks::AddTasksParams { title, description: "" }),
        ))
        .unwrap_err();
        assert!(error.to_string().contains("item 1"), "{error}");
    }

    /// Unrelated calls pipelined on one connection: each its own result; inside a
    /// transaction the first error aborts the rest (25P02).
    fn pipelines(db) {
        let mut client = run!(rt::Client::connect(&db)).unwrap();
        let id = run!(q::tasks::add_task(&client, "Pipelined", "")).unwrap();
        let (title, count, missing, found) = rt::pipeline!(
            q::tasks::task_title(&client, id),
            q::tasks::count_tasks(&client, None),
            q::tasks::task_title(&client, id + 1000),
            q::tasks::find_task(&client, id),
        );
        assert_eq!(title.unwrap(), "Pipelined");
        assert_eq!(count.unwrap(), 1);
        assert_eq!(missing.unwrap_err().kind(), ErrorKind::RowCount, "only this call fails");
        assert_eq!(found.unwrap().unwrap().title, "Pipelined");

        let long = "x".repeat(300);
        let tx = run!(client.transaction()).unwrap();
        let (first, failing, after) = rt::pipeline!(
            q::tasks::count_tasks(&tx, None),
            q::tasks::add_task(&tx, &long, ""),
            q::tasks::count_tasks(&tx, None),
        );
        assert_eq!(first.unwrap(), 1);
        assert_eq!(failing.unwrap_err().code().map(|c| c.code()), Some("22001"));
        assert_eq!(after.unwrap_err().code().map(|c| c.code()), Some("25P02"));
        run!(tx.rollback()).unwrap();
    }

    /// True pipelines on quarry's own driver (docs/pipelines.md): one Sync per pipeline, so an
    /// error aborts the rest and, outside a transaction, undoes the calls before it; batches
    /// run chunk by chunk in input order.
    fn wire_pipelines(db) {
        let mut conn = run!(rt::wire::Connection::connect(&db)).unwrap();
        let id = run!(q::tasks::add_task(&conn, "Pipelined", "")).unwrap();
        let (title, count, missing) = rt::pipeline!(
            q::tasks::task_title(&conn, id),
            q::tasks::count_tasks(&conn, None),
            q::tasks::find_task(&conn, id + 1000),
        );
        assert_eq!(title.unwrap(), "Pipelined");
        assert_eq!(count.unwrap(), 1);
        assert!(missing.unwrap().is_none());

        let long = "x".repeat(300);
        let (before, failing, after) = rt::pipeline!(
            q::tasks::add_task(&conn, "undone", ""),
            q::tasks::add_task(&conn, &long, ""),
            q::tasks::count_tasks(&conn, None),
        );
        assert_eq!(before.unwrap_err().kind(), ErrorKind::PipelineAborted);
        assert_eq!(failing.unwrap_err().sqlstate(), Some("22001"));
        assert_eq!(after.unwrap_err().kind(), ErrorKind::PipelineAborted);
        assert_eq!(run!(q::tasks::count_tasks(&conn, None)).unwrap(), 1);

        let titles: Vec<String> = (0..3000).map(|i| format!("b{i}")).collect();
        let ids = run!(q::tasks::add_tasks(&conn, titles.iter().map(|t| q::tasks::AddTasksParams { title: t, description: "" }))).unwrap();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));

        let tx = run!(conn.transaction()).unwrap();
        let (first, failing) = rt::pipeline!(
            q::tasks::add_task(&tx, "in tx", ""),
            q::tasks::add_task(&tx, &long, ""),
        );
        assert!(first.unwrap() > 0, "inside a transaction the calls before keep their results");
        assert_eq!(failing.unwrap_err().sqlstate(), Some("22001"));
        run!(tx.rollback()).unwrap();
        assert_eq!(run!(q::tasks::count_tasks(&conn, None)).unwrap(), 3001);
    }

    /// `:iter` as a stream or iterator, through a server-side cursor, and through COPY OUT.
    fn large_results(db) {
        let client = run!(rt::Client::connect(&db)).unwrap();
        run!(client.batch_execute("INSERT INTO tasks (title) SELECT 'task ' || g FROM generate_series(1, 10000) g")).unwrap();
        let streamed = collect!(run!(q::tasks::all_tasks(&client)).unwrap()).unwrap();
        assert_eq!(streamed.len(), 10_000);
        let copied = collect!(run!(q::tasks::all_tasks_copy_out(&client)).unwrap()).unwrap();
        assert!(copied.iter().zip(&streamed).all(|(a, b)| (a.id, &a.title) == (b.id, &b.title)));

        let mut client = client;
        let tx = run!(client.transaction()).unwrap();
        let mut cursor = run!(q::tasks::all_tasks_cursor(&tx, 3000)).unwrap();
        let mut sizes = Vec::new();
        loop {
            let batch = run!(cursor.next_batch()).unwrap();
            if batch.is_empty() {
                break;
            }
            sizes.push(batch.len());
        }
        assert_eq!(sizes, [3000, 3000, 3000, 1000]);
        drop(cursor);
        run!(tx.commit()).unwrap();
    }

    /// Binary COPY of enums, composites and domains; raw CSV COPY both ways.
    fn copy_in_and_out(db) {
        let client = run!(rt::Client::connect(&db)).unwrap();
        let contact = q::types::Contact { name: Some("Ann".into()), home: None, prices: None, ranks: Some(vec![1, 2]) };
        let rows = (0..500).map(|i| q::all_types::CopyUserTypesParams {
            feeling: q::types::Mood::SoSo,
            currency: None,
            rank: i + 1,
            mail: None,
            contact: Some(&contact),
            contacts: std::slice::from_ref(&contact),
        });
        assert_eq!(run!(q::all_types::copy_user_types(&client, rows)).unwrap(), 500);
        let found = run!(q::all_types::users_feeling(&client, &[q::types::Mood::SoSo])).unwrap();
        assert_eq!(found.len(), 500);
        let row = run!(q::all_types::get_user_types(&client, found[0].id)).unwrap();
        assert_eq!(row.contact, Some(contact.clone()));

        let csv = "title,description\nfirst,\"with, comma\"\nsecond,\"line\nbreak\"\n";
        let loaded = run!(rt::copy::copy_in_raw(&client, "COPY tasks (title, description) FROM STDIN (FORMAT csv, HEADER)", csv.as_bytes())).unwrap();
        assert_eq!(loaded, 2);
        let mut out = Vec::new();
        run!(rt::copy::copy_out_raw(&client, "COPY (SELECT title, description FROM tasks ORDER BY id) TO STDOUT (FORMAT csv, HEADER)", &mut out)).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), csv);
    }

    /// A cached statement the server invalidated is prepared again, transparently.
    fn schema_change_reprepares(db) {
        let client = run!(rt::Client::connect(&db)).unwrap();
        let id = run!(q::tasks::add_task(&client, "Before", "")).unwrap();
        assert_eq!(run!(q::tasks::task_title(&client, id)).unwrap(), "Before");
        run!(client.batch_execute("ALTER TABLE tasks ALTER COLUMN title TYPE text")).unwrap();
        assert_eq!(run!(q::tasks::task_title(&client, id)).unwrap(), "Before");
    }

    /// The unnamed mode (for PgBouncer) prepares nothing on the server.
    fn unnamed_mode(db) {
        let client = run!(rt::Client::connect_with(&db, unnamed())).unwrap();
        let id = run!(q::all_types::insert_user_types(&client, q::types::Mood::Sad, None, 3, None, None, &[])).unwrap();
        assert_eq!(run!(q::all_types::get_user_types(&client, id)).unwrap().feeling, q::types::Mood::Sad);
        assert_eq!(run!(q::ops::prepared_statements(&client)).unwrap(), 0);
        assert!(client.statement_cache().is_empty());

        let prepared = run!(rt::Client::connect(&db)).unwrap();
        run!(q::tasks::count_tasks(&prepared, None)).unwrap();
        assert_eq!(run!(q::ops::prepared_statements(&prepared)).unwrap(), 2);
    }

    /// A pool hands out connections that run generated calls and transactions, and come back.
    fn pools(db) {
        let settings = PoolOptions { max_size: 2, ..PoolOptions::default() };
        let pool = run!(rt::Pool::connect(&db, settings)).unwrap();
        {
            let mut first = run!(pool.get()).unwrap();
            let second = run!(pool.get()).unwrap();
            let tx = run!(first.transaction()).unwrap();
            run!(q::tasks::add_task(&tx, "pooled", "")).unwrap();
            run!(tx.commit()).unwrap();
            assert_eq!(run!(q::tasks::count_tasks(&second, None)).unwrap(), 1);
            assert_eq!(pool.stats().available, 0);
        }
        assert_eq!(pool.stats().available, 2);
        assert!(run!(pool.health_check(Duration::from_secs(5))).is_ok());
        let stats = pool.stats();
        assert_eq!((stats.size, stats.requests), (2, 3));
    }

    /// Reads of a primary/replica pair go to the replica, writes to the primary: here the
    /// same server, reached over a Unix socket (primary) and TCP (the "replica", whose
    /// `inet_server_port()` is not NULL).
    fn replicas(db) {
        let address = quarry_tests::db::tcp_address();
        let tcp = format!("host={} port={} user=postgres dbname={}", address.ip(), address.port(), quarry_tests::db::dbname(&db));
        let pair = run!(rt::ReplicatedPool::connect(&db, &tcp, PoolOptions::default())).unwrap();
        let mut routed = run!(pair.get()).unwrap();
        assert_eq!(run!(q::ops::in_recovery(&routed)).unwrap().port, i32::from(address.port()));
        let id = run!(q::tasks::add_task(&routed, "routed", "")).unwrap();
        assert_eq!(run!(q::tasks::task_title(&routed, id)).unwrap(), "routed");
        assert!(run!(q::ops::in_recovery_on_primary(&routed)).is_err(), "NULL port: the Unix socket");
        let tx = run!(routed.transaction()).unwrap();
        run!(q::tasks::add_task(&tx, "on the primary", "")).unwrap();
        run!(tx.commit()).unwrap();
    }

    /// LISTEN/NOTIFY with typed payloads.
    fn notifications(db) {
        let mut listener = run!(rt::Listener::connect(&db, &["jobs"])).unwrap();
        let client = run!(rt::Client::connect(&db)).unwrap();
        run!(rt::notify(&client, "jobs", "plain")).unwrap();
        run!(rt::notify_json(&client, "jobs", &quarry::serde_json::json!({ "id": 7 }))).unwrap();
        let mut payloads = Vec::new();
        while payloads.len() < 2 {
            match next_event!(listener) {
                Some(ListenEvent::Notification(n)) => payloads.push(n.payload),
                other => panic!("expected a notification, got {other:?}"),
            }
        }
        assert_eq!(payloads, ["plain", r#"{"id":7}"#]);
    }

    /// A deadline cancels the running query on the server; the connection stays usable.
    fn timeouts_and_health(db) {
        let client = run!(rt::Client::connect(&db)).unwrap();
        let error = timeout!(&client, Duration::from_millis(200), q::ops::sleep(&client, 30.0)).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::StatementTimeout);
        assert_eq!(run!(q::tasks::count_tasks(&client, None)).unwrap(), 0);
        assert!(run!(rt::health_check(&client, Duration::from_secs(5))).is_ok());
    }

    /// `verify` passes on the schema the code came from and names a drifted query.
    fn verify_reports_drift(db) {
        let client = run!(rt::Client::connect(&db)).unwrap();
        assert!(run!(q::verify(&client)).unwrap() > 40);
        run!(client.batch_execute("ALTER TABLE tasks ALTER COLUMN title TYPE text")).unwrap();
        let error = run!(q::verify(&client)).unwrap_err();
        assert!(
            error.drifts.iter().any(|d| d.query == "list_tasks"
                && d.problem == "column `title` is now `text`, was generated as `varchar`"),
            "{error}"
        );
    }
}

/// Blocking only: a blocking pipeline drives one client's runtime, so calls on two clients
/// are refused (they would wait for a connection nobody drives).
#[test]
#[should_panic(expected = "every call must run on the same client")]
fn a_blocking_pipeline_refuses_calls_on_two_clients() {
    let db = quarry_tests::db::fresh_database();
    let a = quarry::sync::Client::connect(&db).unwrap();
    let b = quarry::sync::Client::connect(&db).unwrap();
    let _ = quarry::sync::pipeline!(
        quarry_tests::blocking::tasks::count_tasks(&a, None),
        quarry_tests::blocking::tasks::count_tasks(&b, None),
    );
}

/// Blocking only: a blocking client dropped inside async code does not try to block there
/// (tokio would panic); its connection closes with its runtime.
#[tokio::test]
async fn a_blocking_client_dropped_in_async_code_closes_without_panicking() {
    let db = quarry_tests::db::fresh_database();
    let url = db.clone();
    let (client, pid) = tokio::task::spawn_blocking(move || {
        let client = quarry::sync::Client::connect(&url).unwrap();
        let pid: i32 = client
            .block_on(client.as_async().query_one("SELECT pg_backend_pid()", &[]))
            .unwrap()
            .get(0);
        (client, pid)
    })
    .await
    .unwrap();
    drop(client);
    let observer = quarry::Client::connect(&db).await.unwrap();
    for _ in 0..500 {
        let open: i64 = observer
            .query_one("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", &[&pid])
            .await
            .unwrap()
            .get(0);
        if open == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("backend {pid} still open 10 s after its blocking client was dropped");
}
