//! quarry's own driver (`quarry::wire::Connection`) on a real server: generated calls one by
//! one, true pipelines (`quarry::pipeline!` and `:batch*` with one Sync per pipeline or chunk)
//! — ordering, mixed queries, an error in the middle outside and inside a transaction —,
//! cancellation, a connection killed mid-pipeline, PgBouncer in transaction mode, TLS-free
//! SCRAM authentication and user-defined types.

use quarry::wire::Connection;
use quarry::{ClientOptions, ErrorKind, StatementMode};
use quarry_tests::asynchronous::all_types;
use quarry_tests::asynchronous::ops;
use quarry_tests::asynchronous::tasks::{self, AddTasksParams, CompleteTasksParams, TasksWithPrefixParams};
use quarry_tests::asynchronous::types::Mood;
use quarry_tests::db::{fresh_database, server};
use quarry_tests::pgbouncer::PgBouncer;
use std::time::Duration;

async fn connect() -> Connection {
    Connection::connect(&fresh_database()).await.expect("connect")
}

/// Anything that could hang fails the test instead.
async fn bounded<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), work)
        .await
        .expect("nothing hangs")
}

#[tokio::test]
async fn generated_calls_run_one_by_one() {
    let conn = connect().await;
    let id = tasks::add_task(&conn, "Wire", "own driver").await.unwrap();
    let task = tasks::find_task(&conn, id).await.unwrap().expect("found");
    assert_eq!((task.title.as_str(), task.description.as_str()), ("Wire", "own driver"));
    assert!(tasks::find_task(&conn, -1).await.unwrap().is_none());
    assert_eq!(tasks::complete_task(&conn, id).await.unwrap(), 1);
    assert_eq!(tasks::count_tasks(&conn, Some("done")).await.unwrap(), 1);
    let error = tasks::task_title(&conn, -1).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RowCount, "{error}");
    assert_eq!(conn.cached_statements(), 5, "each query prepared once");

    // Typed server errors: SQLSTATE, constraint, detail.
    let long = "x".repeat(300);
    let error = tasks::add_task(&conn, &long, "").await.unwrap_err();
    assert_eq!(error.sqlstate(), Some("22001"), "{error}");
    assert_eq!(error.query_name(), Some("add_task"));
    assert!(error.server_error().is_some());
    // The connection goes on after an error.
    assert_eq!(tasks::count_tasks(&conn, None).await.unwrap(), 1);
}

#[tokio::test]
async fn user_defined_types_are_looked_up_once_per_connection() {
    let conn = connect().await;
    let id = all_types::insert_user_types(&conn, Mood::Happy, None, 7, None, None, &[])
        .await
        .unwrap();
    let row = all_types::get_user_types(&conn, id).await.unwrap();
    assert_eq!(row.feeling, Mood::Happy);
    let unnamed = Connection::connect_with(
        &fresh_database(),
        ClientOptions {
            mode: StatementMode::Unnamed,
            ..ClientOptions::default()
        },
    )
    .await
    .unwrap();
    let id = all_types::insert_user_types(&unnamed, Mood::Sad, None, 3, None, None, &[])
        .await
        .unwrap();
    assert_eq!(
        all_types::get_user_types(&unnamed, id).await.unwrap().feeling,
        Mood::Sad
    );
}

#[tokio::test]
async fn a_pipeline_runs_mixed_calls_in_order_under_one_sync() {
    let conn = connect().await;
    let id = tasks::add_task(&conn, "first", "").await.unwrap();
    let (added, count, missing, found, title) = bounded(async {
        quarry::pipeline!(
            tasks::add_task(&conn, "second", ""),
            tasks::count_tasks(&conn, None),
            tasks::find_task(&conn, -1),
            tasks::find_task(&conn, id),
            tasks::task_title(&conn, id),
        )
    })
    .await;
    let added = added.unwrap();
    assert!(added > id);
    assert_eq!(count.unwrap(), 2, "the insert before it in the pipeline ran first");
    assert!(missing.unwrap().is_none());
    assert_eq!(found.unwrap().unwrap().title, "first");
    assert_eq!(title.unwrap(), "first");
}

#[tokio::test]
async fn an_error_outside_a_transaction_aborts_the_rest_and_rolls_back_the_pipeline() {
    let conn = connect().await;
    let long = "x".repeat(300);
    let (before, failing, after) = bounded(async {
        quarry::pipeline!(
            tasks::add_task(&conn, "kept?", ""),
            tasks::add_task(&conn, &long, ""),
            tasks::count_tasks(&conn, None),
        )
    })
    .await;
    let failing = failing.unwrap_err();
    assert_eq!(failing.sqlstate(), Some("22001"), "{failing}");
    let after = after.unwrap_err();
    assert_eq!(after.kind(), ErrorKind::PipelineAborted, "{after}");
    assert!(
        after.to_string().contains("call #1 (`add_task`)"),
        "names the call that failed: {after}"
    );
    let before = before.unwrap_err();
    assert_eq!(before.kind(), ErrorKind::PipelineAborted, "{before}");
    assert!(before.to_string().contains("rolled it back"), "{before}");
    assert_eq!(
        tasks::count_tasks(&conn, None).await.unwrap(),
        0,
        "the implicit transaction rolled back"
    );
}

#[tokio::test]
async fn an_error_inside_a_transaction_aborts_the_transaction() {
    let mut conn = connect().await;
    let long = "x".repeat(300);
    let transaction = conn.transaction().await.unwrap();
    let (before, failing, after) = bounded(async {
        quarry::pipeline!(
            tasks::add_task(&transaction, "in tx", ""),
            tasks::add_task(&transaction, &long, ""),
            tasks::count_tasks(&transaction, None),
        )
    })
    .await;
    assert!(before.unwrap() > 0, "calls before the failure keep their results");
    assert_eq!(failing.unwrap_err().sqlstate(), Some("22001"));
    assert_eq!(after.unwrap_err().kind(), ErrorKind::PipelineAborted);
    // The transaction is aborted: the next statement fails until it ends.
    let error = tasks::count_tasks(&transaction, None).await.unwrap_err();
    assert_eq!(error.sqlstate(), Some("25P02"), "{error}");
    transaction.rollback().await.unwrap();
    assert_eq!(tasks::count_tasks(&conn, None).await.unwrap(), 0);
}

#[tokio::test]
async fn batches_pipeline_each_chunk_in_order() {
    let conn = connect().await;
    let titles: Vec<String> = (0..5000).map(|i| format!("task {i:04}")).collect();
    let ids = bounded(tasks::add_tasks(
        &conn,
        titles.iter().map(|t| AddTasksParams {
            title: t,
            description: "",
        }),
    ))
    .await
    .unwrap();
    assert_eq!(ids.len(), 5000);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "results in input order, run in input order"
    );
    assert_eq!(conn.cached_statements(), 1, "prepared once");
    let done = tasks::complete_tasks(&conn, ids[..10].iter().map(|&id| CompleteTasksParams { id }))
        .await
        .unwrap();
    assert_eq!(done, vec![1; 10]);
    let groups = tasks::tasks_with_prefix(
        &conn,
        ["task 000", "task 09", "nothing"].map(|prefix| TasksWithPrefixParams { prefix }),
    )
    .await
    .unwrap();
    assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), [10, 100, 0]);
}

#[tokio::test]
async fn a_failing_batch_item_is_named_and_its_chunk_rolls_back() {
    let conn = connect().await;
    let long = "x".repeat(300);
    let titles: Vec<&str> = (0..20).map(|i| if i == 7 { long.as_str() } else { "ok" }).collect();
    let error = tasks::add_tasks(
        &conn,
        titles.iter().map(|t| AddTasksParams {
            title: t,
            description: "",
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(
        error.sqlstate(),
        Some("22001"),
        "the failing call's error, not an aborted one: {error}"
    );
    assert!(error.to_string().contains("(batch item 7)"), "{error}");
    // Item 0 runs alone (and commits); items 1..20 are one chunk, one implicit transaction.
    assert_eq!(tasks::count_tasks(&conn, None).await.unwrap(), 1);
}

#[tokio::test]
async fn a_timeout_cancels_the_statement_and_the_connection_goes_on() {
    let conn = connect().await;
    let error = quarry::with_timeout(&conn, Duration::from_millis(200), ops::sleep(&conn, 30.0))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::StatementTimeout, "{error}");
    assert_eq!(tasks::count_tasks(&conn, None).await.unwrap(), 0);

    // A cancel token from elsewhere: the call fails with QueryCanceled.
    let token = conn.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        token.cancel().await.unwrap();
    });
    let error = bounded(ops::sleep(&conn, 30.0)).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::QueryCanceled, "{error}");
    canceller.await.unwrap();

    // A call dropped while it runs is canceled on the server: the next call does not wait
    // the 300 s out (`bounded` would fail it after 60).
    let dropped = tokio::time::timeout(
        Duration::from_millis(200),
        quarry::cancel_on_drop(&conn, ops::sleep(&conn, 300.0)),
    )
    .await;
    assert!(dropped.is_err(), "the sleep was still running");
    assert_eq!(bounded(tasks::count_tasks(&conn, None)).await.unwrap(), 0);
}

#[tokio::test]
async fn a_connection_killed_mid_pipeline_fails_every_call() {
    let conn = connect().await;
    let killer = quarry::Client::connect(&fresh_database()).await.unwrap();
    let pid = conn.process_id();
    let titles: Vec<String> = (0..200_000).map(|i| format!("t{i}")).collect();
    let kill = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        killer
            .execute("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .unwrap();
    };
    let batch = tasks::add_tasks(
        &conn,
        titles.iter().map(|t| AddTasksParams {
            title: t,
            description: "",
        }),
    );
    let (result, ()) = bounded(async { tokio::join!(batch, kill) }).await;
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection, "{error}");
    // Every later call fails at once, nothing hangs.
    let (a, b) =
        bounded(async { quarry::pipeline!(tasks::count_tasks(&conn, None), tasks::find_task(&conn, 1)) }).await;
    assert_eq!(a.unwrap_err().kind(), ErrorKind::Connection);
    assert_eq!(b.unwrap_err().kind(), ErrorKind::Connection);
    assert!(conn.is_closed());
}

#[tokio::test]
async fn pipelines_and_batches_work_through_pgbouncer_in_unnamed_mode() {
    let bouncer = PgBouncer::start(server(), 2);
    let url = bouncer.connection_string_for(&fresh_database());
    let options = ClientOptions {
        mode: StatementMode::Unnamed,
        ..ClientOptions::default()
    };
    let conns = futures_util::future::try_join_all((0..6).map(|_| Connection::connect_with(&url, options)))
        .await
        .unwrap();
    let work = conns.iter().enumerate().map(|(n, conn)| async move {
        let titles: Vec<String> = (0..300).map(|i| format!("c{n} {i}")).collect();
        let ids = tasks::add_tasks(
            conn,
            titles.iter().map(|t| AddTasksParams {
                title: t,
                description: "",
            }),
        )
        .await
        .unwrap();
        let (title, found, id) = quarry::pipeline!(
            tasks::task_title(conn, ids[0]),
            tasks::find_task(conn, ids[299]),
            all_types::insert_user_types(conn, Mood::Happy, None, 1, None, None, &[]),
        );
        assert_eq!(title.unwrap(), format!("c{n} 0"));
        assert_eq!(found.unwrap().unwrap().title, format!("c{n} 299"));
        assert!(id.unwrap() > 0);
    });
    bounded(futures_util::future::join_all(work)).await;
    assert_eq!(tasks::count_tasks(&conns[0], None).await.unwrap(), 1800);
}

#[tokio::test]
async fn connection_strings_as_for_the_tokio_postgres_path() {
    let url = fresh_database();
    let word = |key: &str| {
        url.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key))
            .unwrap()
            .to_string()
    };
    let (host, port, db) = (word("host="), word("port="), word("dbname="));
    // Several hosts: the first does not exist, the second is a read-write primary.
    let failover = format!(
        "host=/nonexistent/quarry,{host} port={port},{port} user=postgres dbname={db} target_session_attrs=read-write application_name=wire-app"
    );
    let conn = Connection::connect(&failover).await.unwrap();
    let name = conn.simple_query("SHOW application_name").await.unwrap();
    assert_eq!(name[0][0].as_deref(), Some("wire-app"));
    let unreachable = Connection::connect("host=/nonexistent/quarry user=postgres")
        .await
        .unwrap_err();
    assert_eq!(unreachable.kind(), ErrorKind::Connection, "{unreachable}");
    assert!(
        unreachable.to_string().contains("/nonexistent/quarry"),
        "names the host: {unreachable}"
    );
}

/// Password authentication: SCRAM-SHA-256 and MD5 over TCP (the server's pg_hba.conf asks for
/// them), a wrong password refused with the server's message.
#[tokio::test]
async fn scram_and_md5_passwords() {
    use quarry_codegen::embedded::{EmbeddedServer, ServerOptions};
    let port = quarry_tests::db::free_port();
    let hba =
        "local all all trust\nhost all scram_user 127.0.0.1/32 scram-sha-256\nhost all md5_user 127.0.0.1/32 md5\n";
    let options = ServerOptions {
        tcp_port: Some(port),
        settings: vec![("hba_file".into(), "{dir}/quarry_hba.conf".into())],
        files: vec![("quarry_hba.conf".into(), hba.as_bytes().to_vec())],
    };
    let server = EmbeddedServer::start_with(&options).expect("start a server");
    let admin = Connection::connect(&server.connection_string("postgres"))
        .await
        .unwrap();
    admin
        .batch_execute(
            "SET password_encryption = 'scram-sha-256'; CREATE ROLE scram_user LOGIN PASSWORD 's3cret';
             SET password_encryption = 'md5'; CREATE ROLE md5_user LOGIN PASSWORD 'md5pass';",
        )
        .await
        .unwrap();
    let url = |user: &str, password: &str| {
        format!("host=127.0.0.1 port={port} user={user} password={password} dbname=postgres")
    };
    for (user, password) in [("scram_user", "s3cret"), ("md5_user", "md5pass")] {
        let conn = Connection::connect(&url(user, password)).await.unwrap();
        let me = conn.simple_query("SELECT current_user").await.unwrap();
        assert_eq!(me[0][0].as_deref(), Some(user));
    }
    let refused = Connection::connect(&url("scram_user", "wrong")).await.unwrap_err();
    assert!(
        refused.to_string().contains("password authentication failed"),
        "{refused}"
    );
}

/// An error at the implicit commit (a deferred constraint trigger) is the error of the call —
/// and of every call of its pipeline, none of whose work was kept.
#[tokio::test]
async fn an_error_at_the_implicit_commit_fails_the_calls_it_undid() {
    let conn = connect().await;
    conn.batch_execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.title = 'refused at commit' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NEW; END $$;
         CREATE CONSTRAINT TRIGGER refuse AFTER INSERT ON tasks DEFERRABLE INITIALLY DEFERRED
         FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .await
    .unwrap();
    let error = tasks::add_task(&conn, "refused at commit", "").await.unwrap_err();
    assert!(error.to_string().contains("refused at commit"), "{error}");
    let (a, b) = bounded(async {
        quarry::pipeline!(
            tasks::add_task(&conn, "fine", ""),
            tasks::add_task(&conn, "refused at commit", ""),
        )
    })
    .await;
    assert!(a.unwrap_err().to_string().contains("refused at commit"));
    assert!(b.unwrap_err().to_string().contains("refused at commit"));
    assert_eq!(tasks::count_tasks(&conn, None).await.unwrap(), 0);
}

/// Large results stream in batches with backpressure (the task stops reading while the
/// caller lags), and a pipeline around a large result still answers every call.
#[tokio::test]
async fn large_results_stream_with_backpressure() {
    use futures_util::StreamExt;
    let conn = connect().await;
    conn.batch_execute("INSERT INTO tasks (title) SELECT 'task ' || g FROM generate_series(1, 50000) g")
        .await
        .unwrap();
    let all = tasks::list_tasks(&conn).await.unwrap();
    assert_eq!(all.len(), 50_000);
    let mut stream = tasks::all_tasks(&conn).await.unwrap();
    let mut seen = 0;
    while let Some(row) = stream.next().await {
        let row = row.unwrap();
        seen += 1;
        if seen % 10_000 == 0 {
            // A slow reader: the connection waits for it.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(row.id > 0);
    }
    assert_eq!(seen, 50_000);
    let (many, count) =
        bounded(async { quarry::pipeline!(tasks::list_tasks(&conn), tasks::count_tasks(&conn, None)) }).await;
    assert_eq!(many.unwrap().len(), 50_000);
    assert_eq!(count.unwrap(), 50_000);
}

/// Many tasks on a multi-threaded runtime share one connection: whichever call can take the
/// driver drives it, the others are answered by it or by the background task; nothing hangs
/// and every answer reaches its own call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_on_several_threads_share_one_connection() {
    let conn = std::sync::Arc::new(connect().await);
    let work = (0..8).map(|n| {
        let conn = conn.clone();
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..100 {
                ids.push(tasks::add_task(&*conn, &format!("t{n} {i}"), "").await.unwrap());
            }
            let titles: Vec<String> = (0..300).map(|i| format!("b{n} {i}")).collect();
            // Collected first: a spawned future holding the mapping closure trips rustc's
            // "FnOnce is not general enough" (the same with quarry::Client).
            let params: Vec<AddTasksParams<'_>> = titles
                .iter()
                .map(|t| AddTasksParams {
                    title: t,
                    description: "",
                })
                .collect();
            let batch = tasks::add_tasks(&*conn, params).await.unwrap();
            assert!(batch.windows(2).all(|w| w[0] < w[1]));
            let (title, found) =
                quarry::pipeline!(tasks::task_title(&*conn, ids[0]), tasks::find_task(&*conn, batch[299]));
            assert_eq!(title.unwrap(), format!("t{n} 0"));
            assert_eq!(found.unwrap().unwrap().title, format!("b{n} 299"));
            // A call dropped half-way hands the connection back.
            let _ = tokio::time::timeout(Duration::from_micros(50), tasks::list_tasks(&*conn)).await;
        })
    });
    for task in bounded(futures_util::future::join_all(work)).await {
        task.unwrap();
    }
    assert_eq!(tasks::count_tasks(&*conn, None).await.unwrap(), 8 * 400);
}
