//! Every decoder quarry writes itself, fed bytes a hostile or broken server could send:
//! arbitrary bytes, and well-formed headers that claim absurd lengths or counts. Each must
//! return `Ok` or `Err` — never panic, never try to allocate what the header claims before
//! the bytes are there. (postgres-types' own decoders are its business.)
//!
//! CI runs proptest's default 256 cases per property; a long run:
//! `PROPTEST_CASES=1000000 cargo test --release -p quarry-runtime --test hostile_decoders`.

use postgres_types::{Field, FromSql, Kind, Type};
use proptest::prelude::*;
use quarry::types::*;

/// Decodes `raw` as every quarry type whose wire format it could be.
fn decode_everything(raw: &[u8]) {
    macro_rules! each {
        ($($t:ty => $ty:expr),* $(,)?) => {$(
            let _ = <$t as FromSql>::from_sql(&$ty, raw);
        )*};
    }
    each! {
        Range<i32> => Type::INT4_RANGE,
        Range<i64> => Type::INT8_RANGE,
        Multirange<i32> => Type::INT4MULTI_RANGE,
        Interval => Type::INTERVAL,
        Money => Type::MONEY,
        TimeTz<quarry::chrono::NaiveTime> => Type::TIMETZ,
        MacAddr => Type::MACADDR,
        MacAddr8 => Type::MACADDR8,
        Xml => Type::XML,
        TsVector => Type::TS_VECTOR,
        TsQuery => Type::TSQUERY,
        Array<i32> => Type::INT4_ARRAY,
        Array<String> => Type::TEXT_ARRAY,
        Point => Type::POINT,
        Line => Type::LINE,
        LineSegment => Type::LSEG,
        PgBox => Type::BOX,
        Path => Type::PATH,
        Polygon => Type::POLYGON,
        Circle => Type::CIRCLE,
        Xid => Type::XID,
        Xid8 => Type::XID8,
        Cid => Type::CID,
        Tid => Type::TID,
        RegOid => Type::REGCLASS,
        Void => Type::VOID,
    }
    // ArrayIter decodes lazily: walk it to the end.
    if let Ok(iter) = <ArrayIter<'_, i32> as FromSql>::from_sql(&Type::INT4_ARRAY, raw) {
        for _ in iter.take(100_000) {}
    }
    // A composite of (int4, text, int4range), read field by field as generated code does.
    let composite = Type::new(
        "pair".into(),
        0,
        Kind::Composite(vec![
            Field::new("a".into(), Type::INT4),
            Field::new("b".into(), Type::TEXT),
            Field::new("c".into(), Type::INT4_RANGE),
        ]),
        "public".into(),
    );
    if let Ok(mut reader) = quarry::types::user::CompositeReader::new(&composite, raw, 3) {
        let _ = reader.field::<Option<i32>>("a");
        let _ = reader.field::<Option<String>>("b");
        let _ = reader.field::<Option<Range<i32>>>("c");
    }
}

/// Big-endian `i32`.
fn be(n: i32) -> Vec<u8> {
    n.to_be_bytes().to_vec()
}

/// Headers that claim `count` items, each followed by `tail`: a bare count (multiranges,
/// tsvector, tsquery, composites, polygons), a one-dimensional int4 array, and a path.
fn claims(count: i32, tail: &[u8]) -> [Vec<u8>; 3] {
    let bare = [be(count), tail.to_vec()].concat();
    let array = [be(1), be(0), be(23), be(count), be(1), tail.to_vec()].concat();
    let path = [vec![1u8], be(count), tail.to_vec()].concat();
    [bare, array, path]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&raw);
    }

    #[test]
    fn absurd_counts_never_allocate_or_panic(
        count in prop_oneof![Just(i32::MAX), Just(i32::MIN), Just(-1), 0..100_000i32],
        tail in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        for raw in claims(count, &tail) {
            decode_everything(&raw);
        }
    }
}

#[test]
fn the_largest_claims_are_errors() {
    for raw in claims(i32::MAX, &[]) {
        decode_everything(&raw);
    }
    assert!(<Array<i32> as FromSql>::from_sql(&Type::INT4_ARRAY, &claims(i32::MAX, &[])[1]).is_err());
    assert!(<Path as FromSql>::from_sql(&Type::PATH, &claims(i32::MAX, &[])[2]).is_err());
    assert!(<TsVector as FromSql>::from_sql(&Type::TS_VECTOR, &claims(i32::MAX, &[])[0]).is_err());
}
