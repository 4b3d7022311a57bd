//! The nullability corpus (`tests/nullability/`): ≥ 120 queries over 12 tables and 2 views,
//! each with the truth decided by hand in its `-- expect:` line.
//!
//! - Soundness by expectation: no column the truth calls nullable may be typed non-null.
//! - Soundness by execution: every generated corpus function runs on tables full of NULLs and
//!   outer joins that miss, and on empty tables, without a decode error.
//! - Precision: the share of truly non-null columns typed non-null (printed; ≥ 95 % kept).
//! - The same three for array elements (`arrays.sql`, `[!]`/`[?]` after a column): generated
//!   with `nullable_array_elements`, so only elements quarry proves non-null are not `Option`.

use quarry::ErrorKind;
use quarry_codegen::emit::Layout;
use quarry_tests::corpus_calls::call_all;
use quarry_tests::db::fresh_database_with;

const SCHEMA: &str = include_str!("../nullability/schema.sql");
const ROWS: &str = include_str!("../nullability/data/rows.sql");

#[test]
fn corpus_is_sound_and_precise() {
    let generated = quarry_codegen::Config::new()
        .queries("nullability")
        .schema("nullability/schema.sql")
        .nullable_array_elements(true)
        .read_database_url_from_env(false)
        .run(&Layout::Files)
        .unwrap();
    let (mut queries, mut truly_non_null, mut typed_non_null) = (0, 0, 0);
    let (mut unsound, mut imprecise) = (Vec::new(), Vec::new());
    let mut elements = Tally::default();
    for module in &generated.model.modules {
        for query in &module.queries {
            queries += 1;
            let name = format!("{}::{}", module.name, query.fn_name);
            let expect = query
                .docs
                .iter()
                .find_map(|d| d.strip_prefix("expect:"))
                .unwrap_or_else(|| panic!("{name} has no `-- expect:` line"));
            let expected: Vec<Expected<'_>> = expect.split_whitespace().map(Expected::parse).collect();
            let actual: Vec<(&str, bool)> = query.columns.iter().map(|c| (c.pg_name.as_str(), c.nullable)).collect();
            assert_eq!(
                expected.iter().map(|e| e.column).collect::<Vec<_>>(),
                actual.iter().map(|a| a.0).collect::<Vec<_>>(),
                "{name}: the expect line names other columns"
            );
            for (expected, c) in expected.iter().zip(&query.columns) {
                let (column, truth_nullable) = (expected.column, expected.nullable);
                elements.count(&name, expected, c);
                if !truth_nullable {
                    truly_non_null += 1;
                    if c.nullable {
                        imprecise.push(format!("{name}.{column}: {}", c.nullability_reason));
                    } else {
                        typed_non_null += 1;
                    }
                } else if !c.nullable {
                    unsound.push(format!("{name}.{column}: {}", c.nullability_reason));
                }
            }
        }
    }
    let precision = typed_non_null as f64 / truly_non_null as f64;
    println!("corpus: {queries} queries; {typed_non_null} of {truly_non_null} truly non-null columns typed non-null");
    println!("precision: {:.1} %; unsound: {}", precision * 100.0, unsound.len());
    for miss in &imprecise {
        println!("  typed nullable, truly non-null: {miss}");
    }
    elements.report();
    composite_fields(&generated.model);
    json_keys(&generated.model);
    assert!(queries >= 120, "the corpus has {queries} queries");
    assert!(unsound.is_empty(), "unsound verdicts:\n{}", unsound.join("\n"));
    assert!(
        precision >= 0.95,
        "precision {:.1} % fell below 95 %",
        precision * 100.0
    );
}

/// One column of an `-- expect:` line: `name!` / `name?`, then `[!]` / `[?]` for an array's
/// elements.
struct Expected<'a> {
    column: &'a str,
    nullable: bool,
    elements_nullable: Option<bool>,
}

impl<'a> Expected<'a> {
    fn parse(word: &'a str) -> Self {
        let (head, elements) = match word.strip_suffix("[!]").or_else(|| word.strip_suffix("[?]")) {
            Some(head) => (head, Some(word.ends_with("[?]"))),
            None => (word, None),
        };
        Expected {
            column: &head[..head.len() - 1],
            nullable: head.ends_with('?'),
            elements_nullable: elements,
        }
    }
}

/// Array elements: the truth against the type (`Vec<T>` claims non-null elements).
#[derive(Default)]
struct Tally {
    truly_non_null: usize,
    typed_non_null: usize,
    unsound: Vec<String>,
    imprecise: Vec<String>,
}

impl Tally {
    fn count(&mut self, query: &str, expected: &Expected<'_>, column: &quarry_codegen::model::Column) {
        let is_array = column.ty.owned.starts_with("::std::vec::Vec<");
        let Some(truth_nullable) = expected.elements_nullable else {
            assert!(!is_array, "{query}.{}: an array needs `[!]` or `[?]`", expected.column);
            return;
        };
        assert!(is_array, "{query}.{} is not an array", expected.column);
        let typed_non_null = !column.ty.owned.contains("Vec<::core::option::Option<");
        let line = format!("{query}.{}: {}", expected.column, column.nullability_reason);
        match (truth_nullable, typed_non_null) {
            (true, true) => self.unsound.push(line),
            (false, true) => {
                self.truly_non_null += 1;
                self.typed_non_null += 1;
            }
            (false, false) => {
                self.truly_non_null += 1;
                self.imprecise.push(line);
            }
            (true, false) => {}
        }
    }

    fn report(&self) {
        println!(
            "array elements: {} of {} truly non-null typed non-null; unsound: {}",
            self.typed_non_null,
            self.truly_non_null,
            self.unsound.len()
        );
        for miss in &self.imprecise {
            println!("  elements typed Option, truly non-null: {miss}");
        }
        assert!(self.truly_non_null >= 10, "the corpus has too few array cases");
        assert!(
            self.unsound.is_empty(),
            "unsound element verdicts:\n{}",
            self.unsound.join("\n")
        );
    }
}

/// Table row types used as values (`composites.sql`) decode into the tables' shared `models`
/// structs: every NOT NULL column (read from the fixture schema's text) is a non-`Option`
/// field, every other one `Option` (the execution tests decode them against rows full of NULLs).
fn composite_fields(model: &quarry_codegen::model::Model) {
    let (mut fields, mut non_null) = (0, 0);
    for table in model.tables.iter().filter(|t| t.row_type) {
        let name = table.table.trim_start_matches("public.");
        let start = SCHEMA
            .find(&format!("CREATE TABLE {name} ("))
            .unwrap_or_else(|| panic!("{name} is in the schema"));
        let body = &SCHEMA[start..start + SCHEMA[start..].find("\n);").expect("a closed CREATE TABLE")];
        for column in &table.columns {
            let line = body
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{} ", column.pg_name)))
                .unwrap_or_else(|| panic!("{name}.{} is declared", column.pg_name));
            let declared_not_null = line.contains("NOT NULL") || line.contains("PRIMARY KEY");
            assert_eq!(declared_not_null, !column.nullable, "{name}.{}", column.pg_name);
            fields += 1;
            non_null += usize::from(!column.nullable);
        }
    }
    assert!(
        model.user_types.iter().all(|t| !t.table_row),
        "table row types map to models, not to composites of their own"
    );
    println!("composite fields of table row types: {non_null} of {fields} typed non-null (the NOT NULL columns)");
    assert!(non_null >= 10, "composites.sql uses table row types");
}

/// Keys of the JSON objects the corpus builds (`json.sql`): how many are typed non-null. Their
/// soundness is checked by decoding: the execution tests below run every corpus function
/// against rows full of NULLs, and a non-null key holding null fails to decode.
fn json_keys(model: &quarry_codegen::model::Model) {
    let keys: Vec<_> = model
        .modules
        .iter()
        .flat_map(|m| &m.queries)
        .flat_map(|q| &q.json_structs)
        .flat_map(|s| &s.fields)
        .collect();
    let non_null = keys.iter().filter(|k| !k.nullable).count();
    println!(
        "JSON object keys: {non_null} of {} typed non-null (decoded against rows full of NULLs)",
        keys.len()
    );
    assert!(keys.len() >= 15, "json.sql builds objects");
}

async fn run_corpus(scripts: &[&str]) -> Vec<String> {
    let client = quarry::Client::connect(&fresh_database_with(scripts)).await.unwrap();
    let results = call_all(&client).await;
    assert!(results.len() >= 120);
    results
        .into_iter()
        .filter_map(|(name, result)| match result {
            Ok(_) => None,
            Err(e) if e.kind() == ErrorKind::RowCount => None,
            Err(e) => Some(format!("{name}: {e}")),
        })
        .collect()
}

#[tokio::test]
async fn every_generated_function_decodes_rows_full_of_nulls() {
    let failures = run_corpus(&[SCHEMA, ROWS]).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_generated_function_decodes_results_over_empty_tables() {
    let failures = run_corpus(&[SCHEMA]).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
