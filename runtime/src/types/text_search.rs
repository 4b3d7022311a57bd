//! Full-text search values: [`TsVector`] and [`TsQuery`], decoded from PostgreSQL's binary
//! format into plain data and printed back in PostgreSQL's text syntax by `Display`.

use super::{read_i32, BoxError, FromSql, IsNull, ToSql, Type};
use bytes::BytesMut;
use std::fmt;

fn take<'a>(buf: &mut &'a [u8], n: usize) -> Result<&'a [u8], BoxError> {
    if buf.len() < n {
        return Err("unexpected end of value".into());
    }
    let (head, rest) = buf.split_at(n);
    *buf = rest;
    Ok(head)
}

fn take_u8(buf: &mut &[u8]) -> Result<u8, BoxError> {
    Ok(take(buf, 1)?[0])
}

fn take_u16(buf: &mut &[u8]) -> Result<u16, BoxError> {
    let b = take(buf, 2)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

/// A NUL-terminated UTF-8 string.
fn take_cstr(buf: &mut &[u8]) -> Result<String, BoxError> {
    let end = buf.iter().position(|&b| b == 0).ok_or("unterminated string")?;
    let text = std::str::from_utf8(&buf[..end])?.to_owned();
    *buf = &buf[end + 1..];
    Ok(text)
}

fn quote(f: &mut fmt::Formatter<'_>, word: &str) -> fmt::Result {
    write!(f, "'{}'", word.replace('\'', "''"))
}

/// One lexeme of a [`TsVector`] with its positions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TsVectorLexeme {
    /// The normalised word.
    pub word: String,
    /// Positions (1–16383) with their weight, `'A'`..=`'D'` (`'D'` is the default).
    pub positions: Vec<(u16, char)>,
}

/// `tsvector`: sorted, distinct lexemes with optional positions and weights.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TsVector(pub Vec<TsVectorLexeme>);

const WEIGHTS: [char; 4] = ['D', 'C', 'B', 'A'];

impl<'a> FromSql<'a> for TsVector {
    fn from_sql(_: &Type, mut raw: &'a [u8]) -> Result<Self, BoxError> {
        let count = read_i32(&mut raw)?;
        let mut lexemes = Vec::with_capacity(count.clamp(0, 4096) as usize);
        for _ in 0..count {
            let word = take_cstr(&mut raw)?;
            let n = take_u16(&mut raw)?;
            let positions = (0..n)
                .map(|_| take_u16(&mut raw).map(|p| (p & 0x3fff, WEIGHTS[usize::from(p >> 14)])))
                .collect::<Result<_, _>>()?;
            lexemes.push(TsVectorLexeme { word, positions });
        }
        Ok(TsVector(lexemes))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TS_VECTOR
    }
}

impl ToSql for TsVector {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let count = i32::try_from(self.0.len()).map_err(|_| "too many lexemes")?;
        out.extend_from_slice(&count.to_be_bytes());
        for lexeme in &self.0 {
            out.extend_from_slice(lexeme.word.as_bytes());
            out.extend_from_slice(&[0]);
            let n = u16::try_from(lexeme.positions.len()).map_err(|_| "too many positions")?;
            out.extend_from_slice(&n.to_be_bytes());
            for &(position, weight) in &lexeme.positions {
                let w = WEIGHTS
                    .iter()
                    .position(|&c| c == weight)
                    .ok_or("weight must be 'A'..='D'")?;
                out.extend_from_slice(&((position & 0x3fff) | ((w as u16) << 14)).to_be_bytes());
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TS_VECTOR
    }

    postgres_types::to_sql_checked!();
}

impl fmt::Display for TsVector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, lexeme) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            quote(f, &lexeme.word)?;
            for (j, (position, weight)) in lexeme.positions.iter().enumerate() {
                f.write_str(if j == 0 { ":" } else { "," })?;
                write!(f, "{position}")?;
                if *weight != 'D' {
                    write!(f, "{weight}")?;
                }
            }
        }
        Ok(())
    }
}

/// One node of a [`TsQuery`], in PostgreSQL's prefix order: an operator is followed by its
/// right operand, then its left one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TsQueryItem {
    /// A lexeme to match.
    Lexeme {
        /// The word.
        word: String,
        /// Weight mask: `A` = 8, `B` = 4, `C` = 2, `D` = 1; 0 matches any weight.
        weights: u8,
        /// A prefix match (`'word':*`).
        prefix: bool,
    },
    /// `!operand`.
    Not,
    /// `left & right`.
    And,
    /// `left | right`.
    Or,
    /// `left <distance> right` (`<->` is distance 1).
    Phrase(u16),
}

/// `tsquery`: a full-text query as PostgreSQL's flat prefix-order item list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TsQuery(pub Vec<TsQueryItem>);

impl<'a> FromSql<'a> for TsQuery {
    fn from_sql(_: &Type, mut raw: &'a [u8]) -> Result<Self, BoxError> {
        let count = read_i32(&mut raw)?;
        let mut items = Vec::with_capacity(count.clamp(0, 4096) as usize);
        for _ in 0..count {
            items.push(match (take_u8(&mut raw)?, take_u8(&mut raw)?) {
                (1, weights) => {
                    let prefix = take_u8(&mut raw)? != 0;
                    let word = take_cstr(&mut raw)?;
                    TsQueryItem::Lexeme { word, weights, prefix }
                }
                (2, 1) => TsQueryItem::Not,
                (2, 2) => TsQueryItem::And,
                (2, 3) => TsQueryItem::Or,
                (2, 4) => TsQueryItem::Phrase(take_u16(&mut raw)?),
                (kind, op) => return Err(format!("unknown tsquery item {kind}/{op}").into()),
            });
        }
        Ok(TsQuery(items))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TSQUERY
    }
}

impl ToSql for TsQuery {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let count = i32::try_from(self.0.len()).map_err(|_| "too many items")?;
        out.extend_from_slice(&count.to_be_bytes());
        for item in &self.0 {
            match item {
                TsQueryItem::Lexeme { word, weights, prefix } => {
                    out.extend_from_slice(&[1, *weights, u8::from(*prefix)]);
                    out.extend_from_slice(word.as_bytes());
                    out.extend_from_slice(&[0]);
                }
                TsQueryItem::Not => out.extend_from_slice(&[2, 1]),
                TsQueryItem::And => out.extend_from_slice(&[2, 2]),
                TsQueryItem::Or => out.extend_from_slice(&[2, 3]),
                TsQueryItem::Phrase(distance) => {
                    out.extend_from_slice(&[2, 4]);
                    out.extend_from_slice(&distance.to_be_bytes());
                }
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TSQUERY
    }

    postgres_types::to_sql_checked!();
}

impl fmt::Display for TsQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0.as_slice();
        while !rest.is_empty() {
            rest = write_item(f, rest, 0, false)?;
        }
        Ok(())
    }
}

/// Binding strength, as PostgreSQL prints it: `|` < `&` < `<->` < `!`.
fn priority(item: &TsQueryItem) -> u8 {
    match item {
        TsQueryItem::Or => 1,
        TsQueryItem::And => 2,
        TsQueryItem::Phrase(_) => 3,
        TsQueryItem::Not => 4,
        TsQueryItem::Lexeme { .. } => 5,
    }
}

/// Writes the subtree starting at `items[0]`, parenthesised the way PostgreSQL does (when
/// it binds looser than its parent, or is a phrase on the right of a phrase); returns what
/// follows it.
fn write_item<'i>(
    f: &mut fmt::Formatter<'_>,
    items: &'i [TsQueryItem],
    parent: u8,
    right_of_phrase: bool,
) -> Result<&'i [TsQueryItem], fmt::Error> {
    let (item, rest) = items.split_first().ok_or(fmt::Error)?;
    let operator = match item {
        TsQueryItem::Lexeme { word, weights, prefix } => {
            quote(f, word)?;
            if *prefix || *weights != 0 {
                f.write_str(":")?;
                if *prefix {
                    f.write_str("*")?;
                }
                for (bit, letter) in [(8, 'A'), (4, 'B'), (2, 'C'), (1, 'D')] {
                    if weights & bit != 0 {
                        write!(f, "{letter}")?;
                    }
                }
            }
            return Ok(rest);
        }
        TsQueryItem::Not => {
            f.write_str("!")?;
            return write_item(f, rest, priority(item), false);
        }
        TsQueryItem::And => " & ".to_string(),
        TsQueryItem::Or => " | ".to_string(),
        TsQueryItem::Phrase(1) => " <-> ".to_string(),
        TsQueryItem::Phrase(d) => format!(" <{d}> "),
    };
    let own = priority(item);
    let is_phrase = matches!(item, TsQueryItem::Phrase(_));
    let parenthesise = own < parent || (is_phrase && right_of_phrase);
    // Prefix order holds the right operand first; print the left one first.
    let right_len = subtree_len(rest).ok_or(fmt::Error)?;
    let (right, after) = rest.split_at(right_len);
    if parenthesise {
        f.write_str("( ")?;
    }
    let remaining = write_item(f, after, own, false)?;
    f.write_str(&operator)?;
    write_item(f, right, own, is_phrase)?;
    if parenthesise {
        f.write_str(" )")?;
    }
    Ok(remaining)
}

/// How many items the subtree starting at `items[0]` spans.
fn subtree_len(items: &[TsQueryItem]) -> Option<usize> {
    let mut needed = 1usize;
    for (i, item) in items.iter().enumerate() {
        needed = match item {
            TsQueryItem::Lexeme { .. } => needed - 1,
            TsQueryItem::Not => needed,
            _ => needed + 1,
        };
        if needed == 0 {
            return Some(i + 1);
        }
    }
    None
}
