//! The sqlc layouts and constructs that sqlc's own end-to-end suite and real projects use and
//! quarry once refused or lost (`tests/sqlc_compat/`, read from its `sqlc.json` unchanged):
//! one folder for schema and queries, DDL beside queries in one file, a pg_dump schema with
//! psql meta-commands and an emptied `search_path`, a sql-migrate migration with `LOCK`,
//! `/* name: */` and `# name:` headers, unnamed statements, `$n` mixed with `@name`, repeated
//! column names, the same table embedded twice, patterns and same-stem files, a zero-column
//! `SELECT`, system types, `void`, optional filters, and an entry without a schema. Each query
//! runs against a real server through the generated functions.

use quarry_tests::compat::shop::{_02_orders, customers_queries, models, orders_queries, types::OrderStatus};
use quarry_tests::compat::tools::standalone;

/// A database holding the fixture's schema, loaded by the same code that generated it.
async fn client() -> quarry::Client {
    let url = quarry_tests::db::fresh_database_with(&[]);
    let schema_url = url.clone();
    std::thread::spawn(move || {
        let project = quarry_codegen::sqlc::Project::load("sqlc_compat/sqlc.json").unwrap();
        project.packages[0].config.apply_schema(&schema_url).unwrap();
    })
    .join()
    .unwrap();
    quarry::Client::connect(&url).await.expect("connect")
}

#[tokio::test]
async fn every_construct_runs_through_the_generated_functions() {
    let c = client().await;
    // `CREATE SCHEMA public` and `\restrict` from pg_dump did not stop the schema; its
    // `set_config('search_path', '', false)` did not leak into the next file.
    let ada = customers_queries::create_customer(&c, "Ada", Some("ada@example.com"), None)
        .await
        .unwrap();
    let bob = customers_queries::create_customer(&c, "Bob", None, Some(ada.id))
        .await
        .unwrap();

    // `/* name: */` and `# name:` headers, in the file that also holds the `orders` DDL.
    let order: models::Order = _02_orders::create_order(&c, bob.id, Some("first")).await.unwrap();
    assert_eq!(
        (order.status, order.note.as_deref()),
        (OrderStatus::Open, Some("first"))
    );
    assert_eq!(_02_orders::get_order(&c, order.id).await.unwrap(), order);

    // `UPDATE … SET note = @note WHERE id = $1 AND customer_id = $3`: `@note` is `$2`.
    assert_eq!(
        _02_orders::set_order_note(&c, order.id, Some("second"), bob.id)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        _02_orders::set_order_note(&c, order.id, Some("third"), ada.id)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        _02_orders::get_order(&c, order.id).await.unwrap().note.as_deref(),
        Some("second")
    );

    // Optional filters: `None` is "no filter", not "no rows".
    let names = |rows: Vec<customers_queries::SearchCustomersRow>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(
        names(customers_queries::search_customers(&c, None, None).await.unwrap()),
        ["Ada", "Bob"]
    );
    assert_eq!(
        names(
            customers_queries::search_customers(&c, Some("Bob"), None)
                .await
                .unwrap()
        ),
        ["Bob"]
    );
    assert_eq!(
        names(
            customers_queries::search_customers(&c, None, Some(&[ada.id]))
                .await
                .unwrap()
        ),
        ["Ada"]
    );
    assert!(customers_queries::search_customers(&c, None, Some(&[]))
        .await
        .unwrap()
        .is_empty());

    // The same table embedded twice: `customer` and `customer_2`.
    let pairs = customers_queries::customers_with_referrers(&c).await.unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(
        (pairs[0].customer.name.as_str(), pairs[0].customer_2.name.as_str()),
        ("Bob", "Ada")
    );

    // Two columns named `id`: `id` and `id_2`.
    let rows = orders_queries::orders_with_customers(&c).await.unwrap();
    assert_eq!(
        (rows[0].id, rows[0].id_2, rows[0].name.as_str()),
        (order.id, bob.id, "Bob")
    );

    // Repeated JSON column names: a struct each (`_2` for the second); `{}` and a window
    // aggregate stay JSON.
    let rows = orders_queries::order_summaries(&c).await.unwrap();
    let first = &rows[0];
    assert_eq!(
        (first.json_build_object.id, first.json_build_object.note.as_deref()),
        (order.id, Some("second"))
    );
    assert_eq!(first.json_build_object_2.status.as_str(), "open");
    assert_eq!(first.json_build_object_3, quarry::serde_json::json!({}));
    assert!(first.totals.is_array());

    // `SELECT FROM orders`: one empty row per order.
    assert_eq!(orders_queries::count_order_rows(&c, bob.id).await.unwrap().len(), 1);
    assert!(orders_queries::count_order_rows(&c, ada.id).await.unwrap().is_empty());

    // `OrdersByIDs` → `orders_by_ids`.
    let by_ids = orders_queries::orders_by_ids(&c, &[order.id, -1]).await.unwrap();
    assert_eq!(by_ids.iter().map(|r| r.id).collect::<Vec<_>>(), [order.id]);

    // System columns and reg* types.
    let place = orders_queries::order_place(&c, order.id).await.unwrap();
    let (ctid, xmin, rel): (String, String, u32) = {
        let row = c
            .query_one(
                "SELECT ctid::text, xmin::text, 'orders'::regclass::oid FROM orders WHERE id = $1",
                &[&order.id],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!(format!("({},{})", place.ctid.block, place.ctid.offset), ctid);
    assert_eq!(place.xmin.0.to_string(), xmin);
    assert_eq!(place.rel.0, rel);

    // The sql-migrate migration (with its `LOCK`) ran: its table exists; `aliases` → `AuditAlias`.
    customers_queries::add_alias(&c, Some(ada.id), "countess")
        .await
        .unwrap();
    let aliases: Vec<models::AuditAlias> = customers_queries::list_audit_aliases(&c).await.unwrap();
    assert_eq!(aliases[0].alias, "countess");
    let statuses: Vec<models::Status> = customers_queries::list_statuses(&c).await.unwrap();
    assert!(statuses.is_empty());
}

#[tokio::test]
async fn an_entry_without_schema_and_void_results() {
    let url = quarry_tests::db::fresh_database_with(&[]);
    let mut c = quarry::Client::connect(&url).await.expect("connect");
    let tx = c.transaction().await.unwrap();
    assert_eq!(standalone::lock_customer(&tx, 7).await.unwrap(), 1);
    assert_eq!(standalone::lock_void(&tx, 8).await.unwrap(), quarry::types::Void);
    assert!(
        standalone::try_lock_customer(&tx, 7).await.unwrap(),
        "held already: a second try succeeds"
    );
    let held: i64 = tx
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid IN (7, 8)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(held, 2);
    tx.rollback().await.unwrap();
}
