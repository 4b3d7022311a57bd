//! What must not compile: calls that do not match the query's types, and a missing build script.

#[test]
fn compile_fail() {
    // `cargo test` exports this package's OUT_DIR to the test process, and trybuild's cargo
    // would inherit it; the test crates trybuild builds have no build script of their own.
    std::env::remove_var("OUT_DIR");
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
