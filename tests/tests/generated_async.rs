//! Every generated async function, run against a real (throwaway) PostgreSQL.

use quarry::{ErrorKind, GenericClient};
use quarry_tests::asynchronous::{orders, tasks, users};
use quarry_tests::db::{fresh_database, server_side_statements};

async fn client() -> quarry::Client {
    quarry::Client::connect(&fresh_database()).await.expect("connect")
}

#[tokio::test]
async fn task_manager_flow() {
    let client = client().await;
    let a = tasks::add_task(&client, "Buy milk", "2 litres").await.unwrap();
    let b = tasks::add_task(&client, "Write report", "").await.unwrap();
    assert_ne!(a, b);

    let all = tasks::list_tasks(&client).await.unwrap();
    let titles: Vec<_> = all
        .iter()
        .map(|t| (t.id, t.title.as_str(), t.description.as_str(), t.status.as_str()))
        .collect();
    assert_eq!(
        titles,
        vec![
            (a, "Buy milk", "2 litres", "pending"),
            (b, "Write report", "", "pending")
        ]
    );
    assert!(all.iter().all(|t| t.completed_at.is_none()));

    assert_eq!(tasks::complete_task(&client, a).await.unwrap(), 1);
    assert_eq!(
        tasks::complete_task(&client, a).await.unwrap(),
        0,
        "already done: no row changes"
    );
    let done = tasks::find_task(&client, a).await.unwrap().expect("task a exists");
    assert_eq!(done.status, "done");
    assert!(done.completed_at.is_some());

    let pending: Vec<_> = tasks::list_tasks_by_status(&client, Some("pending"))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(pending, vec![b]);
    assert_eq!(tasks::list_tasks_by_status(&client, None).await.unwrap().len(), 2);

    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 2);
    assert_eq!(tasks::count_tasks(&client, Some("done")).await.unwrap(), 1);

    assert_eq!(tasks::delete_task(&client, b).await.unwrap(), 1);
    assert_eq!(tasks::find_task(&client, b).await.unwrap(), None);
    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 1);
}

#[tokio::test]
async fn one_with_no_row_is_an_error_naming_the_query() {
    let client = client().await;
    let error = tasks::task_title(&client, 424242).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RowCount);
    assert_eq!(error.query_name(), Some("task_title"));
    assert_eq!(
        error.to_string(),
        "query `task_title` (../queries/tasks.sql:38): expected exactly one row, got none"
    );
    let id = tasks::add_task(&client, "Exists", "").await.unwrap();
    assert_eq!(tasks::task_title(&client, id).await.unwrap(), "Exists");
}

#[tokio::test]
async fn positional_parameters_and_outer_joins() {
    let client = client().await;
    let user = users::create_user(&client, "ada@example.com", "Ada", None)
        .await
        .unwrap();
    let owned = tasks::add_task(&client, "Owned", "").await.unwrap();
    let orphan = tasks::add_task(&client, "Orphan", "").await.unwrap();
    assert_eq!(tasks::assign_task(&client, owned, Some(user.id)).await.unwrap(), 1);
    let rows = users::tasks_with_owner(&client).await.unwrap();
    let pairs: Vec<_> = rows.iter().map(|r| (r.id, r.owner_name.clone())).collect();
    assert_eq!(pairs, vec![(owned, Some("Ada".to_string())), (orphan, None)]);
}

#[tokio::test]
async fn users_round_trip_nullable_params_and_keyword_names() {
    let client = client().await;
    let ada = users::create_user(&client, "ada@example.com", "Ada", Some("Analyst"))
        .await
        .unwrap();
    let bob = users::create_user(&client, "bob@example.com", "Bob", None)
        .await
        .unwrap();
    assert_eq!((ada.bio.as_deref(), bob.bio.as_deref()), (Some("Analyst"), None));
    assert!(ada.is_active);

    let found = users::user_by_email(&client, "bob@example.com").await.unwrap();
    assert_eq!(found.as_ref().map(|u| u.id), Some(bob.id));
    assert_eq!(
        found.unwrap(),
        users::UserByEmailRow {
            id: bob.id,
            email: bob.email.clone(),
            name: bob.name.clone(),
            is_active: true,
            bio: None,
            created_at: bob.created_at,
        }
    );
    assert_eq!(users::user_by_email(&client, "nobody@example.com").await.unwrap(), None);

    assert_eq!(users::deactivate_user(&client, ada.id).await.unwrap(), 1);
    assert!(
        !users::user_by_email(&client, "ada@example.com")
            .await
            .unwrap()
            .unwrap()
            .is_active
    );

    assert_eq!(users::r#type(&client, "Ada").await.unwrap(), vec![bob.id]);
}

#[tokio::test]
async fn database_errors_carry_the_query_and_sqlstate() {
    let client = client().await;
    users::create_user(&client, "dup@example.com", "One", None)
        .await
        .unwrap();
    let error = users::create_user(&client, "dup@example.com", "Two", None)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UniqueViolation);
    assert_eq!(
        error.code(),
        Some(&quarry::tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
    );
    assert_eq!(
        error.as_db_error().and_then(|e| e.constraint()),
        Some("users_email_key")
    );
    assert_eq!(
        error.to_string(),
        "query `create_user` (../queries/users.sql:1): ERROR: duplicate key value violates unique constraint \"users_email_key\" (SQLSTATE 23505)"
    );
}

#[tokio::test]
async fn orders_numeric_uuid_json_bytea_date() {
    let client = client().await;
    let user = users::create_user(&client, "buyer@example.com", "Buyer", None)
        .await
        .unwrap();
    let empty = orders::order_totals(&client, user.id).await.unwrap();
    assert_eq!((empty.orders, empty.total, empty.last_order), (0, None, None));

    let total: quarry::rust_decimal::Decimal = "1234.50".parse().unwrap();
    let details = quarry::serde_json::json!({"gift": true, "items": [1, 2]});
    let placed = orders::place_order(&client, user.id, total, Some(&details), Some(&[0u8, 255, 7][..]))
        .await
        .unwrap();
    assert_eq!(placed.total, total);
    assert_eq!(placed.details, Some(details));
    assert_eq!(placed.attachment, Some(vec![0, 255, 7]));
    assert_ne!(placed.reference, quarry::uuid::Uuid::nil());
    let bare = orders::place_order(&client, user.id, "0.01".parse().unwrap(), None, None)
        .await
        .unwrap();
    assert_eq!((bare.details, bare.attachment), (None, None));

    let listed: Vec<_> = orders::orders_for_user(&client, user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(listed, vec![placed.id, bare.id]);
    let totals = orders::order_totals(&client, user.id).await.unwrap();
    assert_eq!(totals.orders, 2);
    assert_eq!(totals.total, Some("1234.51".parse().unwrap()));
    assert_eq!(totals.last_order, Some(placed.placed_on));
}

#[tokio::test]
async fn every_scalar_type_round_trips_including_extremes() {
    use quarry::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
    let client = client().await;
    let json = quarry::serde_json::json!({"k": [null, 1.5, "é"]});
    let ts = NaiveDate::from_ymd_opt(1999, 12, 31)
        .unwrap()
        .and_hms_micro_opt(23, 59, 59, 999_999)
        .unwrap();
    let tstz: DateTime<Utc> = DateTime::from_naive_utc_and_offset(ts, Utc);
    let date = NaiveDate::from_ymd_opt(-4712, 1, 1).unwrap();
    let time = NaiveTime::from_hms_micro_opt(0, 0, 0, 1).unwrap();
    let n: quarry::rust_decimal::Decimal = "-79228162514264337593543950335".parse().unwrap();
    let bytes = [0u8, 1, 254, 255];
    let row = orders::scalar_types(
        &client,
        true,
        i16::MIN,
        i32::MAX,
        i64::MIN,
        f32::INFINITY,
        f64::NEG_INFINITY,
        n,
        "tab\tquote'nul-free",
        "varchar",
        "bp",
        "name",
        &bytes,
        quarry::uuid::Uuid::max(),
        &json,
        &json,
        ts,
        tstz,
        date,
        time,
    )
    .await
    .unwrap();
    assert!(row.b);
    assert_eq!((row.i2, row.i4, row.i8), (i16::MIN, i32::MAX, i64::MIN));
    assert_eq!((row.f4, row.f8), (f32::INFINITY, f64::NEG_INFINITY));
    assert_eq!(row.n, n);
    assert_eq!(row.t, "tab\tquote'nul-free");
    assert_eq!(
        (row.vc.as_str(), row.bp.as_str(), row.nm.as_str()),
        ("varchar", "bp", "name")
    );
    assert_eq!(row.by, bytes);
    assert_eq!(row.u, quarry::uuid::Uuid::max());
    assert_eq!((&row.j, &row.jb), (&json, &json));
    assert_eq!((row.ts, row.tstz), (ts, tstz));
    assert_eq!((row.d, row.tm), (date, time));
    let nan = orders::scalar_types(
        &client,
        false,
        0,
        0,
        0,
        f32::NAN,
        f64::NAN,
        Default::default(),
        "",
        "",
        "",
        "",
        &[],
        quarry::uuid::Uuid::nil(),
        &json,
        &json,
        NaiveDateTime::default(),
        DateTime::<Utc>::default(),
        NaiveDate::default(),
        NaiveTime::default(),
    )
    .await
    .unwrap();
    assert!(nan.f4.is_nan() && nan.f8.is_nan());
    assert_eq!(nan.by, Vec::<u8>::new());
}

#[tokio::test]
async fn statements_are_prepared_once_per_connection() {
    let client = client().await;
    assert_eq!(client.statement_cache().len(), 0);
    for _ in 0..3 {
        tasks::list_tasks(&client).await.unwrap();
        tasks::count_tasks(&client, None).await.unwrap();
    }
    assert_eq!(client.statement_cache().len(), 2);
    assert_eq!(
        server_side_statements(&client).await,
        2,
        "one server-side statement per query, reused"
    );
}

#[tokio::test]
async fn transactions_roll_back_on_drop_and_commit_on_commit() {
    let mut client = client().await;
    {
        let tx = client.transaction().await.unwrap();
        tasks::add_task(&tx, "rolled back", "").await.unwrap();
        assert_eq!(tasks::count_tasks(&tx, None).await.unwrap(), 1);
    }
    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 0);
    let tx = client.transaction().await.unwrap();
    tasks::add_task(&tx, "kept", "").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(tasks::count_tasks(&client, None).await.unwrap(), 1);
    assert_eq!(
        client.statement_cache().len(),
        2,
        "statements prepared inside a transaction stay cached"
    );
}

/// Plain tokio-postgres clients have no cache: they use the unnamed typed protocol.
#[tokio::test]
async fn plain_tokio_postgres_client_and_transaction_work_unprepared() {
    let (mut raw, connection) = quarry::tokio_postgres::connect(&fresh_database(), quarry::tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let id = tasks::add_task(&raw, "raw", "client").await.unwrap();
    assert_eq!(tasks::find_task(&raw, id).await.unwrap().unwrap().title, "raw");
    let tx = raw.transaction().await.unwrap();
    assert_eq!(tasks::delete_task(&tx, id).await.unwrap(), 1);
    tx.rollback().await.unwrap();
    assert_eq!(tasks::count_tasks(&raw, None).await.unwrap(), 1);
    assert_eq!(
        server_side_statements(&raw).await,
        0,
        "nothing named was prepared on the server"
    );
}

/// Generated functions take `&C` with `C: GenericClient + ?Sized`, so they compose in generic code.
#[tokio::test]
async fn generic_code_over_any_client() {
    async fn seed(client: &impl GenericClient) -> Result<i32, quarry::Error> {
        tasks::add_task(client, "generic", "").await
    }
    let mut client = client().await;
    let id = seed(&client).await.unwrap();
    let tx = client.transaction().await.unwrap();
    let id2 = seed(&tx).await.unwrap();
    tx.commit().await.unwrap();
    assert!(id2 > id);
}

/// Column names PostgreSQL allows beyond ASCII identifiers become fields that compile.
#[tokio::test]
async fn non_ascii_and_digit_led_column_names_are_fields() {
    let client = client().await;
    let row = quarry_tests::asynchronous::ops::unusual_names(&client).await.unwrap();
    assert_eq!((row.naïve, row._1st, row.created_at), (1, 2, 3));
}
