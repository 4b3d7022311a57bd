//! Nullability inference: for every result column, can PostgreSQL return `NULL` there?
//!
//! The promise is soundness first — a column is typed non-null only when the database
//! provably cannot return `NULL` there — and precision second. Evidence comes from two
//! places: the catalog (`NOT NULL` columns of tables, view definitions looked through) and
//! the SQL itself, parsed with `sqlparser` (PostgreSQL dialect): which side of an outer join a
//! column comes from, what `WHERE` and inner-join conditions rule out, and what each
//! expression, function and aggregate can produce. Every column carries the reason for its
//! verdict, shown in the generated docs and by `cargo quarry explain`.
//!
//! When the SQL cannot be analysed (a construct the parser or the rules do not know), the
//! whole query falls back to the conservative rule: non-null only for a `NOT NULL` table
//! column reported by the server, in a statement without outer joins or grouping sets — and
//! the reason says so.

mod catalog;
mod dml;
mod elements;
mod expr;
mod from;
mod functions;
mod json;
mod query;
mod rewrite;
mod scope;

pub use catalog::{Catalog, CatalogColumn, CatalogRelation, RelationByOid};
pub(crate) use elements::element_nullability;
pub use json::{probe_statement, JsonNode, JsonShape};

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// The verdict for one result column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the column can be `NULL`.
    pub nullable: bool,
    /// Why, in words a user can check ("users.email is NOT NULL").
    pub reason: String,
    /// The column is a plain reference to a table column the catalog says is nullable: an
    /// override declaring it non-null contradicts the evidence.
    pub catalog_nullable: bool,
    /// For an array: whether its elements can be `NULL` (see [`Elements`]).
    pub elements: Elements,
    /// For JSON the SQL builds (`json_agg(b)`, `json_build_object(…)`): its shape.
    pub json: Option<Box<JsonShape>>,
}

/// What is known about the elements of an array value. PostgreSQL cannot declare array
/// elements `NOT NULL`, so this comes from the SQL (`ARRAY[...]`, `array_agg`, `array_remove`)
/// and from CHECK constraints (`array_position(c, NULL) IS NULL`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Elements {
    /// Nothing proven either way (a plain array column): the `nullable_array_elements`
    /// setting decides.
    #[default]
    Unknown,
    /// Proven never `NULL`, and why.
    NonNull(String),
    /// May be `NULL`, and why (`array_agg` of a nullable value).
    Nullable(String),
}

impl Elements {
    /// The elements of an array built from parts with these elements (`COALESCE`, `CASE`,
    /// `UNION`, `||`): nullable when any part's are, non-null when all parts' are.
    pub(crate) fn merge(self, other: Elements) -> Elements {
        match (self, other) {
            (n @ Elements::Nullable(_), _) | (_, n @ Elements::Nullable(_)) => n,
            (n @ Elements::NonNull(_), Elements::NonNull(_)) => n,
            _ => Elements::Unknown,
        }
    }
}

impl Verdict {
    pub(crate) fn non_null(reason: impl Into<String>) -> Self {
        Verdict {
            nullable: false,
            reason: reason.into(),
            catalog_nullable: false,
            elements: Elements::Unknown,
            json: None,
        }
    }

    pub(crate) fn nullable(reason: impl Into<String>) -> Self {
        Verdict {
            nullable: true,
            reason: reason.into(),
            catalog_nullable: false,
            elements: Elements::Unknown,
            json: None,
        }
    }

    /// The same verdict with what is known of its elements.
    pub(crate) fn with_elements(self, elements: Elements) -> Self {
        Verdict { elements, ..self }
    }
}

/// What inference needs besides the SQL.
#[derive(Debug)]
pub struct Context<'a> {
    /// Tables and views.
    pub catalog: &'a Catalog,
    /// Per `$n` (index n-1): whether the parameter is nullable.
    pub nullable_params: &'a [bool],
    /// The file line of the statement's first line, so reasons can cite file lines.
    pub first_line: usize,
}

/// Infers one verdict per result column, or says why the statement could not be analysed.
pub fn infer(sql: &str, context: &Context<'_>) -> Result<Vec<Verdict>, String> {
    let sql = rewrite::for_analysis(sql);
    let statements = Parser::parse_sql(&PostgreSqlDialect {}, &sql).map_err(|e| format!("sqlparser: {e}"))?;
    let [statement] = statements.as_slice() else {
        return Err("expected exactly one statement".into());
    };
    let analyser = query::Analyser::new(context);
    let columns = analyser.statement(statement)?;
    Ok(columns.into_iter().map(|c| c.verdict).collect())
}
