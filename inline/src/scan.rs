//! The SQL scanner: splits a `.sql` file into the few tokens quarry cares about — comments,
//! parameters, statement ends — while skipping everything PostgreSQL would not read as such.
//!
//! It understands `'…'` strings (`''` escapes), `E'…'` strings (backslash escapes),
//! `"quoted identifiers"`, `--` comments (and sqlc's `# name:` header lines), nested `/* … */` comments, `$$…$$` and `$tag$…$tag$`
//! bodies, `::` casts, `:=` named arguments and array slices (`a[1:2]`, `a[lo:hi]`).
//!
//! Parameter rules (documented in `docs/queries.md`):
//! - `:name` is a named parameter, `:name?` a nullable one (the `?` must touch the name);
//! - `@name` is a named parameter too (sqlc's spelling) when the name touches the `@` and no
//!   operator character precedes it, so `@>`, `<@`, `@@` and `@ x` stay operators;
//! - `$1` is a positional parameter;
//! - inside `[ … ]`, a colon that follows an operand (`a[1:2]`, `a[lo:hi]`) is a slice
//!   separator; after `[` or an operator it starts a parameter (`a[:n]` reads `n` as one).

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// `-- …` up to (not including) the end of the line.
    LineComment,
    /// `/* … */`, nesting included.
    BlockComment,
    /// A top-level `;`.
    Semicolon,
    /// A parameter reference.
    Param(ParamRef),
    /// Anything else that is not whitespace: keywords, identifiers, literals, operators.
    Code,
}

/// A parameter as written in the SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamRef {
    /// `:name` or `:name?`.
    Named {
        /// The name without the colon and question mark.
        name: String,
        /// Whether it was written `:name?`.
        nullable: bool,
    },
    /// `$n`.
    Positional(u32),
}

/// One token and the byte range it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it is, in bytes.
    pub span: Range<usize>,
}

/// Text the scanner cannot read: an unterminated literal or comment, or a bad parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// Where, in bytes.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: &'static str,
}

/// The index in `words` of the `close` that balances the `open` at index 0 (nesting counted),
/// for a token list viewed as text: `{ … }` in a template, `( … )` in SQL.
pub fn balanced<'a>(words: impl IntoIterator<Item = &'a str>, open: &str, close: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, word) in words.into_iter().enumerate() {
        if word == open {
            depth += 1;
        } else if word == close {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Scans a whole file.
pub fn scan(text: &str) -> Result<Vec<Token>, ScanError> {
    let mut scanner = Scanner {
        src: text.as_bytes(),
        text,
        pos: 0,
        tokens: Vec::new(),
        bracket_depth: 0,
        after_operand: false,
    };
    scanner.run()?;
    Ok(scanner.tokens)
}

struct Scanner<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    bracket_depth: u32,
    /// Whether the last significant token can end an expression (identifier, literal, `)`, `]`).
    after_operand: bool,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

impl Scanner<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    fn push(&mut self, kind: TokenKind, start: usize, operand: bool) {
        self.tokens.push(Token {
            kind,
            span: start..self.pos,
        });
        self.after_operand = operand;
    }

    fn run(&mut self) -> Result<(), ScanError> {
        while let Some(b) = self.peek(0) {
            let start = self.pos;
            match b {
                b if b.is_ascii_whitespace() => self.pos += 1,
                b'-' if self.peek(1) == Some(b'-') => self.line_comment(),
                // sqlc's `# name: …` header line (never valid PostgreSQL there).
                b'#' if self.hash_header() => self.line_comment(),
                // A UTF-8 byte-order mark (Windows editors write one) is not SQL.
                0xEF if start == 0 && self.src.starts_with(b"\xEF\xBB\xBF") => self.pos += 3,
                b'/' if self.peek(1) == Some(b'*') => self.block_comment()?,
                b'\'' => {
                    self.quoted(b'\'', false)?;
                    self.push(TokenKind::Code, start, true);
                }
                b'"' => {
                    self.quoted(b'"', false)?;
                    self.push(TokenKind::Code, start, true);
                }
                b'$' => self.dollar()?,
                b':' => self.colon()?,
                b'@' => self.at()?,
                b';' => {
                    self.pos += 1;
                    self.push(TokenKind::Semicolon, start, false);
                }
                b'[' | b'(' => {
                    self.bracket_depth += u32::from(b == b'[');
                    self.pos += 1;
                    self.push(TokenKind::Code, start, false);
                }
                b']' | b')' => {
                    if b == b']' {
                        self.bracket_depth = self.bracket_depth.saturating_sub(1);
                    }
                    self.pos += 1;
                    self.push(TokenKind::Code, start, true);
                }
                b if is_ident_start(b) => self.word()?,
                b if b.is_ascii_digit() => {
                    while self
                        .peek(0)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_')
                    {
                        self.pos += 1;
                    }
                    self.push(TokenKind::Code, start, true);
                }
                _ => {
                    self.pos += 1;
                    self.push(TokenKind::Code, start, false);
                }
            }
        }
        Ok(())
    }

    /// Whether a `#` at the current position starts a `# name:` line: only blanks before it
    /// on its line.
    fn hash_header(&self) -> bool {
        let line_start = self.text[..self.pos].rfind('\n').map_or(0, |i| i + 1);
        self.text[line_start..self.pos].trim().is_empty()
            && self.text[self.pos + 1..]
                .trim_start_matches([' ', '\t'])
                .starts_with("name:")
    }

    fn line_comment(&mut self) {
        let start = self.pos;
        let end = self.text[start..].find('\n').map_or(self.src.len(), |i| start + i);
        self.pos = end;
        let end = if self.text[..end].ends_with('\r') { end - 1 } else { end };
        // Comments do not change whether the previous token was an operand.
        self.tokens.push(Token {
            kind: TokenKind::LineComment,
            span: start..end,
        });
    }

    fn block_comment(&mut self) -> Result<(), ScanError> {
        let start = self.pos;
        let mut depth = 0u32;
        while self.pos < self.src.len() {
            if self.src[self.pos..].starts_with(b"/*") {
                depth += 1;
                self.pos += 2;
            } else if self.src[self.pos..].starts_with(b"*/") {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    self.tokens.push(Token {
                        kind: TokenKind::BlockComment,
                        span: start..self.pos,
                    });
                    return Ok(());
                }
            } else {
                self.pos += 1;
            }
        }
        Err(ScanError {
            span: start..start + 2,
            message: "unterminated block comment".into(),
            hint: "close it with `*/` (block comments nest: every `/*` needs its own `*/`)",
        })
    }

    /// A literal delimited by `quote`, with doubled-quote escapes and, for `E'…'`, backslashes.
    fn quoted(&mut self, quote: u8, backslash_escapes: bool) -> Result<(), ScanError> {
        let start = self.pos;
        self.pos += 1;
        while let Some(b) = self.peek(0) {
            let escaped = (backslash_escapes && b == b'\\') || (b == quote && self.peek(1) == Some(quote));
            if escaped {
                self.pos += 2;
            } else if b == quote {
                self.pos += 1;
                return Ok(());
            } else {
                self.pos += 1;
            }
        }
        self.pos = self.pos.min(self.src.len());
        let (message, hint) = if quote == b'"' {
            (
                "unterminated quoted identifier",
                "close it with `\"` (write `\"\"` for a double quote inside)",
            )
        } else {
            (
                "unterminated string literal",
                "close it with `'` (write `''` for a quote inside the string)",
            )
        };
        Err(ScanError {
            span: start..start + 1,
            message: message.into(),
            hint,
        })
    }

    /// `$1` (parameter), `$tag$ … $tag$` (dollar-quoted body), or a stray `$`.
    fn dollar(&mut self) -> Result<(), ScanError> {
        let start = self.pos;
        if self.peek(1).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
            }
            let digits = &self.text[start + 1..self.pos];
            let n = digits.parse::<u32>().ok().filter(|n| *n >= 1).ok_or(ScanError {
                span: start..self.pos,
                message: format!("invalid positional parameter `${digits}`"),
                hint: "positional parameters are numbered from $1",
            })?;
            self.push(TokenKind::Param(ParamRef::Positional(n)), start, true);
            return Ok(());
        }
        let mut end = self.pos + 1;
        if self.src.get(end).is_some_and(|b| is_ident_start(*b)) {
            while self
                .src
                .get(end)
                .is_some_and(|b| is_ident_start(*b) || b.is_ascii_digit())
            {
                end += 1;
            }
        }
        if self.src.get(end) != Some(&b'$') {
            self.pos += 1;
            self.push(TokenKind::Code, start, false);
            return Ok(());
        }
        let tag = &self.text[start..=end];
        match self.text[end + 1..].find(tag) {
            Some(i) => {
                self.pos = end + 1 + i + tag.len();
                self.push(TokenKind::Code, start, true);
                Ok(())
            }
            None => Err(ScanError {
                span: start..end + 1,
                message: format!("unterminated dollar-quoted string `{tag}`"),
                hint: "close the body with the same tag it was opened with",
            }),
        }
    }

    /// `::` cast, `:=` named argument, array slice `:`, or a `:name` parameter.
    fn colon(&mut self) -> Result<(), ScanError> {
        let start = self.pos;
        let next = self.peek(1);
        let slice = self.bracket_depth > 0 && self.after_operand;
        if next == Some(b':') || next == Some(b'=') {
            self.pos += 2;
            self.push(TokenKind::Code, start, false);
        } else if !slice && next.is_some_and(is_ident_start) {
            let name = self.param_name()?;
            let nullable = self.peek(0) == Some(b'?');
            self.pos += usize::from(nullable);
            self.push(TokenKind::Param(ParamRef::Named { name, nullable }), start, true);
        } else {
            self.pos += 1;
            self.push(TokenKind::Code, start, false);
        }
        Ok(())
    }

    /// `@name` (sqlc's named parameter) or the `@` of an operator (`@>`, `<@`, `@@`, `@ x`):
    /// a parameter only when a name follows at once and no operator character precedes.
    fn at(&mut self) -> Result<(), ScanError> {
        let start = self.pos;
        let after_operator = start > 0 && b"+-*/<>=~!@#%^&|`?".contains(&self.src[start - 1]);
        if after_operator || !self.peek(1).is_some_and(is_ident_start) {
            self.pos += 1;
            self.push(TokenKind::Code, start, false);
            return Ok(());
        }
        let name = self.param_name()?;
        self.push(TokenKind::Param(ParamRef::Named { name, nullable: false }), start, true);
        Ok(())
    }

    /// The name after the `:` or `@` at the current position, which it moves past.
    fn param_name(&mut self) -> Result<String, ScanError> {
        let start = self.pos;
        self.pos += 1;
        while self.peek(0).is_some_and(|b| is_ident_start(b) || b.is_ascii_digit()) {
            self.pos += 1;
        }
        let name = self.text[start + 1..self.pos].to_string();
        if !name.is_ascii() {
            return Err(ScanError {
                span: start..self.pos,
                message: format!("parameter name `{name}` is not ASCII"),
                hint: "parameter names become Rust identifiers: use ASCII letters, digits and `_`",
            });
        }
        Ok(name)
    }

    /// An identifier or keyword; `E'…'` starts an escape string.
    fn word(&mut self) -> Result<(), ScanError> {
        let start = self.pos;
        while self.peek(0).is_some_and(is_ident_char) {
            self.pos += 1;
        }
        let word = &self.text[start..self.pos];
        if self.peek(0) == Some(b'\'') {
            let escapes = word.eq_ignore_ascii_case("e");
            self.quoted(b'\'', escapes)?;
        }
        self.push(TokenKind::Code, start, true);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(sql: &str) -> Vec<ParamRef> {
        scan(sql)
            .unwrap()
            .into_iter()
            .filter_map(|t| match t.kind {
                TokenKind::Param(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    fn named(name: &str, nullable: bool) -> ParamRef {
        ParamRef::Named {
            name: name.into(),
            nullable,
        }
    }

    fn semicolons(sql: &str) -> usize {
        scan(sql)
            .unwrap()
            .iter()
            .filter(|t| t.kind == TokenKind::Semicolon)
            .count()
    }

    #[test]
    fn named_nullable_and_positional_parameters() {
        assert_eq!(
            params("SELECT :a, :b?, $2 FROM t WHERE x=:a"),
            vec![
                named("a", false),
                named("b", true),
                ParamRef::Positional(2),
                named("a", false)
            ]
        );
    }

    #[test]
    fn standard_strings_with_doubled_quotes() {
        assert_eq!(params("SELECT 'it''s :not; a param', :yes"), vec![named("yes", false)]);
        assert_eq!(semicolons("SELECT 'a;b'';c';"), 1);
    }

    #[test]
    fn standard_strings_keep_backslashes_literal() {
        // With standard_conforming_strings, '\' is a one-character string.
        assert_eq!(params(r"SELECT '\', :p"), vec![named("p", false)]);
    }

    #[test]
    fn escape_strings_with_backslashes() {
        assert_eq!(params(r"SELECT E'\' :no', e'\\', :p"), vec![named("p", false)]);
    }

    #[test]
    fn quoted_identifiers() {
        assert_eq!(
            params(r#"SELECT "a "" :b;" FROM t WHERE c = :c"#),
            vec![named("c", false)]
        );
    }

    #[test]
    fn line_comments() {
        assert_eq!(params("SELECT 1 -- :no ; here\n, :p"), vec![named("p", false)]);
        assert_eq!(semicolons("SELECT 1 -- ;\n;"), 1);
    }

    #[test]
    fn nested_block_comments() {
        assert_eq!(params("SELECT /* a /* :b; */ :c */ :d"), vec![named("d", false)]);
    }

    #[test]
    fn dollar_quoted_bodies() {
        assert_eq!(
            params("SELECT $$ :a; $$, $fn$ :b $$ ; $fn$, :c"),
            vec![named("c", false)]
        );
        assert_eq!(semicolons("DO $x$ BEGIN; END $x$;"), 1);
    }

    #[test]
    fn dollar_inside_identifiers_is_not_a_quote() {
        assert_eq!(params("SELECT a$b, :c FROM t$1"), vec![named("c", false)]);
    }

    #[test]
    fn at_names_are_parameters_but_at_operators_are_not() {
        assert_eq!(
            params("SELECT @id, a @> b, a <@ b, tsv @@ q, @ -1"),
            vec![named("id", false)]
        );
    }

    #[test]
    fn casts_are_not_parameters() {
        assert_eq!(
            params("SELECT :a::int, x::text, :b ::int"),
            vec![named("a", false), named("b", false)]
        );
    }

    #[test]
    fn array_slices_are_not_parameters() {
        assert_eq!(params("SELECT a[1:2], a[lo:hi], a[:n] FROM t"), vec![named("n", false)]);
        assert_eq!(params("SELECT a[:lo:hi]"), vec![named("lo", false)]);
    }

    #[test]
    fn named_function_arguments_are_not_parameters() {
        assert_eq!(params("SELECT f(a := 1, b => :b)"), vec![named("b", false)]);
    }

    #[test]
    fn unterminated_literals_are_errors() {
        assert_eq!(scan("SELECT 'abc").unwrap_err().message, "unterminated string literal");
        assert_eq!(
            scan("SELECT \"abc").unwrap_err().message,
            "unterminated quoted identifier"
        );
        assert_eq!(
            scan("SELECT /* /* */").unwrap_err().message,
            "unterminated block comment"
        );
        assert_eq!(
            scan("SELECT $a$ x $b$").unwrap_err().message,
            "unterminated dollar-quoted string `$a$`"
        );
        assert_eq!(scan("SELECT E'\\'").unwrap_err().span, 8..9);
    }

    #[test]
    fn non_ascii_parameter_names_are_errors() {
        let err = scan("SELECT :naïve").unwrap_err();
        assert_eq!(err.message, "parameter name `naïve` is not ASCII");
        assert_eq!(err.span, 7..14);
    }

    #[test]
    fn zero_positional_parameter_is_an_error() {
        assert_eq!(
            scan("SELECT $0").unwrap_err().message,
            "invalid positional parameter `$0`"
        );
    }
}
