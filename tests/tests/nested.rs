//! Nested results (docs/nested.md) against a real server: authors → books → reviews and
//! orders → lines → products, as table row values (`array_agg(b)`, `ARRAY(SELECT l …)`, binary)
//! and as JSON shapes (`json_agg(json_build_object(…))`, `jsonb_agg(to_jsonb(b))`), with
//! empty children, NULL fields, exact numerics and timestamps in a non-UTC session.

use quarry::chrono::{DateTime, NaiveDate, TimeZone, Utc};
use quarry::rust_decimal::Decimal;
use quarry_tests::db::fresh_database_with;
use quarry_tests::nested::models::{Book, OrderLine};
use quarry_tests::nested::types::Genre;
use quarry_tests::nested::{library, shop, SCHEMA};
use std::str::FromStr;

struct Library {
    /// Ada: two books, the first with two reviews; Basho: one book, no reviews; Clara: none.
    authors: [i32; 3],
    books: Vec<Book>,
}

fn instant(micros: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(micros).unwrap()
}

async fn library(client: &quarry::Client) -> Library {
    let ada = library::add_author(client, "Ada", NaiveDate::from_ymd_opt(1815, 12, 10))
        .await
        .unwrap();
    let basho = library::add_author(client, "Basho", None).await.unwrap();
    let clara = library::add_author(client, "Clara", None).await.unwrap();
    let published = instant(1_700_000_000_123_456);
    let rows = [
        (ada, "Notes", Genre::Essay, Some("978-0"), Some(published)),
        (ada, "Poems \"quoted\" \u{e9}", Genre::Poetry, None, None),
        (basho, "Narrow Road", Genre::Poetry, Some("978-1"), None),
    ];
    let mut books = Vec::new();
    for (author_id, title, genre, isbn, published) in rows {
        let id = library::add_book(client, author_id, title, genre, isbn, published)
            .await
            .unwrap();
        books.push(Book {
            id,
            author_id,
            title: title.into(),
            genre,
            isbn: isbn.map(Into::into),
            published,
        });
    }
    library::add_review(client, books[0].id, 5, Some("exact"))
        .await
        .unwrap();
    library::add_review(client, books[0].id, 3, None).await.unwrap();
    Library {
        authors: [ada, basho, clara],
        books,
    }
}

#[tokio::test]
async fn table_rows_aggregate_into_the_tables_struct() {
    let client = quarry::Client::connect(&fresh_database_with(&[SCHEMA])).await.unwrap();
    let lib = library(&client).await;
    let rows = library::authors_with_books(&client).await.unwrap();
    let books: Vec<(i32, Vec<Book>)> = rows.into_iter().map(|r| (r.id, r.books)).collect();
    assert_eq!(
        books,
        vec![
            (lib.authors[0], lib.books[..2].to_vec()),
            (lib.authors[1], lib.books[2..].to_vec()),
            (lib.authors[2], vec![]),
        ]
    );
    // Without FILTER, an author with no books aggregates one NULL row: `Vec<Option<Book>>`.
    let rows = library::authors_with_books_or_null(&client).await.unwrap();
    assert_eq!(rows[2].books, vec![None]);
    assert_eq!(rows[1].books, vec![Some(lib.books[2].clone())]);
    // ARRAY(SELECT b …) is never NULL: empty for no books.
    let row = library::author_books_subquery(&client, lib.authors[2]).await.unwrap();
    assert_eq!((row.name.as_str(), row.books), ("Clara", vec![]));
    let row = library::author_books_subquery(&client, lib.authors[0]).await.unwrap();
    assert_eq!(row.books, lib.books[..2]);
}

#[tokio::test]
async fn json_shapes_decode_two_levels_deep() {
    let client = quarry::Client::connect(&fresh_database_with(&[SCHEMA])).await.unwrap();
    // The session's offset is written into timestamptz JSON; the instant must survive it.
    client.batch_execute("SET TIME ZONE 'Asia/Kolkata'").await.unwrap();
    let lib = library(&client).await;
    let rows = library::authors_with_books_json(&client).await.unwrap();
    assert_eq!(rows.len(), 3);
    let ada = &rows[0];
    assert_eq!((ada.id, ada.name.as_str(), ada.books.len()), (lib.authors[0], "Ada", 2));
    for (json, binary) in ada.books.iter().zip(&lib.books) {
        assert_eq!(
            (json.id, &json.title, json.genre, &json.isbn, json.published),
            (binary.id, &binary.title, binary.genre, &binary.isbn, binary.published)
        );
    }
    let reviews: Vec<(i16, Option<&str>)> = ada.books[0]
        .reviews
        .iter()
        .map(|r| (r.stars, r.body.as_deref()))
        .collect();
    assert_eq!(reviews, [(5, Some("exact")), (3, None)]);
    assert!(ada.books[1].reviews.is_empty(), "no reviews: an empty array");
    assert!(rows[2].books.is_empty(), "no books: COALESCE(…, '[]')");

    // Whole rows in JSON decode into the same struct as the binary path.
    let rows = library::book_rows_json(&client).await.unwrap();
    assert_eq!(rows[0].books.as_deref(), Some(&lib.books[..2]));
    assert_eq!(rows[2].books, None, "FILTER over no rows: NULL");

    let author = library::author_json(&client, lib.authors[0]).await.unwrap();
    assert_eq!(
        (author.id, author.name.as_str(), author.born),
        (lib.authors[0], "Ada", NaiveDate::from_ymd_opt(1815, 12, 10))
    );
    let author = library::author_json(&client, lib.authors[1]).await.unwrap();
    assert_eq!(author.born, None);
}

#[tokio::test]
async fn orders_lines_and_products_keep_exact_numbers() {
    let client = quarry::Client::connect(&fresh_database_with(&[SCHEMA])).await.unwrap();
    let price = Decimal::from_str("19.99").unwrap();
    let pen = shop::add_product(&client, "pen", price, Some(&[0, 159, 255][..]))
        .await
        .unwrap();
    let ink = shop::add_product(&client, "ink", Decimal::from_str("1234567890.01").unwrap(), None)
        .await
        .unwrap();
    let placed = instant(1_733_000_000_000_001);
    let full = shop::add_order(&client, placed, Some("gift")).await.unwrap();
    let empty = shop::add_order(&client, placed, None).await.unwrap();
    let discount = Decimal::from_str("0.10").unwrap();
    shop::add_line(&client, full, 1, pen, 3, Some(discount)).await.unwrap();
    shop::add_line(&client, full, 2, ink, 1, None).await.unwrap();

    let orders = shop::orders_with_lines(&client).await.unwrap();
    assert_eq!(orders.len(), 2);
    assert_eq!((orders[0].id, orders[0].placed_at), (full, placed));
    let lines = &orders[0].lines;
    assert_eq!(lines.len(), 2);
    assert_eq!((lines[0].line, lines[0].qty, lines[0].discount), (1, 3, Some(discount)));
    assert_eq!(lines[0].product.name.as_deref(), Some("pen"));
    assert_eq!(lines[0].product.price, Some(price));
    // 3 × 19.99 × 0.90, every digit PostgreSQL computed.
    assert_eq!(lines[0].total.map(|t| t.to_string()), Some("53.9730".into()));
    assert_eq!(lines[1].discount, None);
    assert_eq!(
        lines[1].total.map(|t| t.to_string()),
        Some("1234567890.01".into()),
        "beyond f64's exact digits"
    );
    assert_eq!(orders[1].id, empty);
    assert!(orders[1].lines.is_empty(), "an order with no lines");

    let binary = shop::order_lines_binary(&client).await.unwrap();
    let expected = OrderLine {
        order_id: full,
        line: 2,
        product_id: ink,
        qty: 1,
        discount: None,
    };
    assert_eq!(binary[0].lines[1], expected);
    assert!(binary[1].lines.is_empty());

    // bytea has no exact JSON form: the column stays JSON, still readable.
    let products = shop::products_with_photos_json(&client).await.unwrap();
    let products = products.expect("two products");
    assert_eq!(products[0]["photo"], "\\x009fff");
}
