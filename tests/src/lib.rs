//! The generated code under test (`queries/` in both flavours) and the test database helper.

/// Async functions over `quarry::GenericClient`.
pub mod asynchronous {
    quarry::include_queries!();
}

/// Blocking functions over `quarry::sync::GenericClient`.
pub mod blocking {
    quarry::include_queries!("quarry_sync");
}

pub mod db;
