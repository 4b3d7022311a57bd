//! Errors that point into a source file, rendered the way rustc renders its own:
//!
//! ```text
//! error[42703]: column "titel" does not exist
//!  --> queries/tasks.sql:2:12
//!   |
//! 2 | SELECT id, titel
//!   |            ^^^^^
//!   = hint: Perhaps you meant to reference the column "tasks.title".
//!   = help: query `find` does not prepare against the schema
//! ```
//!
//! The bracketed code is PostgreSQL's SQLSTATE when the server reported the problem; `detail`
//! and `hint` lines are PostgreSQL's own, `help` is quarry's.
//!
//! Rendering is hand-written (about 80 lines) rather than done with `miette` or
//! `annotate-snippets`: every diagnostic marks one span on one line, the output must be
//! byte-for-byte stable for the insta snapshots, and it must read the same in `cargo build` logs
//! and in a terminal. Colour is opt-in ([`Diagnostic::render`]); the CLI turns it on only when
//! stderr is a terminal and `NO_COLOR` is unset; build.rs output never has it.

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
    /// 1-based line (`u32`, like the two below, keeps `Result<_, Diagnostic>` small).
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// The text of the offending line.
    pub source_line: String,
    /// How many characters of `source_line` to mark, starting at `column` (at least 1).
    pub width: u32,
    /// What PostgreSQL said beyond its message, when it reported the problem (boxed, like
    /// `help`, to keep `Result<_, Diagnostic>` small).
    pub postgres: Option<Box<PostgresReport>>,
    /// quarry's advice: what the user can do about it.
    pub help: Option<Box<str>>,
}

/// The parts of a PostgreSQL error report shown under the marked line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresReport {
    /// The SQLSTATE, e.g. `42703`, shown as `error[42703]`.
    pub code: String,
    /// PostgreSQL's DETAIL field.
    pub detail: Option<String>,
    /// PostgreSQL's HINT field.
    pub hint: Option<String>,
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
            line: saturate(line),
            column: saturate(column),
            source_line,
            width: saturate(width),
            postgres: None,
            help: None,
        }
    }

    /// Makes this a warning.
    pub fn warning(mut self) -> Self {
        self.level = Level::Warning;
        self
    }

    /// Adds quarry's advice (a `= help:` line).
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into().into_boxed_str());
        self
    }

    /// Attaches what PostgreSQL reported: its SQLSTATE, DETAIL and HINT.
    pub fn with_postgres(mut self, error: &crate::pg::DbError) -> Self {
        self.postgres = Some(Box::new(PostgresReport {
            code: error.code().to_string(),
            detail: error.detail().map(str::to_string),
            hint: error.hint().map(str::to_string),
        }));
        self
    }

    /// The report as text; `colour` adds ANSI colours (only for terminals).
    pub fn render(&self, colour: bool) -> String {
        let paint = Paint(colour);
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        let (level, level_style) = match self.level {
            Level::Error => ("error", RED),
            Level::Warning => ("warning", YELLOW),
        };
        let code = self
            .postgres
            .as_ref()
            .map_or(String::new(), |pg| format!("[{}]", pg.code));
        let bar = paint.style(BLUE, "|");
        let mut out = format!(
            "{}{}\n",
            paint.style(level_style, &format!("{level}{code}")),
            paint.style(BOLD, &format!(": {}", self.message))
        );
        out += &format!(
            "{pad}{} {}:{}:{}\n",
            paint.style(BLUE, "-->"),
            self.file,
            self.line,
            self.column
        );
        out += &format!("{pad} {bar}\n");
        out += &format!(
            "{} {bar} {}\n",
            paint.style(BLUE, &self.line.to_string()),
            self.source_line
        );
        let marker = "^".repeat(self.width as usize);
        out += &format!(
            "{pad} {bar} {}{}",
            " ".repeat(self.column as usize - 1),
            paint.style(level_style, &marker)
        );
        let mut notes: Vec<(&str, &str)> = Vec::new();
        if let Some(pg) = &self.postgres {
            notes.extend(pg.detail.as_deref().map(|d| ("detail", d)));
            notes.extend(pg.hint.as_deref().map(|h| ("hint", h)));
        }
        notes.extend(self.help.as_deref().map(|h| ("help", h)));
        for (label, text) in notes {
            out += &format!(
                "\n{pad} {} {}: {text}",
                paint.style(BLUE, "="),
                paint.style(BOLD, label)
            );
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// Whether standard error is a terminal that wants colour (`NO_COLOR` unset, `TERM` not `dumb`).
pub fn stderr_wants_colour() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";
const BOLD: &str = "\x1b[1m";

/// The word `error`, styled like a diagnostic's level (for errors that have no location).
pub(crate) fn error_label(colour: bool) -> String {
    Paint(colour).style(RED, "error")
}

/// Wraps text in an ANSI style when colour is on.
struct Paint(bool);

impl Paint {
    fn style(&self, style: &str, text: &str) -> String {
        if self.0 {
            format!("{style}{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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
        let d = Diagnostic::at(&file, 23..28, "column \"bogus\" does not exist").with_help("check it");
        assert_eq!(
            d.to_string(),
            "error: column \"bogus\" does not exist\n --> q.sql:2:8\n  |\n2 | SELECT bogus;\n  |        ^^^^^\n  = help: check it"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let file = SourceFile::new("q.sql", "SELECT 'é', x");
        assert_eq!(file.line_col(13), (1, 13));
    }

    #[test]
    fn colour_wraps_level_marker_and_labels_only() {
        let file = SourceFile::new("q.sql", "SELECT bogus;");
        let d = Diagnostic::at(&file, 7..12, "no such column").with_help("fix it");
        let coloured = d.render(true);
        assert!(coloured.starts_with("\x1b[1;31merror\x1b[0m\x1b[1m: no such column\x1b[0m\n"));
        assert!(coloured.contains("\x1b[1;31m^^^^^\x1b[0m"));
        let stripped = coloured
            .split('\x1b')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    &part[part.find('m').unwrap() + 1..]
                }
            })
            .collect::<String>();
        assert_eq!(stripped, d.render(false), "colour changes nothing but escapes");
    }
}
