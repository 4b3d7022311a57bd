//! Parameters are always bound, never spliced into the SQL text: hostile strings pass through
//! every text-like, byte, JSON, hstore and array parameter type, come back byte for byte, and
//! every table is intact afterwards. What PostgreSQL cannot store (NUL in text) is a typed
//! error, never a changed statement.

use quarry_tests::asynchronous::{all_types, tasks, users};
use quarry_tests::db::fresh_database;
use std::collections::HashMap;

const HOSTILE: &[&str] = &[
    "'; DROP TABLE scalars; --",
    "'); DELETE FROM users; --",
    "\\'; TRUNCATE tasks CASCADE; --",
    "$$; DROP TABLE arrays; $$",
    "$1",
    ":id",
    "' OR '1'='1",
    "\"; DROP TABLE \"users",
    "/* */ UNION SELECT usename FROM pg_user --",
    "E'\\x00'",
    "é\u{202e}ünï\u{feff}\u{1F600}",
    "",
];

async fn count(client: &quarry::Client, table: &str) -> i64 {
    client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

type Hstore = HashMap<String, Option<String>>;

/// Inserts a `scalars` row: `text` into every text-like column (text, citext, name), the
/// bytes, the JSON into json and jsonb, the hstore; everything else NULL.
async fn insert_texts(
    client: &quarry::Client,
    text: Option<&str>,
    bytes: Option<&[u8]>,
    json: Option<&quarry::serde_json::Value>,
    hstore: Option<&Hstore>,
) -> Result<i32, quarry::Error> {
    #[rustfmt::skip]
    let id = all_types::insert_scalars(
        client, None, None, None, None, None, None, None, None, None, None,
        text, None, None, text, text, None, bytes, None, json, json, None, None, None, hstore,
        None, None, None, None, None, None, None, None, None, None, None, None, None,
    )
    .await;
    id
}

#[tokio::test]
async fn hostile_strings_are_data_in_every_parameter_type() {
    let client = quarry::Client::connect(&fresh_database()).await.unwrap();
    for (i, &s) in HOSTILE.iter().enumerate() {
        let bytes: Vec<u8> = [s.as_bytes(), &[0, 0xff, 0xfe, b'\'']].concat();
        let json = quarry::serde_json::json!({ s: [s, {"k": s}] });
        let hstore = HashMap::from([(s.to_string(), Some(s.to_string())), (format!("k{i}"), None)]);
        // `name` keeps at most 63 bytes; every string here is shorter.
        assert!(s.len() <= 63);
        let id = insert_texts(&client, Some(s), Some(&bytes), Some(&json), Some(&hstore))
            .await
            .unwrap();
        let row = all_types::get_scalars(&client, id).await.unwrap();
        assert_eq!(row.t.as_deref(), Some(s));
        assert_eq!(row.ci.as_deref(), Some(s));
        assert_eq!(row.nm.as_deref(), Some(s));
        assert_eq!(row.by.as_deref(), Some(&bytes[..]));
        assert_eq!(row.j.as_ref(), Some(&json));
        assert_eq!(row.jb.as_ref(), Some(&json));
        assert_eq!(row.hs.as_ref(), Some(&hstore));

        let texts = [s, s, "plain"];
        let arrays = all_types::insert_arrays(&client, &[], &texts, &Vec::new(), &[], &[], &[], &[], &[], &[])
            .await
            .unwrap();
        assert_eq!(all_types::get_arrays(&client, arrays).await.unwrap().texts, texts);

        let user = users::create_user(&client, &format!("{i}{s}@example.com"), s, Some(s))
            .await
            .unwrap();
        assert_eq!((user.name.as_str(), user.bio.as_deref()), (s, Some(s)));
        let task = tasks::add_task(&client, s, s).await.unwrap();
        assert_eq!(tasks::find_task(&client, task).await.unwrap().unwrap().title, s);
        // Through the batch path too (pipelined, one statement, many parameter sets).
        let ids = tasks::add_tasks(
            &client,
            [tasks::AddTasksParams {
                title: s,
                description: s,
            }],
        )
        .await
        .unwrap();
        assert_eq!(ids.len(), 1);
    }
    let n = HOSTILE.len() as i64;
    assert_eq!(count(&client, "scalars").await, n);
    assert_eq!(count(&client, "arrays").await, n);
    assert_eq!(count(&client, "users").await, n);
    assert_eq!(count(&client, "tasks").await, 2 * n);
}

#[tokio::test]
async fn nul_in_text_is_a_typed_error_and_changes_nothing() {
    let client = quarry::Client::connect(&fresh_database()).await.unwrap();
    let error = tasks::add_task(&client, "a\0b'; DROP TABLE tasks; --", "")
        .await
        .unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some("22021"), "{error}");
    // Bytes may hold NUL and invalid UTF-8: they are data.
    let bytes = b"\0\xff\xfe'; DROP TABLE scalars; --".to_vec();
    let id = insert_texts(&client, None, Some(&bytes), None, None).await.unwrap();
    assert_eq!(all_types::get_scalars(&client, id).await.unwrap().by, Some(bytes));
    assert_eq!(count(&client, "tasks").await, 0);
}
