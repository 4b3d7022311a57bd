//! Dynamic queries (optional filters and sort choices, docs/dynamic.md): a query whose SQL is
//! assembled per call from static pieces — never from user text — and whose every distinct
//! variant becomes a `&'static Query` of its own, so the statement cache, the unnamed mode,
//! `verify` and the tracing spans treat it as any other query.

use crate::query::Query;
use std::collections::HashMap;
use std::sync::Mutex;

/// One line of a dynamic query: always there, or only when condition `when` is on.
#[derive(Debug)]
pub struct Piece {
    /// The condition (an optional parameter given, or a flag set), by index; `None`: always.
    pub when: Option<u8>,
    /// The line's text, parameters and sort slot.
    pub segments: &'static [Segment],
}

/// Part of a [`Piece`].
#[derive(Debug)]
pub enum Segment {
    /// SQL text, as written in the query file.
    Text(&'static str),
    /// Parameter `n` (0-based, in the order of the query with every condition on); numbered
    /// `$k` among the parameters of the variant.
    Param(u16),
    /// Where the chosen sort's column list goes.
    Sort,
    /// Where the keyset condition goes when the call passes the last row's keys.
    After,
}

/// One sort choice.
#[derive(Debug)]
pub struct Sort {
    /// The `ORDER BY` column list.
    pub sql: &'static str,
    /// The keys a keyset page compares (`t.created_at, t.id`); empty without `-- after`.
    pub keys: &'static str,
    /// Whether the keys sort descending (`(keys) < (values)`; else `>`).
    pub descending: bool,
    /// The key parameters' type OIDs, in order.
    pub key_oids: &'static [u32],
}

/// The variants of a dynamic query built so far, by (conditions on, sort, keyset).
type Variants = HashMap<(u64, u8, bool), &'static Query>;

/// A dynamic query: its pieces, its sort choices, and the variants built so far.
#[derive(Debug)]
pub struct Dynamic {
    query: &'static Query,
    pieces: &'static [Piece],
    sorts: &'static [Sort],
    /// For each parameter (all-on order), the condition it belongs to; `None`: required.
    params: &'static [Option<u8>],
    /// The variants built so far, by (conditions on, sort, keyset).
    variants: Mutex<Option<Variants>>,
}

impl Dynamic {
    /// The description generated code holds in a `static`. `query` is the variant with every
    /// condition on and the first sort: its name, parameter types, columns and source are
    /// every variant's.
    pub const fn new(
        query: &'static Query,
        pieces: &'static [Piece],
        sorts: &'static [Sort],
        params: &'static [Option<u8>],
    ) -> Dynamic {
        Dynamic {
            query,
            pieces,
            sorts,
            params,
            variants: Mutex::new(None),
        }
    }

    /// The variant with the conditions of bit mask `on`, sort choice `sort` and, when `after`,
    /// the keyset condition: built once, then the same `&'static Query` every time. There are
    /// at most 2^conditions × sorts × 2 of them, each built from the pieces alone.
    pub fn variant(&'static self, on: u64, sort: u8, after: bool) -> &'static Query {
        let mut variants = self.variants.lock().unwrap_or_else(|e| e.into_inner());
        let query: &mut &'static Query = variants
            .get_or_insert_with(HashMap::new)
            .entry((on, sort, after))
            .or_insert_with(|| Box::leak(Box::new(self.build(on, sort, after))));
        query
    }

    fn build(&self, on: u64, sort: u8, after: bool) -> Query {
        let included = |when: Option<u8>| when.is_none_or(|c| on & (1 << c) != 0);
        // The variant's `$k` of each all-on parameter that it keeps.
        let mut numbers = vec![0usize; self.params.len()];
        let mut oids = Vec::new();
        for (n, &when) in self.params.iter().enumerate() {
            if included(when) {
                oids.push(self.query.param_oids[n]);
                numbers[n] = oids.len();
            }
        }
        let mut sql = String::with_capacity(self.query.sql.len());
        for piece in self.pieces.iter().filter(|p| included(p.when)) {
            for segment in piece.segments {
                match segment {
                    Segment::Text(text) => sql.push_str(text),
                    Segment::Param(n) => {
                        sql.push('$');
                        sql.push_str(&numbers[usize::from(*n)].to_string());
                    }
                    Segment::Sort => sql.push_str(self.sorts[usize::from(sort)].sql),
                    Segment::After if after => {
                        let sort = &self.sorts[usize::from(sort)];
                        let values: Vec<String> = (0..sort.key_oids.len())
                            .map(|i| format!("${}", oids.len() + 1 + i))
                            .collect();
                        let op = if sort.descending { "<" } else { ">" };
                        sql.push_str(&format!("AND ({}) {op} ({})", sort.keys, values.join(", ")));
                    }
                    Segment::After => {}
                }
            }
        }
        if after {
            oids.extend_from_slice(self.sorts[usize::from(sort)].key_oids);
        }
        Query {
            name: self.query.name,
            sql: Box::leak(sql.into_boxed_str()),
            param_oids: Box::leak(oids.into_boxed_slice()),
            read_only: self.query.read_only,
            columns: self.query.columns,
            source: self.query.source,
        }
    }
}
