fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = || {
        let mut config = quarry_codegen::Config::new();
        config
            .queries("queries")
            .schema("queries/schema.sql")
            .read_database_url_from_env(false);
        config
    };
    config().compile()?;
    config().sync(true).include_dir("quarry_sync").compile()?;
    Ok(())
}
