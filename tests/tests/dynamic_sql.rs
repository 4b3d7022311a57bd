//! `quarry::sql::{Identifier, Literal}`: hostile names and values cannot inject SQL.

use quarry::sql::{Identifier, Literal};
use quarry_tests::db::fresh_database;

const HOSTILE: [&str; 7] = [
    "plain",
    "MiXeD Case",
    "quote\"inside",
    "semi; DROP TABLE tasks; --",
    "it's",
    "back\\slash\\' OR '1'='1",
    "ünïcødé ✓ 表",
];

#[tokio::test]
async fn hostile_identifiers_and_literals_round_trip_and_inject_nothing() {
    let client = quarry::Client::connect(&fresh_database()).await.unwrap();
    for (i, name) in HOSTILE.iter().enumerate() {
        let table = Identifier::new(["public", name]).unwrap();
        let column = Identifier::name(name).unwrap();
        let value = Literal::new(name).unwrap();
        client
            .batch_execute(&format!(
                "CREATE TABLE {table} ({column} text); INSERT INTO {table} ({column}) VALUES ({value})"
            ))
            .await
            .unwrap();
        let stored: String = client
            .query_one(&format!("SELECT {column} FROM {table}"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(&stored, name, "case {i}");
        let listed: i64 = client
            .query_one("SELECT count(*) FROM pg_class WHERE relname = $1", &[name])
            .await
            .unwrap()
            .get(0);
        assert_eq!(listed, 1, "the table has exactly the hostile name");
        // A custom setting keeps any text (application_name would mask non-ASCII).
        client
            .batch_execute(&format!("SET quarry.test = {value}"))
            .await
            .unwrap();
        let set: String = client.query_one("SHOW quarry.test", &[]).await.unwrap().get(0);
        assert_eq!(&set, name);
    }
    let tasks: i64 = client
        .query_one("SELECT count(*) FROM pg_class WHERE relname = 'tasks'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tasks, 1, "nothing was dropped");
}

#[test]
fn nul_and_empty_names_are_refused() {
    assert!(Identifier::name("").is_err());
    assert!(Identifier::new(Vec::<String>::new()).is_err());
    assert!(Identifier::name("a\0b").is_err());
    assert!(Literal::new("a\0b").is_err());
    assert_eq!(Literal::new(r"a\b").unwrap().to_string(), r"E'a\\b'");
}
