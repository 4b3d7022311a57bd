//! Typed values read from the JSON PostgreSQL builds for nested results: `json_agg(b)`,
//! `json_build_object('id', l.id, …)`, `to_jsonb(p)` (docs/nested.md).
//!
//! The generator knows the SQL type of every value inside such JSON, so each is decoded from
//! the form PostgreSQL's `to_json` gives that type, and only types whose JSON form holds the
//! value exactly are allowed (the generator refuses the others): numbers keep their digits
//! (`numeric` is read from the number's text, never through `f64`), `timestamptz` keeps its
//! offset, `float8`'s `"NaN"`/`"Infinity"` strings are read back. A value that does not fit
//! its type is a decode error naming where it sits (`lines[2].product.price`).

use serde_json::value::RawValue;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A value with a known JSON form, as PostgreSQL's `to_json` writes it.
///
/// Implemented for the scalar types allowed in nested results, `Option`, `Vec`, and by the
/// generator for the structs of JSON objects, the tables' `models` and enums.
pub trait FromJson: Sized {
    /// Decodes a JSON value that is not `null`.
    fn from_json(raw: &RawValue) -> Result<Self, JsonError>;

    /// The value for JSON `null` (or SQL `NULL`): an error unless the type is an `Option`.
    fn from_null() -> Result<Self, JsonError> {
        Err(JsonError::new("null where the query proves a value"))
    }
}

/// Decodes `raw`, `null` included.
pub fn decode<T: FromJson>(raw: &RawValue) -> Result<T, JsonError> {
    match raw.get() {
        "null" => T::from_null(),
        _ => T::from_json(raw),
    }
}

/// A JSON value that does not fit the type the query gives it, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    path: Vec<String>,
    message: String,
}

impl JsonError {
    /// An error at the value being decoded.
    pub fn new(message: impl Into<String>) -> Self {
        JsonError {
            path: Vec::new(),
            message: message.into(),
        }
    }

    /// The same error, one level further out: inside key or index `segment`.
    pub fn inside(mut self, segment: impl Into<String>) -> Self {
        self.path.push(segment.into());
        self
    }

    /// Where the value sits, from the column down (`[2].product.price`).
    pub fn path(&self) -> String {
        let mut path = String::new();
        for segment in self.path.iter().rev() {
            if !segment.starts_with('[') {
                path.push('.');
            }
            path.push_str(segment);
        }
        path
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path.is_empty() {
            true => write!(f, "{}", self.message),
            false => write!(f, "at {}: {}", self.path().trim_start_matches('.'), self.message),
        }
    }
}

impl std::error::Error for JsonError {}

/// The keys of a JSON object, for a generated struct to take its fields from.
#[derive(Debug)]
pub struct JsonObject<'a> {
    fields: HashMap<String, &'a RawValue>,
}

impl<'a> JsonObject<'a> {
    /// Reads an object; anything else is an error.
    pub fn parse(raw: &'a RawValue) -> Result<Self, JsonError> {
        let fields = serde_json::from_str(raw.get()).map_err(|e| JsonError::new(format!("expected an object: {e}")))?;
        Ok(JsonObject { fields })
    }

    /// Decodes the value of `key`, which must be present (PostgreSQL writes every key it is
    /// given, `null` included).
    pub fn field<T: FromJson>(&mut self, key: &str) -> Result<T, JsonError> {
        let raw = self
            .fields
            .remove(key)
            .ok_or_else(|| JsonError::new(format!("the object has no key `{key}`")))?;
        decode(raw).map_err(|e| e.inside(key))
    }
}

fn parse<'a, T: serde::Deserialize<'a>>(raw: &'a RawValue, what: &str) -> Result<T, JsonError> {
    serde_json::from_str(raw.get())
        .map_err(|_| JsonError::new(format!("expected {what}, found `{}`", short(raw.get()))))
}

fn short(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// A JSON string's text.
fn string<'a>(raw: &'a RawValue, what: &str) -> Result<std::borrow::Cow<'a, str>, JsonError> {
    let text: std::borrow::Cow<'a, str> = parse(raw, what)?;
    Ok(text)
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(raw: &RawValue) -> Result<Self, JsonError> {
        T::from_json(raw).map(Some)
    }

    fn from_null() -> Result<Self, JsonError> {
        Ok(None)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(raw: &RawValue) -> Result<Self, JsonError> {
        let items: Vec<&RawValue> = parse(raw, "an array")?;
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| decode(item).map_err(|e| e.inside(format!("[{i}]"))))
            .collect()
    }
}

macro_rules! plain {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl FromJson for $ty {
            fn from_json(raw: &RawValue) -> Result<Self, JsonError> {
                parse(raw, $what)
            }
        }
    )*};
}
plain!(bool => "true or false", i16 => "an int2", i32 => "an int4", i64 => "an int8", String => "a string");

impl FromJson for serde_json::Value {
    fn from_json(raw: &RawValue) -> Result<Self, JsonError> {
        parse(raw, "JSON")
    }

    fn from_null() -> Result<Self, JsonError> {
        Ok(serde_json::Value::Null)
    }
}

/// `float4`/`float8`: a number, or the strings PostgreSQL writes for the values JSON lacks.
macro_rules! float {
    ($($ty:ty),*) => {$(
        impl FromJson for $ty {
            fn from_json(raw: &RawValue) -> Result<Self, JsonError> {
                match raw.get() {
                    "\"NaN\"" => Ok(<$ty>::NAN),
                    "\"Infinity\"" => Ok(<$ty>::INFINITY),
                    "\"-Infinity\"" => Ok(<$ty>::NEG_INFINITY),
                    _ => parse(raw, "a number"),
                }
            }
        }
    )*};
}
float!(f32, f64);

/// `numeric`, from the digits PostgreSQL wrote, never through a float.
impl FromJson for rust_decimal::Decimal {
    fn from_json(raw: &RawValue) -> Result<Self, JsonError> {
        let text = raw.get();
        let parsed = match text.contains(['e', 'E']) {
            true => rust_decimal::Decimal::from_scientific(text),
            false => rust_decimal::Decimal::from_str_exact(text),
        };
        parsed.map_err(|e| {
            JsonError::new(format!(
                "`{}` is not a numeric a Decimal holds exactly: {e}",
                short(text)
            ))
        })
    }
}

/// Text PostgreSQL writes inside a JSON string, parsed by the Rust type's `FromStr`-like rule.
macro_rules! textual {
    ($($ty:ty => $what:literal, $parse:expr);* $(;)?) => {$(
        impl FromJson for $ty {
            fn from_json(raw: &RawValue) -> Result<Self, JsonError> {
                let text = string(raw, $what)?;
                let parse: fn(&str) -> Option<$ty> = $parse;
                parse(&text).ok_or_else(|| JsonError::new(format!("`{}` is not {}", short(&text), $what)))
            }
        }
    )*};
}
textual! {
    uuid::Uuid => "a uuid", |s| uuid::Uuid::from_str(s).ok();
    chrono::NaiveDate => "a date (years 1 to 9999 AD)", |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    chrono::NaiveTime => "a time", |s| chrono::NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok();
    chrono::NaiveDateTime => "a timestamp (years 1 to 9999 AD)",
        |s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok();
    chrono::DateTime<chrono::Utc> => "a timestamptz (years 1 to 9999 AD)", |s| {
        // PostgreSQL writes the session's offset: `+00:00`, `+05:30`, or with seconds.
        chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%:z")
            .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%::z"))
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: FromJson>(json: &str) -> Result<T, JsonError> {
        decode(serde_json::from_str::<&RawValue>(json).unwrap())
    }

    #[test]
    fn scalars_read_back_what_postgres_writes() {
        assert_eq!(read::<i64>("9007199254740993").unwrap(), 9_007_199_254_740_993);
        assert_eq!(
            read::<rust_decimal::Decimal>("12.50").unwrap().to_string(),
            "12.50",
            "numeric keeps its digits"
        );
        assert!(read::<f64>("\"NaN\"").unwrap().is_nan());
        assert_eq!(read::<f32>("\"-Infinity\"").unwrap(), f32::NEG_INFINITY);
        let instant = read::<chrono::DateTime<chrono::Utc>>("\"2024-03-01T10:00:00.5+05:30\"").unwrap();
        assert_eq!(instant.to_rfc3339(), "2024-03-01T04:30:00.500+00:00");
        assert_eq!(read::<Option<String>>("null").unwrap(), None);
        assert_eq!(read::<String>("\"a\\\"b\"").unwrap(), "a\"b");
    }

    #[test]
    fn errors_say_where_the_value_is() {
        let error = read::<Vec<i32>>("[1, null]").unwrap_err();
        assert_eq!(error.to_string(), "at [1]: null where the query proves a value");
        let raw = serde_json::from_str::<&RawValue>(r#"{"id": "x"}"#).unwrap();
        let error = JsonObject::parse(raw).unwrap().field::<i32>("id").unwrap_err();
        assert_eq!(error.to_string(), "at id: expected an int4, found `\"x\"`");
        assert!(read::<chrono::NaiveDate>("\"infinity\"").is_err());
    }
}
