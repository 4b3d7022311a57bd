//! Rust names from SQL names: `snake_case` functions, fields and modules, `UpperCamelCase`
//! types, and singular struct names for tables — the names sqlc users already know — and the
//! rules every generated name obeys (the one place they live: which names are identifiers,
//! which need `r#`, which cannot be written at all).
//!
//! - An acronym's plural stays one word: `EventsByIDs` → `events_by_ids` / `EventsByIds`
//!   (heck alone splits it into `i_ds`).
//! - Table names are made singular with the rules sqlc uses (those of Rails' inflector, as in
//!   jinzhu/inflection, with sqlc's own exceptions): `authors` → `Author`, `statuses` →
//!   `Status`, `aliases` → `Alias`, `categories` → `Category`, `people` → `Person`.

use quarry_inline::names::UNWRITABLE;
pub use quarry_inline::names::{is_ascii_ident, is_keyword, is_rust_name};

/// The Rust variant for an enum label: UpperCamelCase, `V` in front of a leading digit,
/// `Empty` for the empty label.
pub fn variant(label: &str) -> String {
    let name: String = heck::AsUpperCamelCase(label)
        .to_string()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match name.chars().next() {
        None => "Empty".into(),
        Some(c) if c.is_ascii_digit() => format!("V{name}"),
        Some(_) if name == "Self" => "Self_".into(),
        Some(_) => name,
    }
}

/// The Rust field for a composite attribute: snake_case ASCII, `f` in front of a leading
/// digit, `_` after a name no `r#` can escape.
pub fn attribute(name: &str) -> String {
    let name: String = heck::AsSnakeCase(name)
        .to_string()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match name.chars().next() {
        None => "field".into(),
        Some(c) if c.is_ascii_digit() => format!("f{name}"),
        Some(_) if UNWRITABLE.contains(&name.as_str()) => format!("{name}_"),
        Some(_) => name,
    }
}

/// `snake_case`, keeping acronym plurals (`IDs`, `URLs`) whole.
pub fn snake(name: &str) -> String {
    heck::AsSnakeCase(acronym_plurals(name)).to_string()
}

/// `UpperCamelCase`, keeping acronym plurals whole.
pub fn camel(name: &str) -> String {
    heck::AsUpperCamelCase(acronym_plurals(name)).to_string()
}

/// `IDs` → `IDS`: a run of two or more capitals followed by a plural `s` that ends the word
/// (at the end, or before a capital, digit or `_`) is one word to heck.
fn acronym_plurals(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    for (i, &c) in chars.iter().enumerate() {
        let run = chars[..i].iter().rev().take_while(|c| c.is_ascii_uppercase()).count();
        let ends_word = chars
            .get(i + 1)
            .is_none_or(|n| n.is_ascii_uppercase() || n.is_ascii_digit() || *n == '_');
        if c == 's' && run >= 2 && ends_word {
            out.push('S');
        } else {
            out.push(c);
        }
    }
    out
}

/// The Rust field name of a result column: snake_case, Unicode letters kept (`"naïve"` →
/// `naïve`; Rust identifiers may be non-ASCII), a leading digit prefixed (`"1st"` → `_1st`).
/// `None` when no identifier can be made (`?column?`, punctuation only, `self`).
pub fn field(column: &str) -> Option<String> {
    // PostgreSQL's name for an expression without an alias: not a name at all.
    if column == "?column?" {
        return None;
    }
    let snake = snake(column);
    let name = if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{snake}")
    } else {
        snake
    };
    let mut chars = name.chars();
    let first = chars.next()?;
    let valid = (unicode_ident::is_xid_start(first) || first == '_')
        && chars.all(unicode_ident::is_xid_continue)
        && !UNWRITABLE.contains(&name.as_str());
    valid.then_some(name)
}

/// Words that are their own singular.
const UNCOUNTABLE: [&str; 13] = [
    "equipment",
    "information",
    "rice",
    "money",
    "species",
    "series",
    "fish",
    "sheep",
    "jeans",
    "police",
    // sqlc's exceptions to the inflector.
    "campus",
    "meta",
    "metadata",
];

/// Plural → singular for irregular words (and sqlc's fixes).
const IRREGULAR: [(&str, &str); 8] = [
    ("people", "person"),
    ("men", "man"),
    ("children", "child"),
    ("sexes", "sex"),
    ("moves", "move"),
    ("mombies", "mombie"),
    ("calories", "calorie"),
    ("waves", "wave"),
];

/// The singular of the last word of a (snake_case or plain) table name.
pub fn singular(name: &str) -> String {
    let split = name.rfind('_').map_or(0, |i| i + 1);
    let (head, word) = name.split_at(split);
    let lower = word.to_ascii_lowercase();
    if UNCOUNTABLE.contains(&lower.as_str()) {
        return name.to_string();
    }
    if let Some((_, one)) = IRREGULAR.iter().find(|(many, _)| *many == lower) {
        // Keep the first letter's case.
        let mut one = one.to_string();
        if word.starts_with(|c: char| c.is_ascii_uppercase()) {
            one[..1].make_ascii_uppercase();
        }
        return format!("{head}{one}");
    }
    let (keep, add) = singular_suffix(&lower);
    format!("{head}{}{add}", &word[..keep])
}

/// How many bytes of `word` (lower case) to keep, and what to append: the first matching rule
/// of the inflector's list, checked from the most specific.
fn singular_suffix(word: &str) -> (usize, &'static str) {
    let n = word.len();
    let ends = |s: &str| word.ends_with(s);
    let before = |suffix: &str| word[..n - suffix.len()].chars().last();
    let is_vowel_y = |c: char| "aeiouy".contains(c);
    let cut = |suffix: &str, add: &'static str| (n - suffix.len(), add);
    if ends("databases") {
        return cut("s", "");
    }
    if ends("quizzes") {
        return cut("zes", "");
    }
    if ends("matrices") {
        return cut("ices", "ix");
    }
    if ends("vertices") || ends("indices") {
        return cut("ices", "ex");
    }
    if word.starts_with("oxen") && n == 4 {
        return cut("en", "");
    }
    for stem in ["alias", "status"] {
        if ends(&format!("{stem}es")) {
            return cut("es", "");
        }
        if ends(stem) {
            return (n, "");
        }
    }
    for stem in ["octop", "vir"] {
        if ends(&format!("{stem}us")) {
            return (n, "");
        }
        if ends(&format!("{stem}i")) {
            return cut("i", "us");
        }
    }
    if word == "axes" {
        return cut("es", "is");
    }
    for stem in ["cris", "test"] {
        if ends(&format!("{stem}es")) {
            return cut("es", "is");
        }
        if ends(&format!("{stem}is")) {
            return (n, "");
        }
    }
    if ends("shoes") {
        return cut("s", "");
    }
    if ends("oes") {
        return cut("es", "");
    }
    if ends("buses") {
        return cut("es", "");
    }
    if ends("bus") {
        return (n, "");
    }
    if (word == "mice" || word == "lice") && n == 4 {
        return cut("ice", "ouse");
    }
    for suffix in ["xes", "ches", "sses", "shes"] {
        if ends(suffix) {
            return cut("es", "");
        }
    }
    if ends("movies") {
        return cut("s", "");
    }
    if ends("series") {
        return (n, "");
    }
    if ends("ies") && before("ies").is_some_and(|c| !is_vowel_y(c)) || ends("quies") {
        return cut("ies", "y");
    }
    if ends("lves") || ends("rves") {
        return cut("ves", "f");
    }
    if ends("tives") || ends("hives") {
        return cut("s", "");
    }
    if ends("ves") && before("ves").is_some_and(|c| c != 'f') {
        return cut("ves", "fe");
    }
    for stem in ["analy", "ba", "diagno", "parenthe", "progno", "synop", "the"] {
        if ends(&format!("{stem}ses")) {
            return cut("ses", "sis");
        }
        if ends(&format!("{stem}sis")) {
            return (n, "");
        }
    }
    if (ends("ta") || ends("ia")) && n > 2 {
        return cut("a", "um");
    }
    if ends("news") {
        return (n, "");
    }
    if ends("ss") {
        return (n, "");
    }
    if ends("s") {
        return cut("s", "");
    }
    (n, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronym_plurals_stay_whole() {
        assert_eq!(snake("EventsByIDs"), "events_by_ids");
        assert_eq!(camel("EventsByIDs"), "EventsByIds");
        assert_eq!(snake("GetURLsForUser"), "get_urls_for_user");
        assert_eq!(snake("ListIDs2"), "list_ids2");
        assert_eq!(snake("GetAuthor"), "get_author");
        assert_eq!(snake("list_tasks"), "list_tasks");
        assert_eq!(snake("UsersByStatus"), "users_by_status");
    }

    #[test]
    fn field_names_from_any_column_name() {
        assert_eq!(field("naïve").as_deref(), Some("naïve"));
        assert_eq!(field("Größe").as_deref(), Some("größe"));
        assert_eq!(field("1st").as_deref(), Some("_1st"));
        assert_eq!(field("created at").as_deref(), Some("created_at"));
        assert_eq!(field("?column?"), None);
        assert_eq!(field("self"), None);
        assert_eq!(field("***"), None);
    }

    #[test]
    fn singulars_as_sqlc_makes_them() {
        let cases = [
            ("authors", "author"),
            ("categories", "category"),
            ("addresses", "address"),
            ("boxes", "box"),
            ("status", "status"),
            ("statuses", "status"),
            ("aliases", "alias"),
            ("book_tags", "book_tag"),
            ("person", "person"),
            ("people", "person"),
            ("user_statuses", "user_status"),
            ("movies", "movie"),
            ("wolves", "wolf"),
            ("knives", "knife"),
            ("heroes", "hero"),
            ("analyses", "analysis"),
            ("data", "datum"),
            ("metadata", "metadata"),
            ("campus", "campus"),
            ("news", "news"),
            ("keys", "key"),
            ("buses", "bus"),
            ("matrices", "matrix"),
            ("indices", "index"),
            ("class", "class"),
            ("Users", "User"),
            ("calories", "calorie"),
        ];
        for (plural, one) in cases {
            assert_eq!(singular(plural), one, "{plural}");
        }
    }
}
