//! The error every stage of code generation can end in.

use crate::diagnostic::Diagnostic;
use crate::embedded::EmbeddedError;
use std::fmt;
use std::path::PathBuf;

/// Why code generation failed. Nothing is written when it does.
///
/// `Debug` prints the same text as `Display`, so `fn main() -> Result<(), Box<dyn Error>>`
/// in a build script shows readable diagnostics rather than a struct dump.
#[non_exhaustive]
pub enum Error {
    /// Problems located in `.sql` files: bad annotations, SQL PostgreSQL rejects, unsupported
    /// types. Every problem found is listed, not just the first.
    Diagnostics(Vec<Diagnostic>),
    /// A file or folder could not be read or written.
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The database could not be reached or set up.
    Database {
        /// What failed.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// The embedded PostgreSQL could not be started.
    Embedded(EmbeddedError),
    /// The configuration is unusable.
    Config(String),
    /// The model cannot be written as Rust: a damaged snapshot, or a bug in quarry.
    Emit(String),
}

impl Error {
    /// The located problems, if that is what this error is.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Diagnostics(d) => d,
            _ => &[],
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl Error {
    /// The report as text; `colour` adds ANSI colours (the CLI's choice on a terminal).
    pub fn render(&self, colour: bool) -> String {
        let error = crate::diagnostic::error_label(colour);
        match self {
            Error::Diagnostics(diagnostics) => {
                let mut out = String::new();
                for d in diagnostics {
                    out += &d.render(colour);
                    out += "\n\n";
                }
                let n = diagnostics.len();
                out += &format!(
                    "quarry: {n} error{}; nothing was written",
                    if n == 1 { "" } else { "s" }
                );
                out
            }
            Error::Io { path, source } => format!("{error}: {}: {source}", path.display()),
            Error::Database { message, hint } => format!("{error}: {message}\n  = help: {hint}"),
            Error::Embedded(e) => format!("{error}: {e}"),
            Error::Config(message) => format!("{error}: {message}"),
            Error::Emit(message) => format!(
                "{error}: cannot write the generated code: {message}\n  = help: regenerate the snapshot \
                 (`cargo quarry regenerate`); if it came from a fresh run against the database, this is a \
                 bug in quarry: please report it with the query"
            ),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{self}")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Embedded(e) => Some(e),
            _ => None,
        }
    }
}

impl From<Vec<Diagnostic>> for Error {
    fn from(d: Vec<Diagnostic>) -> Self {
        Error::Diagnostics(d)
    }
}

impl From<EmbeddedError> for Error {
    fn from(e: EmbeddedError) -> Self {
        Error::Embedded(e)
    }
}
