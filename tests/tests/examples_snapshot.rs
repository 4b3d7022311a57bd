//! The examples' committed inline-query snapshot is current (its own binary: `inline.rs`
//! sets environment variables, which must not race with this test's reads).

use quarry_codegen::Config;

/// examples/quarry.snapshot.json is what `cargo quarry regenerate` writes for
/// examples/inline.rs today (else the example would build from stale types).
#[test]
fn the_examples_snapshot_is_current() {
    let fresh = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("examples.snapshot.json");
    Config::from_file("../examples/quarry.toml")
        .unwrap()
        .read_database_url_from_env(false)
        .snapshot(&fresh)
        .regenerate()
        .unwrap();
    let committed = std::fs::read_to_string("../examples/quarry.snapshot.json").unwrap();
    assert!(
        std::fs::read_to_string(&fresh).unwrap() == committed,
        "examples/quarry.snapshot.json is stale: run `cargo quarry regenerate` in examples/"
    );
}
