fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `queries/` and its settings (column overrides included): `queries/quarry.toml`, which
    // tests/build.rs reads too.
    quarry_codegen::Config::from_file("../queries/quarry.toml")?.compile()?;
    Ok(())
}
