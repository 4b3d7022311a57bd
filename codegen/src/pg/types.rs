//! User-defined types: what the generator needs to know about an OID the built-in table of
//! postgres-types lacks — enums with their labels, composites with their fields, domains,
//! arrays, ranges and multiranges with the types they are built from.
//!
//! Looked up a set of OIDs at a time (one round trip per level of nesting), instead of one
//! query per OID.

use super::{Connection, PgError};
use postgres_types::{Field, Kind, Type};
use std::collections::{BTreeMap, BTreeSet};

/// One `pg_type` row.
struct RawType {
    name: String,
    schema: String,
    typtype: String,
    element: u32,
    base: u32,
    range_subtype: Option<u32>,
    multirange_subtype: Option<u32>,
    relation: u32,
    labels: Vec<String>,
    fields: Vec<(String, u32)>,
}

impl RawType {
    /// The OIDs this type is built from.
    fn parts(&self) -> impl Iterator<Item = u32> + '_ {
        [self.element, self.base]
            .into_iter()
            .chain(self.range_subtype)
            .chain(self.multirange_subtype)
            .chain(self.fields.iter().map(|f| f.1))
            .filter(|&oid| oid != 0)
    }
}

impl Connection {
    /// Learns every OID in `oids` that is neither built in nor known yet, and what those are
    /// made of.
    pub(super) fn learn_types(&mut self, oids: BTreeSet<u32>) -> Result<(), PgError> {
        let mut raw: BTreeMap<u32, RawType> = BTreeMap::new();
        let mut wanted: BTreeSet<u32> = oids.into_iter().filter(|&oid| self.is_unknown(oid)).collect();
        while !wanted.is_empty() {
            let found = self.read_types(&wanted)?;
            wanted = found
                .values()
                .flat_map(RawType::parts)
                .filter(|oid| self.is_unknown(*oid) && !raw.contains_key(oid) && !found.contains_key(oid))
                .collect();
            raw.extend(found);
        }
        let oids: Vec<u32> = raw.keys().copied().collect();
        for oid in oids {
            self.build(oid, &raw, 0);
        }
        Ok(())
    }

    fn is_unknown(&self, oid: u32) -> bool {
        oid != 0 && Type::from_oid(oid).is_none() && !self.types.contains_key(&oid)
    }

    /// The `Type` of `oid`, building the types it is made of first.
    fn build(&mut self, oid: u32, raw: &BTreeMap<u32, RawType>, depth: usize) -> Type {
        if let Some(ty) = Type::from_oid(oid).or_else(|| self.types.get(&oid).cloned()) {
            return ty;
        }
        let Some(info) = raw.get(&oid).filter(|_| depth < 32) else {
            return self.known_type(oid);
        };
        let mut part = |oid| self.build(oid, raw, depth + 1);
        let kind = if info.typtype == "e" {
            Kind::Enum(info.labels.clone())
        } else if info.typtype == "p" {
            Kind::Pseudo
        } else if info.base != 0 {
            Kind::Domain(part(info.base))
        } else if info.element != 0 {
            Kind::Array(part(info.element))
        } else if info.relation != 0 {
            Kind::Composite(
                info.fields
                    .iter()
                    .map(|(name, oid)| Field::new(name.clone(), part(*oid)))
                    .collect(),
            )
        } else if let Some(subtype) = info.range_subtype {
            Kind::Range(part(subtype))
        } else if let Some(subtype) = info.multirange_subtype {
            Kind::Multirange(part(subtype))
        } else {
            Kind::Simple
        };
        let ty = Type::new(info.name.clone(), oid, kind, info.schema.clone());
        self.types.insert(oid, ty.clone());
        ty
    }

    /// `pg_type` rows of `oids`, with enum labels and composite fields.
    fn read_types(&mut self, oids: &BTreeSet<u32>) -> Result<BTreeMap<u32, RawType>, PgError> {
        let list = oids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        // pg_range.rngmultitypid exists from PostgreSQL 14.
        let multirange = if self.server_version >= 140_000 {
            "(SELECT m.rngsubtype FROM pg_catalog.pg_range m WHERE m.rngmultitypid = t.oid)"
        } else {
            "NULL::oid"
        };
        let rows = self.query(&format!(
            "SELECT t.oid, t.typname::text, n.nspname::text, t.typtype::text, t.typelem, t.typbasetype, \
                    r.rngsubtype, {multirange}, t.typrelid \
             FROM pg_catalog.pg_type t \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid \
             WHERE t.oid IN ({list})"
        ))?;
        let mut types: BTreeMap<u32, RawType> = rows
            .iter()
            .map(|row| {
                let raw = RawType {
                    name: row.get(1),
                    schema: row.get(2),
                    typtype: row.get(3),
                    element: row.get(4),
                    base: row.get(5),
                    range_subtype: row.get(6),
                    multirange_subtype: row.get(7),
                    relation: row.get(8),
                    labels: Vec::new(),
                    fields: Vec::new(),
                };
                (row.get::<u32>(0), raw)
            })
            .collect();
        let labels = self.query(&format!(
            "SELECT enumtypid, enumlabel::text FROM pg_catalog.pg_enum \
             WHERE enumtypid IN ({list}) ORDER BY enumtypid, enumsortorder"
        ))?;
        for row in &labels {
            if let Some(ty) = types.get_mut(&row.get::<u32>(0)) {
                ty.labels.push(row.get(1));
            }
        }
        let fields = self.query(&format!(
            "SELECT t.oid, a.attname::text, a.atttypid FROM pg_catalog.pg_type t \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped \
             WHERE t.oid IN ({list}) AND t.typrelid <> 0 ORDER BY t.oid, a.attnum"
        ))?;
        for row in &fields {
            if let Some(ty) = types.get_mut(&row.get::<u32>(0)) {
                ty.fields.push((row.get(1), row.get(2)));
            }
        }
        Ok(types)
    }
}
