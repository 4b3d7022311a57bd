//! Name resolution: the relations a query reads from, which of them an outer join can
//! null-extend, and which columns a filter has proven non-null.

use super::Verdict;
use std::collections::HashSet;

/// Prefix of the pseudo-relations holding `JOIN … USING` merged columns (never a user alias).
pub(super) const MERGED: &str = "\0using";

/// The system columns every table has (and no view, CTE or subquery).
const SYSTEM_COLUMNS: [&str; 6] = ["ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"];

/// One output column of a relation or query.
#[derive(Debug, Clone)]
pub(super) struct Column {
    /// Name (case-folded).
    pub name: String,
    /// Its verdict inside the relation.
    pub verdict: Verdict,
}

/// A relation in a `FROM` clause: a table, view, CTE or subquery, under its alias.
#[derive(Debug, Clone)]
pub(super) struct Relation {
    /// The name a query uses to qualify its columns.
    pub alias: String,
    /// Its columns, in order.
    pub columns: Vec<Column>,
    /// `Some(reason)` when an outer join can null-extend it.
    pub outer: Option<String>,
}

/// How a `SELECT` aggregates, which changes what its expressions can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grouping {
    /// No aggregation.
    None,
    /// `GROUP BY` plain expressions: every group has at least one row.
    Groups,
    /// Aggregates without `GROUP BY`: one row, possibly over no input.
    WholeInput,
    /// `ROLLUP`, `CUBE`, `GROUPING SETS`: grouped columns are `NULL` in super-aggregate rows.
    Sets,
}

/// The names visible to an expression.
#[derive(Debug)]
pub(super) struct Scope<'p> {
    /// Relations in `FROM` order.
    pub relations: Vec<Relation>,
    /// `(alias, column)` pairs a `WHERE` or inner-join condition proves non-null.
    pub narrowed: HashSet<(String, String)>,
    /// How the query aggregates.
    pub grouping: Grouping,
    /// The enclosing query's scope, for correlated subqueries.
    pub parent: Option<&'p Scope<'p>>,
}

impl<'p> Scope<'p> {
    /// An empty scope inside `parent`.
    pub(super) fn new(parent: Option<&'p Scope<'p>>) -> Self {
        Scope {
            relations: Vec::new(),
            narrowed: HashSet::new(),
            grouping: Grouping::None,
            parent,
        }
    }

    /// Resolves `column` or `qualifier.column` to its verdict in this query's rows.
    pub(super) fn resolve(&self, qualifier: Option<&str>, column: &str) -> Result<Verdict, String> {
        if qualifier.is_none() {
            // A `JOIN … USING` column named without a qualifier is the merged column; the
            // latest join's merge wins, as in PostgreSQL.
            let merged = self.relations.iter().rev().filter(|r| r.alias.starts_with(MERGED));
            for relation in merged {
                if let Some(col) = relation.columns.iter().find(|c| c.name == column) {
                    return Ok(self.grouped(self.in_rows(relation, col)));
                }
            }
        }
        let candidates: Vec<(&Relation, &Column)> = self
            .relations
            .iter()
            .filter(|r| !r.alias.starts_with(MERGED) && qualifier.is_none_or(|q| r.alias == q))
            .flat_map(|r| r.columns.iter().filter(|c| c.name == column).map(move |c| (r, c)))
            .collect();
        match candidates.as_slice() {
            [(relation, col)] => Ok(self.grouped(self.in_rows(relation, col))),
            [] if SYSTEM_COLUMNS.contains(&column) => self.system_column(qualifier, column),
            [] if qualifier.is_none() && self.relation(column).is_some_and(|r| !r.alias.starts_with(MERGED)) => {
                Ok(self.whole_row(column))
            }
            [] => match self.parent {
                // A correlated reference is a single value per outer row: its nullability
                // is the outer column's.
                Some(parent) => parent.resolve(qualifier, column),
                None => Err(format!("column `{}` not found", qualify(qualifier, column))),
            },
            _ => Err(format!("column `{}` is ambiguous", qualify(qualifier, column))),
        }
    }

    /// `ctid`, `xmin`, … of a table: never NULL in the table's own rows (PostgreSQL accepts
    /// them only on tables, and the query prepared), so as nullable as an outer join makes it.
    fn system_column(&self, qualifier: Option<&str>, column: &str) -> Result<Verdict, String> {
        let mut tables = self
            .relations
            .iter()
            .filter(|r| !r.alias.starts_with(MERGED) && qualifier.is_none_or(|q| r.alias == q));
        match (tables.next(), tables.next()) {
            (Some(relation), None) => {
                let col = Column {
                    name: column.to_string(),
                    verdict: Verdict::non_null(format!("{}.{column} is a system column", relation.alias)),
                };
                Ok(self.grouped(self.in_rows(relation, &col)))
            }
            _ => match self.parent {
                Some(parent) => parent.resolve(qualifier, column),
                None => Err(format!("system column `{}` not placed", qualify(qualifier, column))),
            },
        }
    }

    /// A whole-row reference (`SELECT t FROM t`): a row is never NULL itself, but the row of a
    /// null-extended relation is (PostgreSQL gives NULL, not a row of NULLs).
    fn whole_row(&self, alias: &str) -> Verdict {
        let relation = self.relation(alias).expect("checked by the caller");
        let verdict = match &relation.outer {
            Some(reason) if !self.narrowed.iter().any(|(a, _)| a == alias) => Verdict::nullable(reason.clone()),
            _ => Verdict::non_null(format!("a whole row of {alias} is never NULL")),
        };
        self.grouped(verdict)
    }

    /// The verdict of `column` of `relation` once joins and filters have had their say.
    pub(super) fn in_rows(&self, relation: &Relation, column: &Column) -> Verdict {
        // Joins and filters change whether the array is there, never what it holds.
        self.in_rows_ignoring_elements(relation, column)
            .with_elements(column.verdict.elements.clone())
    }

    fn in_rows_ignoring_elements(&self, relation: &Relation, column: &Column) -> Verdict {
        if self.narrowed.contains(&(relation.alias.clone(), column.name.clone())) {
            if column.verdict.nullable || relation.outer.is_some() {
                return Verdict::non_null(format!(
                    "{}.{} is filtered to non-null by the WHERE or JOIN condition",
                    relation.alias, column.name
                ));
            }
            return column.verdict.clone();
        }
        match &relation.outer {
            // A filter that rules out NULL in any column of a null-extended relation rules out
            // the null-extended rows themselves: the relation's columns are as in its table.
            Some(_) if self.narrowed.iter().any(|(alias, _)| *alias == relation.alias) => column.verdict.clone(),
            Some(reason) if !column.verdict.nullable => Verdict::nullable(reason.clone()),
            _ => column.verdict.clone(),
        }
    }

    fn grouped(&self, verdict: Verdict) -> Verdict {
        if self.grouping == Grouping::Sets && !verdict.nullable {
            return Verdict::nullable("ROLLUP/CUBE/GROUPING SETS put NULL in grouped columns of super-aggregate rows")
                .with_elements(verdict.elements);
        }
        verdict
    }

    /// The relation called `alias`.
    pub(super) fn relation(&self, alias: &str) -> Option<&Relation> {
        self.relations.iter().find(|r| r.alias == alias)
    }
}

fn qualify(qualifier: Option<&str>, column: &str) -> String {
    match qualifier {
        Some(q) => format!("{q}.{column}"),
        None => column.to_string(),
    }
}
