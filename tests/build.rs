//! Generates the async and the sync flavour of `../queries` from the same model.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    quarry_codegen::Config::new()
        .queries("../queries")
        .schema("../queries/schema.sql")
        .compile()?;
    quarry_codegen::Config::new()
        .queries("../queries")
        .schema("../queries/schema.sql")
        .sync(true)
        .include_dir("quarry_sync")
        .compile()?;
    Ok(())
}
