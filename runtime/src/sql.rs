//! Safe dynamic SQL for what parameters cannot bind — identifiers in DDL, `LISTEN` channels,
//! `SET` values — like psycopg's `sql` module: [`Identifier`] and [`Literal`] quote their
//! text so no name or value can end the token and inject SQL.
//!
//! ```
//! use quarry::sql::{Identifier, Literal};
//! let table = Identifier::new(["app", "user data\"; DROP TABLE x; --"]).unwrap();
//! assert_eq!(table.to_string(), r#""app"."user data""; DROP TABLE x; --""#);
//! let value = Literal::new("it's").unwrap();
//! assert_eq!(format!("SET application_name = {value}"), "SET application_name = 'it''s'");
//! ```

use std::fmt;

/// Why a name or value cannot be quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteError(&'static str);

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for QuoteError {}

fn check(text: &str) -> Result<(), QuoteError> {
    if text.contains('\0') {
        return Err(QuoteError("PostgreSQL text cannot contain NUL characters"));
    }
    Ok(())
}

/// A possibly qualified name (`schema.table`, `table.column`), each part double-quoted with
/// `"` doubled inside: it always names exactly what it says, case and all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    parts: Vec<String>,
}

impl Identifier {
    /// A name from its parts (one part for an unqualified name). Empty names and NUL are refused.
    pub fn new<I, S>(parts: I) -> Result<Self, QuoteError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let parts: Vec<String> = parts.into_iter().map(Into::into).collect();
        if parts.is_empty() || parts.iter().any(String::is_empty) {
            return Err(QuoteError("an identifier needs at least one non-empty part"));
        }
        for part in &parts {
            check(part)?;
        }
        Ok(Identifier { parts })
    }

    /// An unqualified name.
    pub fn name(name: &str) -> Result<Self, QuoteError> {
        Identifier::new([name])
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "\"{}\"", part.replace('"', "\"\""))?;
        }
        Ok(())
    }
}

/// A string constant, single-quoted with `'` doubled; text with a backslash uses the `E'…'`
/// form with backslashes doubled, so it reads the same whatever `standard_conforming_strings`
/// says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    text: String,
}

impl Literal {
    /// A constant holding `text`. NUL is refused (PostgreSQL text cannot hold it).
    pub fn new(text: &str) -> Result<Self, QuoteError> {
        check(text)?;
        Ok(Literal { text: text.to_owned() })
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = self.text.replace('\'', "''");
        if quoted.contains('\\') {
            write!(f, "E'{}'", quoted.replace('\\', "\\\\"))
        } else {
            write!(f, "'{quoted}'")
        }
    }
}
