fn main() -> Result<(), Box<dyn std::error::Error>> {
    quarry_codegen::Config::new()
        .queries("../queries")
        .schema("../queries/schema.sql")
        .compile()?;
    Ok(())
}
