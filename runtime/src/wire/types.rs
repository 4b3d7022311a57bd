//! Type OIDs to `postgres_types::Type`: built-in types directly, user-defined ones (enums,
//! composites, domains, ranges, arrays of them) from the catalog, once per connection.

use super::Connection;
use crate::error::Error;
use postgres_types::{Field, Kind, Type};
use std::future::Future;
use std::pin::Pin;

type Resolving<'a> = Pin<Box<dyn Future<Output = Result<Type, Error>> + Send + 'a>>;

impl Connection {
    /// The type with `oid`, asking the catalog the first time a user-defined type is met.
    pub(crate) fn resolve_type(&self, oid: u32) -> Resolving<'_> {
        Box::pin(async move {
            if let Some(ty) = Type::from_oid(oid) {
                return Ok(ty);
            }
            if let Some(ty) = self.known_types().get(&oid) {
                return Ok(ty.clone());
            }
            let ty = self.look_up_type(oid).await?;
            self.known_types().insert(oid, ty.clone());
            Ok(ty)
        })
    }

    async fn look_up_type(&self, oid: u32) -> Result<Type, Error> {
        let sql = format!(
            "SELECT t.typname, t.typtype, t.typelem, r.rngsubtype, t.typbasetype, n.nspname, t.typrelid \
             FROM pg_catalog.pg_type t LEFT OUTER JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid \
             INNER JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = {oid}"
        );
        let rows = self.simple_query(&sql).await?;
        let Some(row) = rows.first() else {
            return Err(Error::io(format!("type {oid} is not in the catalog")));
        };
        let text = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
        let number = |i: usize| text(i).parse::<u32>().unwrap_or(0);
        let (name, typtype, elem, subtype, base, schema, relid) =
            (text(0), text(1), number(2), number(3), number(4), text(5), number(6));
        let kind = match typtype.as_str() {
            "e" => {
                let labels = self
                    .simple_query(&format!(
                        "SELECT enumlabel FROM pg_catalog.pg_enum WHERE enumtypid = {oid} ORDER BY enumsortorder"
                    ))
                    .await?;
                Kind::Enum(
                    labels
                        .into_iter()
                        .filter_map(|r| r.into_iter().next().flatten())
                        .collect(),
                )
            }
            "p" => Kind::Pseudo,
            "d" => Kind::Domain(self.resolve_type(base).await?),
            "r" => Kind::Range(self.resolve_type(subtype).await?),
            "c" => {
                let attributes = self
                    .simple_query(&format!(
                        "SELECT attname, atttypid FROM pg_catalog.pg_attribute \
                         WHERE attrelid = {relid} AND NOT attisdropped AND attnum > 0 ORDER BY attnum"
                    ))
                    .await?;
                let mut fields = Vec::new();
                for attribute in attributes {
                    let name = attribute.first().cloned().flatten().unwrap_or_default();
                    let field_oid = attribute
                        .get(1)
                        .cloned()
                        .flatten()
                        .and_then(|o| o.parse().ok())
                        .unwrap_or(0);
                    fields.push(Field::new(name, self.resolve_type(field_oid).await?));
                }
                Kind::Composite(fields)
            }
            _ if elem != 0 => Kind::Array(self.resolve_type(elem).await?),
            _ => Kind::Simple,
        };
        Ok(Type::new(name, oid, kind, schema))
    }
}
