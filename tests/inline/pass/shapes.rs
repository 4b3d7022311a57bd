//! Several shapes of inline query, run against the test database.

#[tokio::main]
async fn main() {
    let url = std::env::var("QUARRY_TEST_DATABASE_URL").expect("set by tests/inline.rs");
    let mut client = quarry::Client::connect(&url).await.unwrap();

    // Several columns: a struct with the inferred nullability.
    let email = String::from("grace@example.com");
    let grace = quarry::query!(&client, "INSERT INTO users (email, name) VALUES ({email}, {\"Grace\"}) RETURNING id, name, bio")
        .one()
        .await
        .unwrap();
    let (id, name, bio): (i32, String, Option<String>) = (grace.id, grace.name, grace.bio);
    assert_eq!((name.as_str(), bio), ("Grace", None));

    // `{expr?}` binds an Option; an expression, not only a variable.
    let bio: Option<&str> = Some("compilers");
    let n = quarry::query!(&client, "UPDATE users SET bio = {bio?} WHERE id = {id + 0}").exec().await.unwrap();
    assert_eq!(n, 1);

    // One column: the bare type; `.opt()`.
    let found: Option<Option<String>> = quarry::query!(&client, "SELECT bio FROM users WHERE id = {id}").opt().await.unwrap();
    assert_eq!(found, Some(Some("compilers".to_string())));
    let none: Option<i32> = quarry::query!(&client, "SELECT id FROM users WHERE email = {\"nobody\"}").opt().await.unwrap();
    assert_eq!(none, None);

    // `.all()`, a text-array parameter, a string literal holding braces (not a parameter).
    let names = ["Grace", "Ada"];
    let all: Vec<String> = quarry::query!(&client, "SELECT name FROM users WHERE name = ANY({&names[..]}) AND '{a}' <> '' ORDER BY id")
        .all()
        .await
        .unwrap();
    assert_eq!(all, ["Grace"]);

    // `.stream()`: rows decoded as they arrive.
    use futures_util::TryStreamExt as _;
    let limit = 3i64;
    let stream = quarry::query!(&client, "SELECT n FROM generate_series(1, 10) AS n ORDER BY n LIMIT {limit}")
        .stream()
        .await
        .unwrap();
    // `generate_series(…) AS n` names its column `n`, never NULL.
    let ns: Vec<i32> = stream.try_collect().await.unwrap();
    assert_eq!(ns, [1, 2, 3]);

    // Inside a transaction, and inside another macro's arguments.
    let tx = client.transaction().await.unwrap();
    assert_eq!(quarry::query!(&tx, "SELECT count(*) FROM users").one().await.unwrap(), 1);
    tx.rollback().await.unwrap();

    // Columns named like Rust keywords become raw identifiers.
    let kw = quarry::query!(&client, "SELECT 1 AS type, 'x' AS match").one().await.unwrap();
    assert_eq!((kw.r#type, kw.r#match.as_str()), (1, "x"));

    // Blocking code: the same inline query, on a blocking client's runtime (off this one).
    std::thread::spawn(move || {
        let blocking = quarry::sync::Client::connect(&url).unwrap();
        let found: Option<Option<String>> = blocking
            .block_on(quarry::query!(blocking.as_async(), "SELECT bio FROM users WHERE id = {id}").opt())
            .unwrap();
        assert_eq!(found, Some(Some("compilers".to_string())));
    })
    .join()
    .unwrap();
}
