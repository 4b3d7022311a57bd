//! A schema given as a folder of migrations: the files in version order, each reduced to its
//! "up" part, in the formats sqlc reads. The reading lives in `quarry_inline::migrations`,
//! shared with `quarry::migrations!` and `cargo quarry migrate`, so the schema code is
//! generated against is the schema the app applies (docs/migrations.md).

pub use quarry_inline::migrations::{read_dir, schema_files, up_part, MigrationFile};
