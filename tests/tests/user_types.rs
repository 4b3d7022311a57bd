//! User-defined types from the type catalogue (`queries/all_types.sql`): enums, composites
//! (nested, in arrays) and domains, on every kind of client, in both flavours.

use quarry::rust_decimal::Decimal;
use quarry_tests::asynchronous::all_types;
use quarry_tests::asynchronous::types::{billing, Address, Contact, Mood};
use quarry_tests::db::fresh_database;
use std::str::FromStr;

async fn client() -> quarry::Client {
    quarry::Client::connect(&fresh_database()).await.expect("connect")
}

fn contact() -> Contact {
    Contact {
        name: Some("Ada".into()),
        home: Some(Address {
            street: Some("1 Analytical Way".into()),
            zip: None,
            lines: Some(vec!["Floor 2".into(), String::new()]),
        }),
        prices: Some(vec![
            billing::Price {
                amount: Some(Decimal::new(1999, 2)),
                currency: Some(billing::Currency::Eur),
            },
            billing::Price {
                amount: None,
                currency: None,
            },
        ]),
        ranks: Some(vec![1, 2]),
    }
}

#[tokio::test]
async fn enums_composites_and_domains_round_trip() {
    let client = client().await;
    let empty = Contact {
        name: None,
        home: None,
        prices: None,
        ranks: None,
    };
    let contacts = [contact(), empty];
    let id = all_types::insert_user_types(
        &client,
        Mood::SoSo,
        Some(billing::Currency::Usd),
        7,
        Some("Ada@Example.org"),
        Some(&contact()),
        &contacts,
    )
    .await
    .unwrap();
    let row = all_types::get_user_types(&client, id).await.unwrap();
    assert_eq!(row.feeling, Mood::SoSo);
    assert_eq!(row.currency, Some(billing::Currency::Usd));
    assert_eq!(row.rank, 7);
    assert_eq!(row.mail.as_deref(), Some("Ada@Example.org"));
    assert_eq!(row.contact, Some(contact()));
    assert_eq!(row.contacts, contacts);

    let none = all_types::insert_user_types(&client, Mood::V1stPlace, None, 1, None, None, &[])
        .await
        .unwrap();
    let found = all_types::users_feeling(&client, &[Mood::SoSo, Mood::V1stPlace])
        .await
        .unwrap();
    let found: Vec<_> = found.iter().map(|r| (r.id, r.feeling)).collect();
    assert_eq!(found, [(id, Mood::SoSo), (none, Mood::V1stPlace)]);

    // Domains are checked by the server.
    let error = all_types::insert_user_types(&client, Mood::Sad, None, 0, None, None, &[])
        .await
        .unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some("23514"), "{error}");
    let error = all_types::insert_user_types(&client, Mood::Sad, None, 1, Some("no-at-sign"), None, &[])
        .await
        .unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some("23514"), "{error}");
}

#[test]
fn enums_keep_their_labels() {
    assert_eq!(Mood::V1stPlace.as_str(), "1st place");
    assert_eq!(Mood::SoSo.to_string(), "so-so");
    assert_eq!(Mood::from_str("sad"), Ok(Mood::Sad));
    assert_eq!(
        Mood::from_str("Sad").unwrap_err().to_string(),
        "`Sad` is not a label of enum `public.mood`"
    );
    assert_eq!(Mood::ALL.len(), 4);
    assert!(
        Mood::Happy < Mood::V1stPlace,
        "Ord follows the declaration order, as in PostgreSQL"
    );
    assert_eq!(billing::Currency::from_str("EUR"), Ok(billing::Currency::Eur));
}

#[tokio::test]
async fn user_types_work_on_plain_tokio_postgres_clients() {
    // Unprepared mode must describe queries with user-defined parameter types first.
    let client = client().await;
    let raw: &quarry::tokio_postgres::Client = &client;
    let id = all_types::insert_user_types(raw, Mood::Sad, None, 3, None, Some(&contact()), &[contact()])
        .await
        .unwrap();
    let row = all_types::get_user_types(raw, id).await.unwrap();
    assert_eq!((row.feeling, row.contact), (Mood::Sad, Some(contact())));
}
