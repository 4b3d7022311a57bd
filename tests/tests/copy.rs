//! `:copyfrom`: typed binary COPY of many rows, with NULLs, common types and user-defined types.

use quarry::chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use quarry::rust_decimal::Decimal;
use quarry::serde_json::json;
use quarry::types::{Interval, MacAddr, Money};
use quarry::uuid::Uuid;
use quarry_tests::asynchronous::all_types::{self, CopyScalarsParams, CopyUserTypesParams};
use quarry_tests::asynchronous::types::{billing, Contact, Mood};
use quarry_tests::db::fresh_database;

const ROWS: i64 = 100_000;

/// `value`, or NULL for the rows that test NULLs.
fn keep<T>(null: bool, value: T) -> Option<T> {
    (!null).then_some(value)
}

async fn client() -> quarry::Client {
    quarry::Client::connect(&fresh_database()).await.expect("connect")
}

#[tokio::test]
async fn copy_loads_100k_rows_with_nulls_and_common_types() {
    let client = client().await;
    let texts: Vec<String> = (0..ROWS).map(|i| format!("row {i}")).collect();
    let json = json!({"k": [1, 2, 3]});
    let bits = quarry::bit_vec::BitVec::from_elem(4, true);
    let stamp = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
    let rows = (0..ROWS).map(|i| {
        let null = i % 7 == 0; // every 7th row is all NULLs
        CopyScalarsParams {
            b: keep(null, i % 2 == 0),
            i2: keep(null, (i % 100) as i16),
            i4: keep(null, i as i32),
            i8: keep(null, i),
            f4: keep(null, i as f32 / 2.0),
            f8: keep(null, i as f64 / 3.0),
            num: keep(null, Decimal::new(i, 2)),
            cash: keep(null, Money(i)),
            t: (!null).then_some(texts[i as usize].as_str()),
            vc: (!null).then_some("v"),
            by: (!null).then_some(&b"bytes"[..]),
            u: keep(null, Uuid::from_u128(i as u128)),
            jb: (!null).then_some(&json),
            ts: keep(null, stamp.naive_utc()),
            tstz: keep(null, stamp),
            d: keep(null, NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
            tm: keep(null, NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
            iv: keep(null, Interval::new(1, 2, 3)),
            ip: keep(null, "10.0.0.1/32".parse().unwrap()),
            mac: keep(null, MacAddr([1, 2, 3, 4, 5, 6])),
            bits: (!null).then_some(&bits),
        }
    });
    let loaded = all_types::copy_scalars(&client, rows).await.unwrap();
    assert_eq!(loaded, ROWS as u64);

    let counts = all_types::count_scalars(&client).await.unwrap();
    let non_null = ROWS - (ROWS + 6) / 7;
    assert_eq!((counts.rows, counts.texts), (ROWS, non_null));
    let expected_sum: i64 = (0..ROWS).filter(|i| i % 7 != 0).sum();
    assert_eq!(counts.total, Some(Decimal::from(expected_sum)));

    // Row 2 (i = 1) read back through the generated reader.
    let row = all_types::get_scalars(&client, 2).await.unwrap();
    assert_eq!(
        (row.i8, row.t.as_deref(), row.num),
        (Some(1), Some("row 1"), Some(Decimal::new(1, 2)))
    );
    assert_eq!(
        (row.jb, row.mac, row.tstz),
        (Some(json), Some(MacAddr([1, 2, 3, 4, 5, 6])), Some(stamp))
    );
    let nulls = all_types::get_scalars(&client, 1).await.unwrap();
    assert_eq!((nulls.b, nulls.t, nulls.bits), (None, None, None));
}

#[tokio::test]
async fn copy_handles_enums_composites_and_domains_and_is_all_or_nothing() {
    let client = client().await;
    let contact = Contact {
        name: Some("Ada".into()),
        home: None,
        prices: Some(vec![billing::Price {
            amount: Some(Decimal::ONE),
            currency: Some(billing::Currency::Eur),
        }]),
        ranks: Some(vec![1]),
    };
    let contacts = [contact.clone()];
    let rows = (0..1000).map(|i| CopyUserTypesParams {
        feeling: if i % 2 == 0 { Mood::Happy } else { Mood::Sad },
        currency: Some(billing::Currency::Usd),
        rank: i + 1,
        mail: Some("a@b.c"),
        contact: Some(&contact),
        contacts: &contacts,
    });
    assert_eq!(all_types::copy_user_types(&client, rows).await.unwrap(), 1000);
    let row = all_types::get_user_types(&client, 1000).await.unwrap();
    assert_eq!(
        (row.feeling, row.rank, row.contact),
        (Mood::Sad, 1000, Some(contact.clone()))
    );

    // One row breaking the domain's CHECK aborts the whole COPY.
    let bad = (0..10).map(|i| CopyUserTypesParams {
        feeling: Mood::Happy,
        currency: None,
        rank: if i == 5 { 0 } else { 1 },
        mail: None,
        contact: None,
        contacts: &[],
    });
    let error = all_types::copy_user_types(&client, bad).await.unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some("23514"), "{error}");
    let count: i64 = client
        .query_one("SELECT count(*) FROM user_types", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1000);
}
