//! Errors that point into a source file: `file:line:column`, the offending line with the
//! span marked, and a hint.
//!
//! Rendering is hand-written (about 60 lines) rather than done with `miette`'s graphical
//! handler: the output must be byte-for-byte stable for the exact-message tests, readable in
//! `cargo build` logs (no colours, no box drawing), and identical in build.rs and the CLI.

use std::fmt;
use std::ops::Range;

/// A loaded source file: the path as shown to users and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it (relative paths stay relative), used in messages.
    pub path: String,
    /// The whole file.
    pub text: String,
}

impl SourceFile {
    /// Wraps a file's display path and text.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Generation stops; nothing is written.
    Error,
    /// Generation goes on; the user should look.
    Warning,
}

/// One error or warning located in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// What went wrong, in one sentence.
    pub message: String,
    /// The file as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The text of the offending line.
    pub source_line: String,
    /// How many characters of `source_line` to mark, starting at `column` (at least 1).
    pub width: usize,
    /// What the user can do about it (boxed to keep `Result<_, Diagnostic>` small).
    pub hint: Option<Box<str>>,
}

impl Diagnostic {
    /// An error at the byte range `span` of `file`.
    pub fn at(file: &SourceFile, span: Range<usize>, message: impl Into<String>) -> Self {
        let (line, column) = file.line_col(span.start);
        let line_start = file.text[..floor_char_boundary(&file.text, span.start)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line_end = file.text[line_start..]
            .find('\n')
            .map_or(file.text.len(), |i| line_start + i);
        let source_line = file.text[line_start..line_end]
            .trim_end_matches('\r')
            .replace('\t', " ");
        let end = floor_char_boundary(&file.text, span.end.clamp(span.start, line_end));
        let start = floor_char_boundary(&file.text, span.start);
        let width = file.text[start..end].chars().count().max(1);
        Diagnostic {
            level: Level::Error,
            message: message.into(),
            file: file.path.clone(),
            line,
            column,
            source_line,
            width,
            hint: None,
        }
    }

    /// Makes this a warning.
    pub fn warning(mut self) -> Self {
        self.level = Level::Warning;
        self
    }

    /// Adds a hint line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into().into_boxed_str());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        writeln!(f, "{level}: {}", self.message)?;
        writeln!(f, "{pad}--> {}:{}:{}", self.file, self.line, self.column)?;
        writeln!(f, "{pad} |")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(f, "{pad} | {}{}", " ".repeat(self.column - 1), "^".repeat(self.width))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n{pad} = hint: {hint}")?;
        }
        Ok(())
    }
}

/// The largest char boundary at or below `i` (stable replacement for `str::floor_char_boundary`).
fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_column_marker_and_hint() {
        let file = SourceFile::new("q.sql", "-- name: a :one\nSELECT bogus;\n");
        let d = Diagnostic::at(&file, 23..28, "column \"bogus\" does not exist").with_hint("check it");
        assert_eq!(
            d.to_string(),
            "error: column \"bogus\" does not exist\n --> q.sql:2:8\n  |\n2 | SELECT bogus;\n  |        ^^^^^\n  = hint: check it"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let file = SourceFile::new("q.sql", "SELECT 'é', x");
        assert_eq!(file.line_col(13), (1, 13));
    }
}
