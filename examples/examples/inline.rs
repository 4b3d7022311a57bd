//! Inline queries: SQL next to the code that uses it, typed at compile time.
//!
//! `cargo run -p quarry-examples --example inline` — starts a throwaway PostgreSQL (or uses
//! `DATABASE_URL`, which must hold `queries/migrations`). After editing a query here, run
//! `cargo quarry regenerate` in `examples/` to re-check it against the schema (docs/inline.md).

use quarry_examples::ExampleDb;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = ExampleDb::open().await?;
    let client = quarry::Client::connect(&db.url).await?;

    // `{expr}` binds a parameter — never spliced into the SQL text.
    let email = "ada@example.com";
    let ada = quarry::query!(
        &client,
        "INSERT INTO users (email, name) VALUES ({email}, {\"Ada Lovelace\"}) RETURNING id, email, created_at"
    )
    .one()
    .await?;
    println!("created user {} <{}> at {}", ada.id, ada.email, ada.created_at);

    // `{expr?}` binds an Option: `None` is NULL.
    let bio: Option<&str> = None;
    let updated = quarry::query!(&client, "UPDATE users SET bio = {bio?} WHERE id = {ada.id}")
        .exec()
        .await?;
    println!("updated {updated} row(s)");

    for title in ["Write the inline docs", "Measure compile time"] {
        quarry::query!(
            &client,
            "INSERT INTO tasks (title, owner_id) VALUES ({title}, {ada.id})"
        )
        .exec()
        .await?;
    }

    // Nullability is inferred as for .sql files: `bio` is Option<String>, `open` is i64.
    let summary = quarry::query!(
        &client,
        "SELECT u.name, u.bio, count(t.id) AS open
         FROM users u LEFT JOIN tasks t ON t.owner_id = u.id AND t.status = 'pending'
         WHERE u.id = {ada.id}
         GROUP BY u.id"
    )
    .one()
    .await?;
    println!(
        "{} (bio: {:?}) has {} open task(s)",
        summary.name, summary.bio, summary.open
    );

    // One column: the bare type. `.opt()` for zero or one row.
    let missing: Option<String> = quarry::query!(&client, "SELECT email FROM users WHERE id = {-1}")
        .opt()
        .await?;
    println!("user -1: {missing:?}");

    let titles: Vec<String> = quarry::query!(&client, "SELECT title FROM tasks WHERE owner_id = {ada.id} ORDER BY id")
        .all()
        .await?;
    println!("tasks: {titles:?}");
    Ok(())
}
