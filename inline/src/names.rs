//! The rules every generated Rust name obeys, in one place for the code generator and the
//! `query!` macro: which names are identifiers, which need `r#`, which cannot be written.

/// Rust keywords (strict, reserved and edition-2024 ones): usable only as `r#name`.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait",
    "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Names that cannot be written even as raw identifiers (or, `_`, cannot name anything).
pub const UNWRITABLE: [&str; 5] = ["_", "self", "super", "crate", "Self"];

/// Whether `name` needs `r#` to be used as a name.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// An ASCII identifier: letters, digits and `_`, not starting with a digit.
pub fn is_ascii_ident(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether generated code can use `name` as a function, field or module name: an ASCII
/// identifier that is not one of the names no `r#` can escape.
pub fn is_rust_name(name: &str) -> bool {
    is_ascii_ident(name) && !UNWRITABLE.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_escapable_names_and_unwritable_ones() {
        assert!(is_keyword("type") && is_keyword("gen") && !is_keyword("kind"));
        assert!(is_rust_name("r#type".trim_start_matches("r#")) && is_rust_name("_1st"));
        assert!(!is_rust_name("self") && !is_rust_name("_") && !is_rust_name("1st") && !is_rust_name("naïve"));
    }
}
