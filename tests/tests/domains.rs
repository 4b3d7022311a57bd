//! Domain newtypes (`domain_newtypes`): parameters, columns read from a domain column (which the
//! server reports as the base type), arrays of a domain, NULLs; the server still checks the
//! domain; an expression over a domain value is the base type.

use quarry::ErrorKind;
use quarry_tests::db::fresh_database_with;
use quarry_tests::domains::types::{Email, PositiveInt};
use quarry_tests::domains::{users, SCHEMA};

#[tokio::test]
async fn domains_are_newtypes_in_and_out() {
    let client = quarry::Client::connect(&fresh_database_with(&[SCHEMA])).await.unwrap();
    let mail = Email("Ada@Example.com".to_string());
    let scores = [PositiveInt(1), PositiveInt(i32::MAX)];
    let id = users::add_user(&client, &mail, None, &PositiveInt(7), &scores)
        .await
        .unwrap();
    let row = users::get_user(&client, id).await.unwrap();
    assert_eq!(row.mail, mail);
    assert_eq!(row.backup, None);
    assert_eq!(row.score, PositiveInt(7));
    assert_eq!(row.scores, scores);
    // `lower(mail)` is an expression: its base type, text.
    let plain: String = row.plain;
    assert_eq!(plain, "ada@example.com");
    // Deref reaches the base value; citext compares case-insensitively on the server.
    assert_eq!(row.mail.len(), 15);
    let found = users::by_mail(&client, &Email::from("ADA@example.COM".to_string()))
        .await
        .unwrap();
    assert_eq!(found, Some(id));
    let backup = Email("b@x.y".into());
    let id = users::add_user(&client, &mail, Some(&backup), &PositiveInt(1), &[])
        .await
        .unwrap();
    assert_eq!(users::get_user(&client, id).await.unwrap().backup, Some(backup));
}

#[tokio::test]
async fn the_server_still_checks_the_domain() {
    let client = quarry::Client::connect(&fresh_database_with(&[SCHEMA])).await.unwrap();
    let error = users::add_user(&client, &Email("no at sign".into()), None, &PositiveInt(1), &[])
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::CheckViolation, "{error}");
    let error = users::add_user(&client, &Email("a@b.c".into()), None, &PositiveInt(0), &[])
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::CheckViolation, "{error}");
}
