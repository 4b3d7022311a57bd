fn main() -> Result<(), Box<dyn std::error::Error>> {
    quarry_codegen::Config::new()
        .queries("../queries")
        .schema("../queries/schema.sql")
        // Column overrides used by `queries/all_types.sql` (see docs/types.md).
        .query_column_type("get_maybe_texts.maybe_texts", "Vec<Option<String>>")
        .query_column_type("insert_arrays.maybe_texts", "Vec<Option<String>>")
        .query_column_type(
            "get_infinite.ts",
            "quarry::types::Timestamp<quarry::chrono::NaiveDateTime>",
        )
        .query_column_type("get_infinite.d", "quarry::types::Date<quarry::chrono::NaiveDate>")
        .query_column_type("get_grid.grid", "quarry::types::Array<i32>")
        .query_column_type("set_grid.grid", "quarry::types::Array<i32>")
        .compile()?;
    Ok(())
}
