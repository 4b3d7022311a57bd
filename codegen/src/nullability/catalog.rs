//! What the database says about relations, read in one query before inference starts: every
//! column of every table and view, with `NOT NULL`. Relations are found by name (for the SQL
//! analysis) the way the server's search path finds them, `pg_catalog` included; table columns
//! are also found by
//! `(table OID, attribute number)`, the origin the server reports for a result column (for the
//! conservative fallback, and for column type overrides).

use crate::pg::{Connection, PgError};
use std::collections::{HashMap, HashSet};

/// One column of a relation.
#[derive(Debug, Clone)]
pub struct CatalogColumn {
    /// Column name.
    pub name: String,
    /// Declared `NOT NULL` (always false for views).
    pub not_null: bool,
    /// A CHECK constraint rules out NULL elements (`array_position(c, NULL) IS NULL`).
    pub elements_non_null: bool,
}

/// A table or view.
#[derive(Debug, Clone)]
pub struct CatalogRelation {
    /// `schema.name`, for reasons.
    pub qualified: String,
    /// Columns in attribute order.
    pub columns: Vec<CatalogColumn>,
    /// `Some(definition)` for a view, which inference looks through.
    pub view_definition: Option<String>,
}

/// A relation found by OID: its name and columns with attribute numbers, for the shared row
/// structs of `SELECT *` (see `crate::table_models`).
#[derive(Debug, Clone)]
pub struct RelationByOid {
    /// Schema name.
    pub schema: String,
    /// Relation name.
    pub name: String,
    /// `(attnum, name, NOT NULL)` in attribute order.
    pub columns: Vec<(i16, String, bool)>,
}

/// Relations by name, resolved the way the server's `search_path` resolves them.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    qualified: HashMap<(String, String), CatalogRelation>,
    search_path: Vec<String>,
    /// The search path without the implicit schemas (`current_schemas(false)`), as recorded in
    /// the model for `verify`.
    explicit_search_path: Vec<String>,
    not_null_origins: HashSet<(u32, i16)>,
    /// Each table's OID, by the OID of its row type.
    table_row_types: HashMap<u32, u32>,
    /// Table columns declared with a domain, by origin: the domain's OID, schema and name
    /// (the server reports such a result column as the domain's base type).
    domain_columns: HashMap<(u32, i16), (u32, String, String)>,
    /// Array columns whose CHECK constraints rule out NULL elements, by origin.
    non_null_elements: HashSet<(u32, i16)>,
    origins: HashMap<(u32, i16), (String, String, String)>,
    by_oid: HashMap<u32, RelationByOid>,
    /// Set-returning functions by name: their output column names (`None` when overloads
    /// disagree).
    table_functions: HashMap<String, Option<Vec<String>>>,
}

/// Every set-returning function's output columns: its OUT / TABLE arguments, else its
/// composite result type's attributes, else one column named after the function.
const FUNCTIONS: &str = "\
SELECT p.proname, \
       coalesce( \
         (SELECT array_agg(coalesce(p.proargnames[i], 'column' || i) ORDER BY i) \
          FROM generate_subscripts(p.proargmodes, 1) i WHERE p.proargmodes[i] IN ('o', 'b', 't')), \
         (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_type t \
          JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped \
          WHERE t.oid = p.prorettype), \
         ARRAY[p.proname::text]) \
FROM pg_proc p \
WHERE p.proretset AND p.prorettype <> 'record'::regtype OR p.proargmodes IS NOT NULL AND p.proretset";

/// Single-column CHECK constraints, in PostgreSQL's own normalised text.
const CHECKS: &str = "\
SELECT conrelid, conkey[1], pg_get_constraintdef(oid) FROM pg_constraint \
WHERE contype = 'c' AND cardinality(conkey) = 1";

/// Table columns whose declared type is a domain.
const DOMAIN_COLUMNS: &str = "\
SELECT a.attrelid, a.attnum, t.oid, n.nspname, t.typname FROM pg_attribute a \
JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace \
WHERE t.typtype = 'd' AND a.attnum > 0 AND NOT a.attisdropped";

const QUERY: &str = "\
SELECT n.nspname, c.relname, c.relkind::text, \
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END, \
       a.attname, a.attnotnull, c.oid, a.attnum, c.reltype \
FROM pg_class c \
JOIN pg_namespace n ON n.oid = c.relnamespace \
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT LIKE 'pg_toast%' \
ORDER BY n.nspname, c.relname, a.attnum";

impl Catalog {
    /// Reads every user relation and the search path.
    pub fn load(client: &mut Connection) -> Result<Self, PgError> {
        let mut catalog = Catalog::default();
        for row in client.query(CHECKS)? {
            let (table, attnum, definition): (u32, i16, String) = (row.get(0), row.get(1), row.get(2));
            if rules_out_null_elements(&definition) {
                catalog.non_null_elements.insert((table, attnum));
            }
        }
        for row in client.query(DOMAIN_COLUMNS)? {
            catalog
                .domain_columns
                .insert((row.get(0), row.get(1)), (row.get(2), row.get(3), row.get(4)));
        }
        for row in client.query(QUERY)? {
            let (schema, name, kind): (String, String, String) = (row.get(0), row.get(1), row.get(2));
            let (column, not_null): (String, bool) = (row.get(4), row.get(5));
            if kind == "r" || kind == "p" {
                catalog.table_row_types.insert(row.get(8), row.get(6));
                if not_null {
                    catalog.not_null_origins.insert((row.get(6), row.get(7)));
                }
            }
            catalog
                .origins
                .insert((row.get(6), row.get(7)), (schema.clone(), name.clone(), column.clone()));
            let table_not_null = not_null && (kind == "r" || kind == "p");
            catalog
                .by_oid
                .entry(row.get(6))
                .or_insert_with(|| RelationByOid {
                    schema: schema.clone(),
                    name: name.clone(),
                    columns: Vec::new(),
                })
                .columns
                .push((row.get(7), column.clone(), table_not_null));
            let relation = catalog
                .qualified
                .entry((schema.clone(), name.clone()))
                .or_insert_with(|| CatalogRelation {
                    qualified: format!("{schema}.{name}"),
                    columns: Vec::new(),
                    view_definition: if kind == "v" || kind == "m" { row.get(3) } else { None },
                });
            let elements_non_null = catalog.non_null_elements.contains(&(row.get(6), row.get(7)));
            relation.columns.push(CatalogColumn {
                name: column,
                not_null,
                elements_non_null,
            });
        }
        for row in client.query(FUNCTIONS)? {
            let (name, columns): (String, Vec<String>) = (row.get(0), row.get(1));
            catalog
                .table_functions
                .entry(name)
                .and_modify(|known| {
                    if known.as_ref() != Some(&columns) {
                        *known = None;
                    }
                })
                .or_insert(Some(columns));
        }
        // With the implicit schemas: `pg_class` is pg_catalog's, searched before the path.
        let paths = client.query("SELECT current_schemas(true)::text[], current_schemas(false)::text[]")?;
        let path = paths
            .first()
            .ok_or_else(|| PgError::Protocol("current_schemas() returned no row".into()))?;
        catalog.search_path = path.get(0);
        catalog.explicit_search_path = path.get(1);
        Ok(catalog)
    }

    /// Whether the table column with this origin is declared `NOT NULL`.
    pub fn is_not_null_column(&self, table_oid: u32, attnum: i16) -> bool {
        self.not_null_origins.contains(&(table_oid, attnum))
    }

    /// Every table, by the OID of its row type (the composite type of `SELECT t FROM t`).
    pub fn table_row_types(&self) -> HashMap<u32, RelationByOid> {
        self.table_row_types
            .iter()
            .filter_map(|(row_type, table)| Some((*row_type, self.by_oid.get(table)?.clone())))
            .collect()
    }

    /// The domain (OID, schema, name) the table column with this origin is declared with.
    pub fn domain_of(&self, table_oid: u32, attnum: i16) -> Option<&(u32, String, String)> {
        self.domain_columns.get(&(table_oid, attnum))
    }

    /// Whether a CHECK constraint rules out NULL elements in the array column with this origin.
    pub fn has_non_null_elements(&self, table_oid: u32, attnum: i16) -> bool {
        self.non_null_elements.contains(&(table_oid, attnum))
    }

    /// `(schema, table, column)` of the table column with this origin.
    pub fn origin(&self, table_oid: u32, attnum: i16) -> Option<(&str, &str, &str)> {
        self.origins
            .get(&(table_oid, attnum))
            .map(|(s, t, c)| (s.as_str(), t.as_str(), c.as_str()))
    }

    /// The schemas unqualified names resolve in, without the implicit ones.
    pub fn explicit_search_path(&self) -> &[String] {
        &self.explicit_search_path
    }

    /// The output column names of the set-returning function `name`, when its overloads agree.
    pub fn table_function(&self, name: &str) -> Option<&[String]> {
        self.table_functions.get(name)?.as_deref()
    }

    /// The relation with this OID.
    pub fn relation_by_oid(&self, oid: u32) -> Option<&RelationByOid> {
        self.by_oid.get(&oid)
    }

    /// Looks up `name` or `schema.name` (already case-folded).
    pub fn relation(&self, parts: &[String]) -> Option<&CatalogRelation> {
        match parts {
            [schema, name] => self.qualified.get(&(schema.clone(), name.clone())),
            [name] => self
                .search_path
                .iter()
                .find_map(|s| self.qualified.get(&(s.clone(), name.clone()))),
            _ => None,
        }
    }
}

/// Whether a CHECK constraint, as `pg_get_constraintdef` prints it, rules out NULL elements in
/// its column: one of its top-level `AND` terms is `array_position(column, NULL…) IS NULL`.
/// (A CHECK passes on NULL, but this term is never NULL: it is false exactly when the array
/// holds a NULL, so the whole constraint fails then.)
fn rules_out_null_elements(definition: &str) -> bool {
    let Some(body) = definition.strip_prefix("CHECK ") else {
        return false;
    };
    if body.contains(" OR ") || body.contains("NOT VALID") {
        return false;
    }
    body.split(" AND ").any(|term| {
        let term = term.trim_matches(|c| c == '(' || c == ')' || c == ' ');
        term.strip_prefix("array_position")
            .and_then(|rest| rest.strip_suffix(" IS NULL"))
            .and_then(|call| call.trim_start_matches('(').split_once(','))
            .is_some_and(|(column, value)| {
                !column.contains(['(', ' ']) && value.trim_start().trim_end_matches(')').starts_with("NULL")
            })
    })
}

#[cfg(test)]
mod tests {
    use super::rules_out_null_elements;

    #[test]
    fn array_position_checks_rule_out_null_elements() {
        assert!(rules_out_null_elements(
            "CHECK ((array_position(tags, NULL::text) IS NULL))"
        ));
        assert!(rules_out_null_elements(
            "CHECK (((cardinality(tags) < 10) AND (array_position(tags, NULL::text) IS NULL)))"
        ));
        assert!(!rules_out_null_elements(
            "CHECK (((cardinality(tags) < 10) OR (array_position(tags, NULL::text) IS NULL)))"
        ));
        assert!(!rules_out_null_elements(
            "CHECK ((array_position(tags, 'x'::text) IS NULL))"
        ));
        assert!(!rules_out_null_elements(
            "CHECK ((array_position(tags, NULL::text) IS NOT NULL))"
        ));
        assert!(!rules_out_null_elements("CHECK ((cardinality(tags) > 0)) NOT VALID"));
    }
}
