// This crate has no build script, so there is no OUT_DIR to include from.
quarry::include_queries!();

fn main() {}
