//! What quarry knows about functions: which never return `NULL`, which return `NULL` only
//! for a `NULL` argument, and how aggregates and window functions behave.
//!
//! "Strict" in PostgreSQL's catalog (`NULL` in → `NULL` out) is not enough for soundness:
//! a strict function may still return `NULL` for non-null input (`array_length('{}', 1)`,
//! `regexp_match`, `jsonb ->> 'missing'`). So these lists are hand-checked, and any function
//! not listed is taken as possibly `NULL`.

/// Functions that return `NULL` only when an argument is `NULL` (non-null in → non-null out).
pub(super) const NULL_PRESERVING: &[&str] = &[
    // strings
    "lower",
    "upper",
    "initcap",
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "bit_length",
    "btrim",
    "ltrim",
    "rtrim",
    "trim",
    "lpad",
    "rpad",
    "left",
    "right",
    "repeat",
    "replace",
    "reverse",
    "substr",
    "strpos",
    "position",
    "split_part",
    "translate",
    "md5",
    "sha256",
    "sha512",
    "ascii",
    "chr",
    "quote_ident",
    "quote_literal",
    "to_hex",
    "starts_with",
    "encode",
    "decode",
    "overlay",
    "textlen",
    "format",
    "regexp_replace",
    "regexp_split_to_array",
    "regexp_count",
    "regexp_instr",
    "regexp_like",
    "normalize",
    "to_number",
    "to_ascii",
    "unistr",
    "parse_ident",
    "sha224",
    "sha384",
    "convert_from",
    "convert_to",
    "bit_count",
    "get_bit",
    "get_byte",
    "set_bit",
    "set_byte",
    "gen_random_bytes",
    // numbers
    "abs",
    "round",
    "ceil",
    "ceiling",
    "floor",
    "trunc",
    "sign",
    "mod",
    "div",
    "power",
    "pow",
    "sqrt",
    "cbrt",
    "exp",
    "ln",
    "log",
    "log10",
    "degrees",
    "radians",
    "gcd",
    "lcm",
    "width_bucket",
    "factorial",
    "scale",
    "min_scale",
    "trim_scale",
    "atan2",
    "atan2d",
    "sin",
    "cos",
    "tan",
    "cot",
    "asin",
    "acos",
    "atan",
    "sind",
    "cosd",
    "tand",
    "cotd",
    "asind",
    "acosd",
    "atand",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    // dates and times
    "date_trunc",
    "date_part",
    "extract",
    "age",
    "to_char",
    "to_timestamp",
    "to_date",
    "make_date",
    "make_time",
    "make_timestamp",
    "make_timestamptz",
    "make_interval",
    "justify_days",
    "justify_hours",
    "justify_interval",
    "timezone",
    "date_bin",
    "isfinite",
    "date_add",
    "date_subtract",
    // json, arrays, misc
    "to_json",
    "to_jsonb",
    "jsonb_typeof",
    "json_typeof",
    "jsonb_pretty",
    "row_to_json",
    "array_to_json",
    "cardinality",
    "array_to_string",
    "array_append",
    "array_prepend",
    "array_cat",
    "array_remove",
    "array_replace",
    "string_to_array",
    "jsonb_set",
    "jsonb_insert",
    "jsonb_strip_nulls",
    "json_strip_nulls",
    "int4",
    "int8",
    "int2",
    "float8",
    "float4",
    "numeric",
    "text",
    "bool",
    "date",
    "uuid",
    "hashtext",
    "pg_column_size",
    "host",
    "family",
    "masklen",
    "abbrev",
    "broadcast",
    "hostmask",
    "netmask",
    "network",
    "set_masklen",
    "inet_merge",
    "inet_same_family",
    // arrays (array_length, array_upper/lower, array_dims, array_ndims are NULL for an empty
    // array and stay out)
    "array_positions",
    "array_fill",
    "array_shuffle",
    "trim_array",
    "jsonb_array_length",
    "json_array_length",
    // text search
    "to_tsvector",
    "to_tsquery",
    "plainto_tsquery",
    "phraseto_tsquery",
    "websearch_to_tsquery",
    "ts_rank",
    "ts_rank_cd",
    "ts_headline",
    "setweight",
    "strip",
    "numnode",
    "querytree",
    "array_to_tsvector",
    "tsvector_to_array",
    "ts_delete",
    "ts_filter",
    // sequences, locks and session (strict: NULL only for a NULL argument)
    "nextval",
    "currval",
    "setval",
    "current_schemas",
    "pg_try_advisory_lock",
    "pg_try_advisory_xact_lock",
    "pg_try_advisory_lock_shared",
    "pg_try_advisory_xact_lock_shared",
    "pg_advisory_lock",
    "pg_advisory_xact_lock",
    "pg_advisory_lock_shared",
    "pg_advisory_xact_lock_shared",
    "pg_advisory_unlock",
    "pg_advisory_unlock_shared",
    "pg_sleep",
    "pg_notify",
    "pg_size_pretty",
];

/// Functions that never return `NULL`, whatever their arguments.
pub(super) const NEVER_NULL: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "timeofday",
    "random",
    "gen_random_uuid",
    "uuid_generate_v4",
    "concat",
    "num_nulls",
    "num_nonnulls",
    "current_user",
    "session_user",
    "current_database",
    "version",
    "pg_backend_pid",
    "txid_current",
    "json_build_object",
    "jsonb_build_object",
    "json_build_array",
    "jsonb_build_array",
    "row",
    "pg_typeof",
    "pi",
    "random_normal",
    "quote_nullable",
    "lastval",
    "pg_current_xact_id",
    "pg_current_snapshot",
    "txid_current_snapshot",
    "pg_postmaster_start_time",
    "pg_conf_load_time",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuidv4",
    "uuidv7",
];

/// Window functions that never return `NULL`.
pub(super) const WINDOW_NEVER_NULL: &[&str] =
    &["row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile"];

/// Window functions that read another row, which may not exist.
pub(super) const WINDOW_OTHER_ROW: &[&str] = &["lag", "lead", "first_value", "last_value", "nth_value"];

/// How an aggregate behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Aggregate {
    /// `count`: never `NULL`.
    Count,
    /// `array_agg`, `json_agg`…: `NULL` only over no rows (elements may be `NULL`).
    Collect,
    /// `sum`, `max`, `string_agg`…: `NULL` over no rows or when every input is `NULL`.
    SkipsNulls,
    /// `stddev`, `variance`, percentiles…: may be `NULL` even over non-null rows.
    MayBeNull,
}

/// The aggregate called `name`, if it is one quarry knows.
pub(super) fn aggregate(name: &str) -> Option<Aggregate> {
    Some(match name {
        "count" => Aggregate::Count,
        "array_agg" | "json_agg" | "jsonb_agg" | "json_object_agg" | "jsonb_object_agg" | "xmlagg" => {
            Aggregate::Collect
        }
        "sum"
        | "avg"
        | "min"
        | "max"
        | "string_agg"
        | "bool_and"
        | "bool_or"
        | "every"
        | "bit_and"
        | "bit_or"
        | "bit_xor"
        | "range_agg"
        | "range_intersect_agg" => Aggregate::SkipsNulls,
        "stddev" | "stddev_samp" | "stddev_pop" | "variance" | "var_samp" | "var_pop" | "corr" | "covar_pop"
        | "covar_samp" | "regr_slope" | "regr_intercept" | "regr_r2" | "regr_avgx" | "regr_avgy" | "regr_sxx"
        | "regr_syy" | "regr_sxy" | "regr_count" | "percentile_cont" | "percentile_disc" | "mode" | "any_value" => {
            Aggregate::MayBeNull
        }
        _ => return None,
    })
}
