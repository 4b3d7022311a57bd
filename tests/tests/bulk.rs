//! Bulk writes (`:bulkexec`, `:bulkone`, `:bulkmany`, `:copyfrom` with `ON CONFLICT`) against
//! a real server: 100 000 rows with NULLs, an enum, a composite, a domain and a range; upserts
//! with half the rows conflicting; updates and deletes by key with their rows in input order;
//! a failing row inside and outside a transaction; unnamed mode; a pool; the blocking flavour.

use quarry::rust_decimal::Decimal;
use quarry::types::Range;
use quarry::{BulkOptions, ClientOptions, ErrorKind, StatementMode};
use quarry_tests::bulk::products::{self, *};
use quarry_tests::bulk::types::{Dimensions, Grade};
use quarry_tests::bulk::SCHEMA;
use quarry_tests::db::fresh_database_with;

const ROWS: i64 = 100_000;

/// One product as the test builds it; the parameter structs borrow from it.
#[derive(Debug, Clone, PartialEq)]
struct Product {
    id: i64,
    sku: String,
    name: String,
    note: Option<String>,
    grade: Option<Grade>,
    size: Option<Dimensions>,
    price: Decimal,
    stock: Option<Range<i32>>,
}

/// Deterministic products: every 3rd without a note, every 4th without a grade, every 5th
/// without a size (every 7th size with a NULL field), every 6th without stock, every 11th an
/// empty stock range.
fn product(id: i64) -> Product {
    let grades = [Grade::Low, Grade::Mid, Grade::High];
    Product {
        id,
        sku: format!("ABC-{id}"),
        name: format!("product {id}"),
        note: (id % 3 != 0).then(|| format!("note {id}")),
        grade: (id % 4 != 0).then(|| grades[(id % 3) as usize]),
        size: (id % 5 != 0).then(|| Dimensions {
            width: Some(id as i32 % 100),
            height: (id % 7 != 0).then_some(id as i32 % 50),
        }),
        price: Decimal::new(id * 100 + 99, 2),
        stock: match id {
            _ if id % 6 == 0 => None,
            _ if id % 11 == 0 => Some(Range::Empty),
            _ => Some(Range::half_open(id as i32, id as i32 + 10)),
        },
    }
}

/// The parameter struct `$params` (each query has its own, with the same eight fields) of `$p`.
macro_rules! all_columns {
    ($params:ident, $p:expr) => {{
        let p: &Product = $p;
        $params {
            id: p.id,
            sku: &p.sku,
            name: &p.name,
            note: p.note.as_deref(),
            grade: p.grade,
            size: p.size.as_ref(),
            price: p.price,
            stock: p.stock.as_ref(),
        }
    }};
}

fn insert_params(p: &Product) -> InsertProductsParams<'_> {
    all_columns!(InsertProductsParams, p)
}

fn upsert_params(p: &Product) -> UpsertProductsParams<'_> {
    all_columns!(UpsertProductsParams, p)
}

async fn connect(url: &str, mode: StatementMode) -> quarry::Client {
    let options = ClientOptions {
        mode,
        ..ClientOptions::default()
    };
    quarry::Client::connect_with(url, options).await.expect("connect")
}

/// Every product as the server has it, read back with plain SQL (not with quarry's decoders).
async fn stored(client: &quarry::Client) -> Vec<Product> {
    let rows = client
        .query(
            "SELECT id, sku::text, name, note, grade::text, (size).width, (size).height, size IS NOT DISTINCT FROM NULL, \
             price, stock::text FROM products ORDER BY id",
            &[],
        )
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let grade: Option<String> = r.get(4);
            let stock: Option<String> = r.get(9);
            Product {
                id: r.get(0),
                sku: r.get(1),
                name: r.get(2),
                note: r.get(3),
                grade: grade.map(|g| match g.as_str() {
                    "low" => Grade::Low,
                    "mid" => Grade::Mid,
                    _ => Grade::High,
                }),
                size: (!r.get::<_, bool>(7)).then(|| Dimensions {
                    width: r.get(5),
                    height: r.get(6),
                }),
                price: r.get(8),
                stock: stock.map(|s| match s.as_str() {
                    "empty" => Range::Empty,
                    s => {
                        let (lower, upper) = s.trim_matches(['[', ')']).split_once(',').unwrap();
                        Range::half_open(lower.parse().unwrap(), upper.parse().unwrap())
                    }
                }),
            }
        })
        .collect()
}

#[tokio::test]
async fn bulk_insert_stores_100k_rows_with_nulls_enums_composites_domains_and_ranges() {
    let url = fresh_database_with(&[SCHEMA]);
    for mode in [StatementMode::Prepared, StatementMode::Unnamed] {
        let client = connect(&url, mode).await;
        client.batch_execute("TRUNCATE products").await.unwrap();
        let all: Vec<Product> = (1..=ROWS).map(product).collect();
        let inserted = products::insert_products(&client, all.iter().map(insert_params))
            .await
            .unwrap();
        assert_eq!(inserted, ROWS as u64, "{mode:?}");
        assert_eq!(
            stored(&client).await,
            all,
            "{mode:?}: every value, NULL and default as sent"
        );
        let counts = products::count_products(&client).await.unwrap();
        // The columns left out of the statement kept their defaults.
        assert_eq!(counts.versions, ROWS, "{mode:?}: version DEFAULT 1 on every row");
        assert_eq!(
            (counts.notes, counts.grades, counts.sizes),
            (ROWS - ROWS / 3, ROWS - ROWS / 4, ROWS - ROWS / 5)
        );
    }
}

#[tokio::test]
async fn an_empty_input_sends_nothing() {
    let url = fresh_database_with(&[SCHEMA]);
    let client = connect(&url, StatementMode::Prepared).await;
    assert_eq!(products::insert_products(&client, std::iter::empty()).await.unwrap(), 0);
    assert!(products::rename_products(&client, std::iter::empty())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(client.statement_cache().len(), 0, "not even prepared");
}

#[tokio::test]
async fn returning_rows_come_back_in_input_order_across_chunks() {
    let url = fresh_database_with(&[SCHEMA]);
    let client = connect(&url, StatementMode::Prepared).await;
    // Ids in a scrambled order, so input order is not id order.
    let ids: Vec<i64> = (0..10_000).map(|i| (i * 7919) % 10_000 + 1).collect();
    let all: Vec<Product> = ids.iter().map(|&id| product(id)).collect();
    let small = BulkOptions {
        max_rows: 1_000,
        ..BulkOptions::DEFAULT
    };
    let params = all.iter().map(|p| all_columns!(AddProductsParams, p));
    let added = products::add_products_with(&client, params, &small).await.unwrap();
    let returned: Vec<(i64, String, i32)> = added.iter().map(|r| (r.id, r.name.clone(), r.version)).collect();
    let expected: Vec<(i64, String, i32)> = all.iter().map(|p| (p.id, p.name.to_uppercase(), 1)).collect();
    assert_eq!(returned, expected);

    // UPDATE … RETURNING: each row carries its input's position; reversed input, reversed rows.
    let renames: Vec<(i64, String)> = ids.iter().rev().map(|&id| (id, format!("renamed {id}"))).collect();
    let params = renames.iter().map(|(id, name)| RenameProductsParams { id: *id, name });
    let renamed = products::rename_products_with(&client, params, &small).await.unwrap();
    let returned: Vec<(i64, String, i32)> = renamed.into_iter().map(|r| (r.id, r.name, r.version)).collect();
    let expected: Vec<(i64, String, i32)> = renames.iter().map(|(id, name)| (*id, name.clone(), 2)).collect();
    assert_eq!(returned, expected);
}

#[tokio::test]
async fn bulk_upsert_with_half_the_rows_conflicting_counts_inserts_and_updates() {
    let url = fresh_database_with(&[SCHEMA]);
    // Unnamed, the arrays of the enum and the composite are described on first use.
    for mode in [StatementMode::Prepared, StatementMode::Unnamed] {
        let client = connect(&url, mode).await;
        client.batch_execute("TRUNCATE products").await.unwrap();
        upsert_half_conflicting(&client).await;
    }
}

async fn upsert_half_conflicting(client: &quarry::Client) {
    let existing: Vec<Product> = (1..=ROWS).filter(|id| id % 2 == 0).map(product).collect();
    products::insert_products(client, existing.iter().map(insert_params))
        .await
        .unwrap();
    let all: Vec<Product> = (1..=ROWS)
        .map(|id| Product {
            name: format!("upserted {id}"),
            ..product(id)
        })
        .collect();
    let rows = products::upsert_products(client, all.iter().map(upsert_params))
        .await
        .unwrap();
    assert_eq!(rows.len(), ROWS as usize);
    let inserted = rows.iter().filter(|r| r.inserted).count();
    assert_eq!(
        (inserted, rows.len() - inserted),
        (ROWS as usize / 2, ROWS as usize / 2)
    );
    for (row, p) in rows.iter().zip(&all) {
        assert_eq!(row.id, p.id, "rows in input order");
        assert_eq!(
            (row.inserted, row.version),
            (p.id % 2 == 1, if p.id % 2 == 0 { 2 } else { 1 })
        );
    }
    assert_eq!(stored(client).await, all);

    // DO NOTHING: the count is of the rows inserted.
    let more: Vec<Product> = (ROWS - 9..=ROWS + 10).map(product).collect();
    let params = more.iter().map(|p| InsertNewProductsParams {
        id: p.id,
        sku: &p.sku,
        name: &p.name,
        price: p.price,
    });
    assert_eq!(products::insert_new_products(client, params).await.unwrap(), 10);
}

#[tokio::test]
async fn update_and_delete_by_key_return_each_inputs_rows() {
    let url = fresh_database_with(&[SCHEMA]);
    let client = connect(&url, StatementMode::Prepared).await;
    let all: Vec<Product> = (1..=1_200).map(product).collect();
    products::insert_products(&client, all.iter().map(insert_params))
        .await
        .unwrap();

    // Several rows per input: every product of the grade, in the input's slot.
    let deltas = [(Grade::High, Decimal::new(100, 2)), (Grade::Low, Decimal::new(-1, 2))];
    let params = deltas.iter().map(|(grade, delta)| RepriceGradeParams {
        grade: *grade,
        delta: *delta,
    });
    let repriced = products::reprice_grade(&client, params).await.unwrap();
    for ((grade, delta), rows) in deltas.iter().zip(&repriced) {
        let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let expected: Vec<&Product> = all.iter().filter(|p| p.grade == Some(*grade)).collect();
        assert_eq!(ids, expected.iter().map(|p| p.id).collect::<Vec<_>>());
        for row in rows {
            assert_eq!(row.price, product(row.id).price + delta);
        }
    }

    // An input that matches no row is an error naming it (and, outside a transaction, the
    // statement ran: `:bulkone` checks the rows after the fact).
    let renames = [(5, "five"), (999_999, "missing"), (7, "seven")];
    let params = renames.iter().map(|(id, name)| RenameProductsParams { id: *id, name });
    let error = products::rename_products(&client, params).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RowCount);
    assert!(error.to_string().contains("batch item 1"), "{error}");

    let deleted = products::delete_products(&client, (1..=100).map(|id| DeleteProductsParams { id }))
        .await
        .unwrap();
    assert_eq!(deleted, 100);
    let skus = ["ABC-150", "ABC-1", "ABC-101"];
    let gone = products::delete_by_sku(&client, skus.iter().map(|sku| DeleteBySkuParams { sku }))
        .await
        .unwrap();
    let gone: Vec<Vec<i64>> = gone.iter().map(|rows| rows.iter().map(|r| r.id).collect()).collect();
    assert_eq!(
        gone,
        vec![vec![150], vec![], vec![101]],
        "ABC-1 was deleted by id already"
    );
    assert_eq!(products::count_products(&client).await.unwrap().total, 1_200 - 102);
}

/// 30 000 rows in chunks of 10 000, row 25 000 with a SKU the domain's CHECK refuses.
fn with_bad_row() -> Vec<Product> {
    (1..=30_000)
        .map(|id| Product {
            sku: if id == 25_000 {
                "bad sku".into()
            } else {
                format!("ABC-{id}")
            },
            ..product(id)
        })
        .collect()
}

#[tokio::test]
async fn a_failing_row_fails_its_chunk_and_outside_a_transaction_earlier_chunks_stay() {
    let url = fresh_database_with(&[SCHEMA]);
    let client = connect(&url, StatementMode::Prepared).await;
    let options = BulkOptions {
        max_rows: 10_000,
        ..BulkOptions::DEFAULT
    };
    let all = with_bad_row();
    let error = products::insert_products_with(&client, all.iter().map(insert_params), &options)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::CheckViolation, "{error}");
    let message = error.to_string();
    // The chunk, and the row: a COPY chunk (a plain INSERT) knows which line PostgreSQL refused.
    assert!(
        message.contains("bulk chunk 2: items 20000..30000, failing at item 24999"),
        "{message}"
    );
    assert!(message.contains("insert_products"), "{message}");
    // Each chunk is one statement: the two before the failing one are committed, whole.
    assert_eq!(products::count_products(&client).await.unwrap().total, 20_000);

    // Inside a transaction: all or nothing.
    client.batch_execute("TRUNCATE products").await.unwrap();
    let mut client = client;
    let transaction = client.transaction().await.unwrap();
    let error = products::insert_products_with(&transaction, all.iter().map(insert_params), &options)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::CheckViolation);
    transaction.rollback().await.unwrap();
    assert_eq!(products::count_products(&client).await.unwrap().total, 0);
}

#[tokio::test]
async fn chunks_end_at_the_byte_limit_too() {
    let url = fresh_database_with(&[SCHEMA]);
    let client = connect(&url, StatementMode::Prepared).await;
    let all: Vec<Product> = (1..=3_000).map(product).collect();
    // About 100 bytes a row: a 20 kB limit makes chunks of about 200 rows; the failing row of
    // a second call then names a chunk number only a byte limit explains.
    let options = BulkOptions {
        max_rows: 1_000_000,
        max_bytes: 20_000,
    };
    assert_eq!(
        products::insert_products_with(&client, all.iter().map(insert_params), &options)
            .await
            .unwrap(),
        3_000
    );
    let duplicate = [product(4_000), product(1)];
    let error = products::insert_products_with(&client, duplicate.iter().map(insert_params), &options)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UniqueViolation);
    assert!(error.to_string().contains("bulk chunk 0: items 0..2"), "{error}");
    let many: Vec<Product> = (5_000..6_000).map(product).chain([product(1)]).collect();
    let error = products::insert_products_with(&client, many.iter().map(insert_params), &options)
        .await
        .unwrap_err();
    let message = error.to_string();
    let chunk: usize = message
        .split("bulk chunk ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .expect("the error names its chunk");
    assert!(
        chunk >= 4,
        "1 001 rows of ~100 bytes in 20 kB chunks: chunk {chunk} of {message}"
    );
}

#[tokio::test]
async fn copy_with_upsert_stages_then_inserts_or_updates() {
    let url = fresh_database_with(&[SCHEMA]);
    for mode in [StatementMode::Prepared, StatementMode::Unnamed] {
        let mut client = connect(&url, mode).await;
        client.batch_execute("TRUNCATE products").await.unwrap();
        let existing: Vec<Product> = (1..=ROWS).filter(|id| id % 2 == 0).map(product).collect();
        products::insert_products(&client, existing.iter().map(insert_params))
            .await
            .unwrap();
        let all: Vec<Product> = (1..=ROWS)
            .map(|id| Product {
                name: format!("copied {id}"),
                ..product(id)
            })
            .collect();
        let params = all.iter().map(|p| all_columns!(CopyUpsertProductsParams, p));
        let moved = products::copy_upsert_products(&client, params).await.unwrap();
        assert_eq!(moved, ROWS as u64, "{mode:?}: inserted + updated");
        let counts = products::count_products(&client).await.unwrap();
        // Inserted rows have version 1, updated ones 2.
        assert_eq!((counts.total, counts.versions), (ROWS, ROWS + ROWS / 2), "{mode:?}");
        let names = products::product_names(&client).await.unwrap();
        assert!(names.iter().all(|r| r.name == format!("copied {}", r.id)));

        // Inside a caller's transaction, twice (the staging table is dropped each time), then
        // rolled back: nothing changed.
        let transaction = client.transaction().await.unwrap();
        for _ in 0..2 {
            let one = [product(1)];
            let params = one.iter().map(|p| CopyUpsertProductsParams {
                id: p.id,
                sku: &p.sku,
                name: "in transaction",
                note: None,
                grade: None,
                size: None,
                price: p.price,
                stock: None,
            });
            assert_eq!(products::copy_upsert_products(&transaction, params).await.unwrap(), 1);
        }
        transaction.rollback().await.unwrap();
        assert_eq!(products::product_names(&client).await.unwrap()[0].name, "copied 1");
    }
}

#[tokio::test]
async fn bulk_calls_run_on_a_pooled_connection() {
    let url = fresh_database_with(&[SCHEMA]);
    let pool = quarry::Pool::connect(&url, quarry::PoolOptions::default())
        .await
        .unwrap();
    let client = pool.get().await.unwrap();
    let all: Vec<Product> = (1..=2_000).map(product).collect();
    assert_eq!(
        products::insert_products(&client, all.iter().map(insert_params))
            .await
            .unwrap(),
        2_000
    );
    let renamed = products::rename_products(&client, [RenameProductsParams { id: 7, name: "seven" }])
        .await
        .unwrap();
    assert_eq!((renamed[0].id, renamed[0].name.as_str()), (7, "seven"));
}

#[test]
fn the_blocking_flavour_runs_the_same_statements() {
    use quarry_tests::bulk_blocking::products as blocking;
    let url = fresh_database_with(&[SCHEMA]);
    let mut client = quarry::sync::Client::connect(&url).unwrap();
    let all: Vec<Product> = (1..=5_000).map(product).collect();
    let params = all.iter().map(|p| blocking::InsertProductsParams {
        id: p.id,
        sku: &p.sku,
        name: &p.name,
        note: p.note.as_deref(),
        grade: p.grade.map(|g| match g {
            Grade::Low => quarry_tests::bulk_blocking::types::Grade::Low,
            Grade::Mid => quarry_tests::bulk_blocking::types::Grade::Mid,
            Grade::High => quarry_tests::bulk_blocking::types::Grade::High,
        }),
        size: None,
        price: p.price,
        stock: p.stock.as_ref(),
    });
    assert_eq!(blocking::insert_products(&client, params).unwrap(), 5_000);
    let transaction = client.transaction().unwrap();
    let renames = [(3, "three"), (2, "two")];
    let renamed = blocking::rename_products(
        &transaction,
        renames
            .iter()
            .map(|(id, name)| blocking::RenameProductsParams { id: *id, name }),
    )
    .unwrap();
    assert_eq!(renamed.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3, 2]);
    transaction.commit().unwrap();
    assert_eq!(blocking::count_products(&client).unwrap().total, 5_000);
}

#[tokio::test]
async fn array_columns_load_through_the_copy_form() {
    let url = fresh_database_with(&[SCHEMA]);
    for mode in [StatementMode::Prepared, StatementMode::Unnamed] {
        let client = connect(&url, mode).await;
        client.batch_execute("TRUNCATE tagged").await.unwrap();
        let tags: Vec<Option<Vec<String>>> = (0..10_000)
            .map(|i| match i % 4 {
                0 => None,
                1 => Some(Vec::new()),
                _ => Some((0..i % 5).map(|t| format!("tag {t}")).collect()),
            })
            .collect();
        let grades = [Grade::Low, Grade::High];
        let borrowed: Vec<Option<Vec<&str>>> = tags
            .iter()
            .map(|t| t.as_ref().map(|t| t.iter().map(String::as_str).collect()))
            .collect();
        let params = borrowed.iter().enumerate().map(|(i, tags)| InsertTaggedParams {
            id: i as i64,
            tags: tags.as_deref(),
            grades: (i % 3 != 0).then_some(&grades[..]),
        });
        assert_eq!(
            products::insert_tagged(&client, params).await.unwrap(),
            10_000,
            "{mode:?}"
        );
        let rows = client
            .query("SELECT id, tags, grades::text[] FROM tagged ORDER BY id", &[])
            .await
            .unwrap();
        for row in &rows {
            let i: i64 = row.get(0);
            let stored: Option<Vec<String>> = row.get(1);
            assert_eq!(stored, tags[i as usize], "{mode:?}: row {i}");
            let stored_grades: Option<Vec<String>> = row.get(2);
            let expected = (i % 3 != 0).then(|| vec!["low".to_string(), "high".to_string()]);
            assert_eq!(stored_grades, expected);
        }
        assert_eq!(rows.len(), 10_000);
    }
}

#[tokio::test]
async fn array_parameters_travel_flattened_in_the_unnest_form() {
    let url = fresh_database_with(&[SCHEMA]);
    for mode in [StatementMode::Prepared, StatementMode::Unnamed] {
        let client = connect(&url, mode).await;
        client.batch_execute("TRUNCATE tagged").await.unwrap();
        // Rows 0..2000 exist; the upsert writes 0..4000, so half conflict.
        let first: Vec<InsertTaggedParams> = (0..2_000)
            .map(|id| InsertTaggedParams {
                id,
                tags: Some(&["old"]),
                grades: None,
            })
            .collect();
        products::insert_tagged(&client, first).await.unwrap();
        let tags: Vec<Option<Vec<String>>> = (0..4_000)
            .map(|i| match i % 5 {
                0 => None,
                1 => Some(Vec::new()),
                n => Some((0..n).map(|t| format!("t{i}-{t}")).collect()),
            })
            .collect();
        let borrowed: Vec<Option<Vec<&str>>> = tags
            .iter()
            .map(|t| t.as_ref().map(|t| t.iter().map(String::as_str).collect()))
            .collect();
        let grades = [Grade::High, Grade::Low, Grade::Mid];
        let params = borrowed.iter().enumerate().map(|(i, tags)| UpsertTaggedParams {
            id: i as i64,
            tags: tags.as_deref(),
            grades: (i % 3 != 0).then(|| &grades[..i % 3 + 1]),
        });
        let small = BulkOptions {
            max_rows: 700,
            ..BulkOptions::DEFAULT
        };
        let rows = products::upsert_tagged_with(&client, params, &small).await.unwrap();
        assert_eq!(rows.len(), 4_000, "{mode:?}");
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.id, i as i64, "{mode:?}: in input order");
            assert_eq!(row.tags, tags[i], "{mode:?}: row {i}'s tags");
            let expected = (i % 3 != 0).then(|| grades[..i % 3 + 1].to_vec());
            assert_eq!(row.grades, expected, "{mode:?}: row {i}'s grades");
        }

        // An array parameter as the key: each input's rows, in its slot.
        let keys: [&[i64]; 3] = [&[1, 2, 3], &[], &[3, 3_999]];
        let params = keys.iter().map(|ids| RetagParams { extra: &["x"], ids });
        let retagged = products::retag(&client, params).await.unwrap();
        let ids: Vec<Vec<i64>> = retagged
            .iter()
            .map(|rows| {
                let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                ids.sort_unstable();
                ids
            })
            .collect();
        // Row 3 matches two inputs: one statement updates it once, for one of them.
        assert!(
            ids == vec![vec![1, 2, 3], vec![], vec![3_999]] || ids == vec![vec![1, 2], vec![], vec![3, 3_999]],
            "{mode:?}: {ids:?}"
        );
        let row_1 = &retagged[0].iter().find(|r| r.id == 1).unwrap().tags;
        assert_eq!(row_1.as_deref(), Some(&["x".to_string()][..]), "empty + [x]");
    }
}
