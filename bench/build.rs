fn main() -> Result<(), Box<dyn std::error::Error>> {
    quarry_codegen::Config::new()
        .queries("queries")
        .schema("queries/schema.sql")
        .read_database_url_from_env(false)
        .compile()?;
    Ok(())
}
