//! The type catalogue (`queries/all_types.sql`): every mapped type is written through one
//! generated function and read back through another, with extremes and NULLs, on a real server.
//!
//! Over 600 lines on purpose: the `low`/`high`/`nulls` rows below are the catalogue's values,
//! shared by every test here; split, each file would need them again.

use quarry::bit_vec::BitVec;
use quarry::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use quarry::rust_decimal::Decimal;
use quarry::serde_json::json;
use quarry::types::{
    Array, Bound, Date, Interval, MacAddr, MacAddr8, Money, Multirange, PgLsn, Range, TimeTz, Timestamp, TsQuery,
    TsQueryItem, TsVector, TsVectorLexeme, Xml,
};
use quarry::uuid::Uuid;
use quarry::ErrorKind;
use quarry_tests::asynchronous::all_types::{self, GetRangesRow, GetScalarsRow};
use quarry_tests::asynchronous::types::Mood;
use quarry_tests::db::fresh_database;
use std::collections::HashMap;

async fn client() -> quarry::Client {
    quarry::Client::connect(&fresh_database()).await.expect("connect")
}

fn datetime(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

/// PostgreSQL's earliest timestamp (4713 BC) and the latest chrono can hold (PostgreSQL's
/// own limit, 294276 AD, is beyond chrono's).
fn earliest() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(-4712, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

fn latest() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(262_142, 12, 31)
        .unwrap()
        .and_hms_micro_opt(23, 59, 59, 999_999)
        .unwrap()
}

fn lexeme(word: &str, positions: &[(u16, char)]) -> TsVectorLexeme {
    TsVectorLexeme {
        word: word.into(),
        positions: positions.to_vec(),
    }
}

fn word(word: &str) -> TsQueryItem {
    TsQueryItem::Lexeme {
        word: word.into(),
        weights: 0,
        prefix: false,
    }
}

fn low() -> GetScalarsRow {
    GetScalarsRow {
        b: Some(false),
        ch: Some(i8::MIN),
        i2: Some(i16::MIN),
        i4: Some(i32::MIN),
        i8: Some(i64::MIN),
        o: Some(0),
        f4: Some(f32::MIN_POSITIVE),
        f8: Some(f64::NEG_INFINITY),
        num: Some(Decimal::MIN),
        cash: Some(Money(i64::MIN)),
        t: Some(String::new()),
        vc: Some(String::new()),
        bc: Some("ab   ".into()),
        nm: Some("n".into()),
        ci: Some("MiXeD".into()),
        lt: Some("top".into()),
        by: Some(Vec::new()),
        u: Some(Uuid::nil()),
        j: Some(json!(null)),
        jb: Some(json!([])),
        x: Some(Xml("<a/>".into())),
        tsv: Some(TsVector::default()),
        tsq: Some(TsQuery(vec![word("cat")])),
        hs: Some(HashMap::new()),
        ts: Some(earliest()),
        tstz: Some(DateTime::<Utc>::from_naive_utc_and_offset(earliest(), Utc)),
        d: NaiveDate::from_ymd_opt(-4712, 1, 1),
        tm: Some(NaiveTime::MIN),
        tmtz: Some(TimeTz {
            time: NaiveTime::MIN,
            utc_offset_seconds: -(15 * 3600 + 59 * 60),
        }),
        iv: Some(Interval::new(-1200, -30, -86_399_999_999)),
        ip: Some("0.0.0.0/0".parse().unwrap()),
        net: Some("0.0.0.0/0".parse().unwrap()),
        mac: Some(MacAddr([0; 6])),
        mac8: Some(MacAddr8([0; 8])),
        bits: Some(BitVec::from_elem(4, false)),
        vbits: Some(BitVec::new()),
        lsn: Some(PgLsn::from(0)),
    }
}

fn high() -> GetScalarsRow {
    GetScalarsRow {
        b: Some(true),
        ch: Some(i8::MAX),
        i2: Some(i16::MAX),
        i4: Some(i32::MAX),
        i8: Some(i64::MAX),
        o: Some(u32::MAX),
        f4: Some(f32::INFINITY),
        f8: Some(f64::MAX),
        num: Some(Decimal::MAX),
        cash: Some(Money(i64::MAX)),
        t: Some("ünïcödé ✓ 'quoted' \\ \"double\"\n\ttab".into()),
        vc: Some("x".repeat(20)),
        bc: Some("abcde".into()),
        nm: Some("n".repeat(63)),
        ci: Some("Ünïcode".into()),
        lt: Some("top.science.astronomy".into()),
        by: Some(vec![0, 255, 0, 10]),
        u: Some(Uuid::max()),
        j: Some(json!({"b": [1, 2.5, null, "x"], "a": {"nested": true}})),
        jb: Some(json!({"key": "value", "list": [1, 2, 3]})),
        x: Some(Xml("<doc><p lang=\"en\">text &amp; more</p></doc>".into())),
        tsv: Some(TsVector(vec![
            lexeme("cat", &[(1, 'A'), (5, 'D')]),
            lexeme("dog", &[]),
            lexeme("fat", &[(2, 'B'), (16383, 'C')]),
        ])),
        tsq: Some(TsQuery(vec![
            TsQueryItem::Or,
            TsQueryItem::Not,
            TsQueryItem::Lexeme {
                word: "rat".into(),
                weights: 8 | 4,
                prefix: true,
            },
            TsQueryItem::Phrase(2),
            word("dog"),
            word("cat"),
        ])),
        hs: Some(HashMap::from([("a".into(), Some("1".into())), ("b".into(), None)])),
        ts: Some(latest()),
        tstz: Some(DateTime::<Utc>::from_naive_utc_and_offset(latest(), Utc)),
        d: NaiveDate::from_ymd_opt(262_142, 12, 31),
        tm: NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999),
        tmtz: Some(TimeTz {
            time: NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap(),
            utc_offset_seconds: 15 * 3600 + 59 * 60,
        }),
        iv: Some(Interval::new(i32::MAX, i32::MAX, i64::MAX - 1)),
        ip: Some("2001:db8::1/64".parse().unwrap()),
        net: Some("2001:db8::/32".parse().unwrap()),
        mac: Some(MacAddr([0x08, 0x00, 0x2b, 0x01, 0x02, 0xff])),
        mac8: Some(MacAddr8([0x08, 0x00, 0x2b, 0x01, 0x02, 0x03, 0x04, 0xff])),
        bits: Some(BitVec::from_fn(4, |i| i % 2 == 0)),
        vbits: Some(BitVec::from_fn(13, |i| i % 3 == 0)),
        lsn: Some(PgLsn::from(u64::MAX)),
    }
}

fn nulls() -> GetScalarsRow {
    GetScalarsRow {
        b: None,
        ch: None,
        i2: None,
        i4: None,
        i8: None,
        o: None,
        f4: None,
        f8: None,
        num: None,
        cash: None,
        t: None,
        vc: None,
        bc: None,
        nm: None,
        ci: None,
        lt: None,
        by: None,
        u: None,
        j: None,
        jb: None,
        x: None,
        tsv: None,
        tsq: None,
        hs: None,
        ts: None,
        tstz: None,
        d: None,
        tm: None,
        tmtz: None,
        iv: None,
        ip: None,
        net: None,
        mac: None,
        mac8: None,
        bits: None,
        vbits: None,
        lsn: None,
    }
}

async fn insert(client: &quarry::Client, r: &GetScalarsRow) -> i32 {
    all_types::insert_scalars(
        client,
        r.b,
        r.ch,
        r.i2,
        r.i4,
        r.i8,
        r.o,
        r.f4,
        r.f8,
        r.num,
        r.cash,
        r.t.as_deref(),
        r.vc.as_deref(),
        r.bc.as_deref(),
        r.nm.as_deref(),
        r.ci.as_deref(),
        r.lt.as_deref(),
        r.by.as_deref(),
        r.u,
        r.j.as_ref(),
        r.jb.as_ref(),
        r.x.as_ref(),
        r.tsv.as_ref(),
        r.tsq.as_ref(),
        r.hs.as_ref(),
        r.ts,
        r.tstz,
        r.d,
        r.tm,
        r.tmtz,
        r.iv,
        r.ip,
        r.net,
        r.mac,
        r.mac8,
        r.bits.as_ref(),
        r.vbits.as_ref(),
        r.lsn,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn scalar_types_round_trip_with_extremes_and_nulls() {
    let client = client().await;
    for expected in [low(), high(), nulls()] {
        let id = insert(&client, &expected).await;
        let read = all_types::get_scalars(&client, id).await.unwrap();
        assert_eq!(read, expected);
    }
}

#[tokio::test]
async fn nan_and_text_forms_of_special_types() {
    let client = client().await;
    let mut row = nulls();
    row.f4 = Some(f32::NAN);
    row.f8 = Some(f64::NAN);
    let id = insert(&client, &row).await;
    let read = all_types::get_scalars(&client, id).await.unwrap();
    assert!(read.f4.unwrap().is_nan() && read.f8.unwrap().is_nan());

    // Display prints PostgreSQL's text syntax: compare with the server's own output.
    let high = high();
    let id = insert(&client, &high).await;
    let text = client
        .query_one(
            "SELECT tsv::text, tsq::text, mac::text, mac8::text FROM scalars WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(high.tsv.unwrap().to_string(), text.get::<_, String>(0));
    assert_eq!(high.tsq.unwrap().to_string(), text.get::<_, String>(1));
    assert_eq!(high.mac.unwrap().to_string(), text.get::<_, String>(2));
    assert_eq!(high.mac8.unwrap().to_string(), text.get::<_, String>(3));
}

#[tokio::test]
async fn infinity_needs_the_timestamp_override_and_says_so() {
    let client = client().await;
    let id = insert(&client, &nulls()).await;
    client
        .execute(
            "UPDATE scalars SET ts = 'infinity', d = '-infinity' WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    let row = all_types::get_infinite(&client, id).await.unwrap();
    assert_eq!(row.ts, Some(Timestamp::PosInfinity));
    assert_eq!(row.d, Some(Date::NegInfinity));

    let error = all_types::get_scalars(&client, id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    let message = error.to_string();
    assert!(message.contains("column `ts`"), "{message}");
    assert!(message.contains("quarry::types::Timestamp<T>"), "{message}");
}

#[tokio::test]
async fn numeric_nan_is_a_clear_decode_error() {
    let client = client().await;
    let id = insert(&client, &nulls()).await;
    client
        .execute("UPDATE scalars SET num = 'NaN' WHERE id = $1", &[&id])
        .await
        .unwrap();
    let error = all_types::get_scalars(&client, id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    let message = error.to_string();
    assert!(message.contains("column `num` (#8, numeric)"), "{message}");
    assert!(message.contains("NaN"), "{message}");
}

#[tokio::test]
async fn ranges_and_multiranges_round_trip() {
    let client = client().await;
    let ts = |s| datetime(s);
    let expected = GetRangesRow {
        r4: Some(Range::half_open(i32::MIN, i32::MAX)),
        r8: Some(Range::new(Bound::Unbounded, Bound::Exclusive(10))),
        rn: Some(Range::new(
            Bound::Inclusive(Decimal::new(15, 1)),
            Bound::Inclusive(Decimal::new(25, 1)),
        )),
        rts: Some(Range::new(
            Bound::Exclusive(ts("2024-01-01 00:00:00")),
            Bound::Unbounded,
        )),
        rtstz: Some(Range::Empty),
        rd: Some(Range::half_open(
            NaiveDate::from_ymd_opt(2024, 2, 28).unwrap(),
            NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        )),
        m4: Some(Multirange(vec![Range::half_open(1, 3), Range::half_open(5, 7)])),
        md: Some(Multirange(Vec::new())),
    };
    let r = &expected;
    let id = all_types::insert_ranges(
        &client,
        r.r4.as_ref(),
        r.r8.as_ref(),
        r.rn.as_ref(),
        r.rts.as_ref(),
        r.rtstz.as_ref(),
        r.rd.as_ref(),
        r.m4.as_ref(),
        r.md.as_ref(),
    )
    .await
    .unwrap();
    assert_eq!(all_types::get_ranges(&client, id).await.unwrap(), expected);

    // Discrete ranges come back canonical: [1,5] is [1,6); overlapping multiranges merge.
    let inclusive = Range::new(Bound::Inclusive(1i64), Bound::Inclusive(5));
    let merged = Multirange(vec![Range::half_open(1, 4), Range::half_open(3, 6)]);
    let id = all_types::insert_ranges(
        &client,
        None,
        Some(&inclusive),
        None,
        None,
        None,
        None,
        Some(&merged),
        None,
    )
    .await
    .unwrap();
    let read = all_types::get_ranges(&client, id).await.unwrap();
    assert_eq!(read.r8, Some(Range::half_open(1, 6)));
    assert_eq!(read.m4, Some(Multirange(vec![Range::half_open(1, 6)])));
    assert_eq!(read.r4, None);
}

#[tokio::test]
async fn arrays_of_every_kind_including_null_elements_and_dimensions() {
    let client = client().await;
    let texts = vec!["a".to_string(), String::new(), "é ✓".into()];
    let maybe = vec![Some("x".to_string()), None];
    let bytes = vec![vec![], vec![0, 255]];
    let uuids = [Uuid::nil(), Uuid::max()];
    let stamps = [DateTime::<Utc>::from_naive_utc_and_offset(
        datetime("2024-05-06 07:08:09.123456"),
        Utc,
    )];
    let moods = [Mood::Happy, Mood::V1stPlace, Mood::SoSo];
    let id = all_types::insert_arrays(
        &client,
        &[i32::MIN, 0, i32::MAX],
        &texts,
        &maybe,
        &bytes,
        &uuids,
        &stamps,
        &moods,
        &[1, 2, 3],
        &[],
    )
    .await
    .unwrap();
    let row = all_types::get_arrays(&client, id).await.unwrap();
    assert_eq!(row.ints, [i32::MIN, 0, i32::MAX]);
    assert_eq!(row.texts, texts);
    assert_eq!(row.bytes, bytes);
    assert_eq!(row.uuids, uuids);
    assert_eq!(row.stamps, stamps);
    assert_eq!(row.moods, moods);
    assert_eq!(row.ranks, [1, 2, 3], "an array of a domain reads as its base type");
    assert_eq!(all_types::get_maybe_texts(&client, id).await.unwrap(), maybe);

    // `&[&str]` passes as well as `&[String]`.
    all_types::insert_arrays(&client, &[], &["x", "y"], &maybe, &[], &[], &[], &[], &[], &[])
        .await
        .unwrap();

    // The domain's CHECK still applies to array elements.
    let error = all_types::insert_arrays(&client, &[], &texts, &maybe, &[], &[], &[], &[], &[0], &[])
        .await
        .unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some("23514"), "{error}");

    // Multi-dimensional arrays go through `quarry::types::Array` (an override).
    let grid = Array::with_dimensions(&[2, 3], vec![1, 2, 3, 4, 5, 6]).unwrap();
    all_types::set_grid(&client, &grid, id).await.unwrap();
    assert_eq!(all_types::get_grid(&client, id).await.unwrap(), grid);
    // …and a multi-dimensional value read as a `Vec` names the override.
    client
        .execute("UPDATE arrays SET ints = '{{1,2},{3,4}}' WHERE id = $1", &[&id])
        .await
        .unwrap();
    let error = all_types::get_arrays(&client, id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(error.to_string().contains("column `ints`"), "{error}");
    assert!(error.to_string().contains("quarry::types::Array<T>"), "{error}");
}

#[tokio::test]
async fn zero_copy_variants_borrow_from_the_row() {
    let client = client().await;
    for text in ["one", "two", "three"] {
        let mut row = nulls();
        row.t = Some(text.into());
        row.by = Some(text.as_bytes().to_vec());
        insert(&client, &row).await;
    }
    let owned = all_types::list_texts(&client).await.unwrap();
    let mut borrowed = Vec::new();
    let count = all_types::list_texts_each(&client, |row| {
        // `WHERE t IS NOT NULL AND by IS NOT NULL` makes both non-null.
        let (t, by): (&str, &[u8]) = (row.t, row.by);
        borrowed.push((row.id, t.to_string(), by.to_vec()));
    })
    .await
    .unwrap();
    assert_eq!(count, 3);
    let owned: Vec<_> = owned.into_iter().map(|r| (r.id, r.t, r.by)).collect();
    assert_eq!(borrowed, owned);

    let texts = ["a", "bb"];
    all_types::insert_arrays(&client, &[], &texts, &vec![], &[], &[], &[], &[], &[], &[])
        .await
        .unwrap();
    let mut lengths = Vec::new();
    all_types::list_text_arrays_each(&client, |row| {
        let items: Result<Vec<&str>, _> = row.texts.collect();
        lengths.push(items.unwrap().iter().map(|s| s.len()).sum::<usize>());
    })
    .await
    .unwrap();
    assert_eq!(lengths, [3]);

    let first = all_types::get_scalars_with(&client, owned[0].0, |row| row.t.map(str::len))
        .await
        .unwrap();
    assert_eq!(first, Some(3));
}

#[tokio::test]
async fn the_time_crate_and_geo_types_when_configured() {
    use quarry::geo_types::{coord, LineString, Point, Rect};
    use quarry_tests::time_and_geo::round_trip;
    use time::macros::{date, datetime as time_datetime, offset, time};

    let client = client().await;
    let ts = time_datetime!(2024-02-29 23:59:59.999999);
    let tstz = time_datetime!(1999-12-31 23:00:00).assume_offset(offset!(-5));
    let ttz = TimeTz {
        time: time!(12:30),
        utc_offset_seconds: 5 * 3600 + 30 * 60,
    };
    let iv = Interval::new(1, 2, 3);
    let row = round_trip::echo_times(&client, ts, tstz, date!(0001 - 01 - 01), time!(00:00), ttz, iv)
        .await
        .unwrap();
    assert_eq!(
        (row.ts, row.tstz, row.d, row.t, row.ttz, row.iv),
        (ts, tstz, date!(0001 - 01 - 01), time!(00:00), ttz, iv)
    );

    let p = Point::new(1.5, -2.0);
    let b = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 2.0, y: 3.0 });
    let path = LineString::from(vec![(0.0, 0.0), (1.0, 1.0), (2.0, 0.0)]);
    let row = round_trip::echo_geometry(&client, &p, &b, &path).await.unwrap();
    assert_eq!((row.p, row.b, row.path), (p, b, path));
}

/// Every built-in geometric type by default, exact (open and closed paths, `line` as `{A,B,C}`,
/// `box` normalised to upper-right then lower-left), through parameters and back.
#[tokio::test]
async fn geometric_types_round_trip() {
    use quarry::types::{Circle, Line, LineSegment, Path, PgBox, Point, Polygon};
    let client = client().await;
    let p = Point::new(1.5, -2.25);
    let q = Point::new(-3.0, 4.0);
    let open = Path {
        closed: false,
        points: vec![p, q, Point::new(0.0, 0.0)],
    };
    let poly = Polygon {
        points: vec![p, q, Point::new(5.0, 5.0)],
    };
    let row = all_types::echo_geometry(
        &client,
        p,
        Line {
            a: 1.0,
            b: -1.0,
            c: 0.5,
        },
        LineSegment { start: p, end: q },
        PgBox { high: q, low: p },
        &open,
        &poly,
        Circle { center: q, radius: 2.5 },
    )
    .await
    .unwrap();
    assert_eq!(row.p, p);
    assert_eq!(
        row.l,
        Line {
            a: 1.0,
            b: -1.0,
            c: 0.5
        }
    );
    assert_eq!(row.s, LineSegment { start: p, end: q });
    // PostgreSQL keeps the upper-right corner first whatever order the corners came in.
    assert_eq!(
        row.b,
        PgBox {
            high: Point::new(1.5, 4.0),
            low: Point::new(-3.0, -2.25)
        }
    );
    assert_eq!(row.path, open);
    assert_eq!(row.poly, poly);
    assert_eq!(row.c, Circle { center: q, radius: 2.5 });
    // The text form PostgreSQL shows agrees with what was decoded.
    let text: String = client
        .query_one("SELECT '[(1.5,-2.25),(-3,4),(0,0)]'::path::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(text, "[(1.5,-2.25),(-3,4),(0,0)]");
}

/// `regclass` and the other oid aliases, `ctid`, `xmin`, `cmin`, `xid8` and a `void` result.
#[tokio::test]
async fn system_types() {
    use quarry::types::{RegOid, Void};
    let mut client = client().await;
    let id = insert(&client, &low()).await;
    let oid: u32 = client
        .query_one("SELECT 'scalars'::regclass::oid", &[])
        .await
        .unwrap()
        .get(0);
    let row = all_types::system_values(&client, RegOid(oid), id).await.unwrap();
    assert_eq!(row.rel, RegOid(oid));
    let (ctid, xmin): (String, String) = {
        let r = client
            .query_one("SELECT ctid::text, xmin::text FROM scalars WHERE id = $1", &[&id])
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(format!("({},{})", row.ctid.block, row.ctid.offset), ctid);
    assert_eq!(row.xmin.0.to_string(), xmin);
    assert_eq!(row.cmin.0, 0);
    assert!(
        row.xid8.0 >= u64::from(row.xmin.0),
        "the 64-bit id of a later transaction"
    );
    let tx = client.transaction().await.unwrap();
    assert_eq!(all_types::advisory_lock(&tx, 42).await.unwrap(), Void);
    let held: i64 = tx
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 42",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(held, 1, "the lock is held inside the transaction");
    tx.rollback().await.unwrap();
}

/// The built-in types catalog and monitoring queries meet, with no setting: `jsonpath`,
/// `pg_snapshot`, `txid_snapshot`, `refcursor`, `int2vector`, `oidvector`, `pg_node_tree`.
#[tokio::test]
async fn catalog_types_round_trip() {
    use quarry::types::{JsonPath, RefCursor, Snapshot};
    let client = client().await;
    let path = JsonPath("$.\"a\"[*]?(@ > 1)".into());
    let snap = Snapshot {
        xmin: 10,
        xmax: 20,
        in_progress: vec![11, 15],
    };
    let cursor = RefCursor("my cursor".into());
    let row = all_types::echo_catalog_types(
        &client,
        &path,
        &snap,
        &snap,
        &cursor,
        &[1, -2, i16::MAX],
        &[0, u32::MAX],
    )
    .await
    .unwrap();
    // PostgreSQL prints the path in its own normal form; it parses back to the same.
    let printed: String = client
        .query_one("SELECT $1::text::jsonpath::text", &[&path.0])
        .await
        .unwrap()
        .get(0);
    assert_eq!(row.path, JsonPath(printed));
    assert_eq!((row.snap, row.txid), (snap.clone(), snap));
    assert_eq!(row.cursor, cursor);
    assert_eq!((row.keys, row.oids), (vec![1, -2, i16::MAX], vec![0, u32::MAX]));
    // The snapshot's text form (`xmin:xmax:xip,…`) read in the same statement agrees.
    let (snapshot, text): (quarry::types::Snapshot, String) = {
        let r = client
            .query_one("SELECT s, s::text FROM pg_current_snapshot() s", &[])
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    let xip: Vec<String> = snapshot.in_progress.iter().map(u64::to_string).collect();
    assert_eq!(format!("{}:{}:{}", snapshot.xmin, snapshot.xmax, xip.join(",")), text);
    assert!(row.current.xmin <= row.current.xmax);
    let tree = row.default_expr.expect("scalars.id has a default").0;
    assert!(tree.starts_with("{FUNCEXPR"), "{tree}");
}

/// A NULL element in an array typed `Vec<T>` (elements not proven either way, the default):
/// the decode error names the query, the column and the setting that makes them `Option`.
#[tokio::test]
async fn a_null_element_names_the_query_the_column_and_the_setting() {
    let client = client().await;
    let id: i32 = client
        .query_one(
            "INSERT INTO arrays (ints, texts, maybe_texts, bytes, uuids, stamps, moods, ranks, grid) \
             VALUES ('{1}', '{a,NULL}', '{}', '{}', '{}', '{}', '{}', '{}', '{}') RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let error = all_types::get_arrays(&client, id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    let message = error.to_string();
    for part in [
        "query `get_arrays`",
        "column `texts`",
        "NULL element",
        "nullable_array_elements",
    ] {
        assert!(message.contains(part), "{part} missing from: {message}");
    }
}
