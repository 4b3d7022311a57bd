//! An sqlc project read as it is (`tests/sqlc/`: `sqlc.yaml`, golang-migrate and goose
//! migrations, 29 queries using every sqlc construct quarry reads), every query run against a
//! real server through the generated functions.

use quarry::chrono::NaiveDate;
use quarry_tests::library::{authors, books, models, types::Genre};
use std::path::Path;

/// The schema as the migrations' "up" parts, in the order sqlc.yaml lists the folders.
fn schema() -> String {
    let mut sql = String::new();
    for folder in ["sqlc/migrations", "sqlc/search"] {
        for file in quarry_codegen::migrations::schema_files(Path::new(folder)).unwrap() {
            sql.push_str(&quarry_codegen::migrations::up_part(
                &std::fs::read_to_string(file).unwrap(),
            ));
            sql.push('\n');
        }
    }
    sql
}

async fn client() -> quarry::Client {
    let url = quarry_tests::db::fresh_database_with(&[&schema()]);
    quarry::Client::connect(&url).await.expect("connect")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn authors_queries_run_through_the_generated_functions() {
    let c = client().await;
    // `INSERT … VALUES ($1, $2, $3) RETURNING *`: names from the column list, `bio` and `born`
    // nullable because their columns are; the row is the shared `models::Author`.
    let ursula: models::Author =
        authors::create_author(&c, "Ursula K. Le Guin", Some("Earthsea"), Some(date(1929, 10, 21)))
            .await
            .unwrap();
    assert_eq!(
        (ursula.name.as_str(), ursula.bio.as_deref()),
        ("Ursula K. Le Guin", Some("Earthsea"))
    );
    let octavia = authors::create_author(&c, "Octavia Butler", None, None).await.unwrap();
    assert_eq!(octavia.bio, None);

    // `WHERE id = $1` → `id`; `:one` is sqlc's: no row is an error.
    assert_eq!(authors::get_author(&c, ursula.id).await.unwrap(), ursula);
    let missing = authors::get_author(&c, -1).await.unwrap_err();
    assert_eq!(missing.kind(), quarry::ErrorKind::RowCount, "{missing}");

    let names: Vec<String> = authors::list_authors(&c)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["Octavia Butler", "Ursula K. Le Guin"]);

    // `UPDATE … SET bio = $2 WHERE id = $1`: `bio` nullable (its column is).
    assert_eq!(
        authors::update_author_bio(&c, octavia.id, Some("Kindred"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        authors::get_author(&c, octavia.id).await.unwrap().bio.as_deref(),
        Some("Kindred")
    );
    authors::update_author_bio(&c, octavia.id, None).await.unwrap();
    assert_eq!(authors::get_author(&c, octavia.id).await.unwrap().bio, None);

    // `sqlc.narg` (nullable, so `coalesce` keeps the old value) and `sqlc.arg`.
    let renamed = authors::update_author(&c, Some("Octavia E. Butler"), None, octavia.id)
        .await
        .unwrap();
    assert_eq!((renamed.name.as_str(), renamed.bio), ("Octavia E. Butler", None));

    // `@pattern` and `LIMIT sqlc.arg(max_rows)`.
    let found = authors::search_authors(&c, "%butler%", 10).await.unwrap();
    assert_eq!(found.iter().map(|a| a.id).collect::<Vec<_>>(), [octavia.id]);
    assert_eq!(authors::search_authors(&c, "%", 1).await.unwrap().len(), 1);

    // `IN (sqlc.slice(ids))` → `= ANY($1)` with a slice.
    let both = authors::authors_by_ids(&c, &[ursula.id, octavia.id, 999])
        .await
        .unwrap();
    assert_eq!(both.len(), 2);
    assert!(authors::authors_by_ids(&c, &[]).await.unwrap().is_empty());

    // `LIMIT $1 OFFSET $2` → `limit`, `offset`.
    let page = authors::page_authors(&c, 1, 1).await.unwrap();
    assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), [octavia.id]);

    assert_eq!(authors::count_authors(&c).await.unwrap(), 2);

    // `:execresult` (rows affected): only Ursula was born before 1940.
    assert_eq!(authors::forget_birthdays(&c, date(1940, 1, 1)).await.unwrap(), 1);
    assert_eq!(authors::get_author(&c, ursula.id).await.unwrap().born, None);

    // `:copyfrom`.
    let loaded = authors::copy_authors(
        &c,
        (0..50).map(|i| authors::CopyAuthorsParams {
            name: if i % 2 == 0 { "Anon" } else { "Pseudonym" },
            bio: (i % 3 == 0).then_some("copied"),
        }),
    )
    .await
    .unwrap();
    assert_eq!(loaded, 50);
    assert_eq!(authors::count_authors(&c).await.unwrap(), 52);

    // A function created between goose's StatementBegin/End; `$1` as its argument → `p1`.
    assert_eq!(authors::author_book_count(&c, ursula.id).await.unwrap(), Some(0));

    // The view: every author, with nothing written.
    let stats = authors::author_stats(&c).await.unwrap();
    assert_eq!(stats.len(), 52);
    assert!(stats.iter().all(|s| s.books == Some(0) && s.latest_year.is_none()));

    // `:execrows`.
    assert_eq!(authors::delete_author(&c, octavia.id).await.unwrap(), 1);
    assert_eq!(authors::delete_author(&c, octavia.id).await.unwrap(), 0);
}

#[tokio::test]
async fn books_queries_run_through_the_generated_functions() {
    let c = client().await;
    let ursula = authors::create_author(&c, "Ursula K. Le Guin", None, None)
        .await
        .unwrap();
    let ted = authors::create_author(&c, "Ted Chiang", None, None).await.unwrap();
    let lonely = authors::create_author(&c, "Nobody Yet", None, None).await.unwrap();

    let earthsea: models::Book = books::create_book(
        &c,
        ursula.id,
        "A Wizard of Earthsea",
        Some("A young wizard on the islands of Earthsea"),
        Some("978-0553383041"),
        Genre::Fiction,
        &["fantasy", "classic"],
        Some(1968),
    )
    .await
    .unwrap();
    let stories = books::create_book(
        &c,
        ted.id,
        "Stories of Your Life and Others",
        None,
        None,
        Genre::Fiction,
        &["science fiction"],
        None,
    )
    .await
    .unwrap();
    let poems = books::create_book(
        &c,
        ursula.id,
        "Late in the Day",
        None,
        None,
        Genre::Poetry,
        &[] as &[&str],
        Some(2016),
    )
    .await
    .unwrap();
    assert_eq!(
        (earthsea.genre, earthsea.tags.len(), earthsea.available),
        (Genre::Fiction, 2, true)
    );

    // `@isbn`; `SELECT *` is the shared model even where the query proves `isbn` non-null.
    let by_isbn = books::get_book_by_isbn(&c, "978-0553383041").await.unwrap();
    assert_eq!(by_isbn, earthsea);

    // An enum parameter.
    let fiction = books::books_by_genre(&c, Genre::Fiction).await.unwrap();
    assert_eq!(
        fiction.iter().map(|b| b.id).collect::<Vec<_>>(),
        [earthsea.id, stories.id]
    );

    // Arrays: `@tag::text = ANY (tags)` and `array_append`.
    books::add_tag(&c, "award", stories.id).await.unwrap();
    let tagged = books::books_with_tag(&c, "award").await.unwrap();
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0].tags, ["science fiction", "award"]);

    // Full-text search over the goose migration's GIN expression index.
    let hits = books::search_books(&c, "wizard islands").await.unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [earthsea.id]);
    assert!(hits[0].rank > 0.0, "ts_rank of non-null text is non-null");
    assert!(books::search_books(&c, "spaceship").await.unwrap().is_empty());

    // `sqlc.embed` of two inner-joined tables: nested models.
    let pair = books::book_with_author(&c, poems.id).await.unwrap();
    assert_eq!(
        (pair.book.title.as_str(), pair.author.name.as_str()),
        ("Late in the Day", "Ursula K. Le Guin")
    );
    assert_eq!(pair.author, ursula);

    // Outer-joined embed (aliases `a` and `b`): `Option<Book>`, `None` for the author without books.
    let rows = books::authors_with_books(&c).await.unwrap();
    let summary: Vec<(i64, Option<i64>)> = rows
        .iter()
        .map(|r| (r.author.id, r.book.as_ref().map(|b| b.id)))
        .collect();
    assert_eq!(
        summary,
        [
            (ursula.id, Some(earthsea.id)),
            (ursula.id, Some(poems.id)),
            (ted.id, Some(stories.id)),
            (lonely.id, None),
        ]
    );

    // `NOT IN (sqlc.slice(excluded))` → `<> ALL($1)`.
    let others = books::books_except(&c, &[earthsea.id]).await.unwrap();
    assert_eq!(others, [stories.id, poems.id]);

    let genres = books::genre_counts(&c).await.unwrap();
    let genres: Vec<(Genre, i64)> = genres.into_iter().map(|g| (g.genre, g.books)).collect();
    assert_eq!(genres, [(Genre::Fiction, 2), (Genre::Poetry, 1)]);

    // `LIMIT sqlc.arg(page_size) OFFSET sqlc.arg(page_offset)`.
    let page = books::list_books_paged(&c, 2, 1).await.unwrap();
    assert_eq!(page.iter().map(|b| b.id).collect::<Vec<_>>(), [stories.id, poems.id]);

    // `:copyfrom` with an enum and an array.
    let copied = books::copy_books(
        &c,
        (0..20).map(|i| books::CopyBooksParams {
            author_id: lonely.id,
            title: if i % 2 == 0 { "Draft" } else { "Notes" },
            genre: Genre::Nonfiction,
            tags: &["draft"],
        }),
    )
    .await
    .unwrap();
    assert_eq!(copied, 20);
    assert_eq!(authors::author_book_count(&c, lonely.id).await.unwrap(), Some(20));

    // `:batchmany`, `:batchone`, `:batchexec`: pipelined, one result per parameter set.
    let per_author = books::books_of_author(
        &c,
        [ursula.id, ted.id, lonely.id].map(|author_id| books::BooksOfAuthorParams { author_id }),
    )
    .await
    .unwrap();
    assert_eq!(per_author.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1, 20]);
    let flipped = books::set_available(
        &c,
        [earthsea.id, poems.id].map(|id| books::SetAvailableParams { id, available: false }),
    )
    .await
    .unwrap();
    assert!(flipped.iter().all(|r| !r.available));
    let deleted = books::delete_books_of_author(
        &c,
        [lonely.id, ted.id, 999].map(|author_id| books::DeleteBooksOfAuthorParams { author_id }),
    )
    .await
    .unwrap();
    assert_eq!(deleted, [20, 1, 0]);

    // The view sees the books that are left.
    let stats = authors::author_stats(&c).await.unwrap();
    let ursula_stats = stats.iter().find(|s| s.id == Some(ursula.id)).unwrap();
    assert_eq!((ursula_stats.books, ursula_stats.latest_year), (Some(2), Some(2016)));
}
