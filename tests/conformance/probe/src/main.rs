//! `quarry-nullability-probe <sqlc file>`: for each PostgreSQL entry of an sqlc project, loads
//! its schema into a fresh database on a throwaway server (as generation loads it), fills every
//! table with NULL-rich rows (each nullable column NULL in one row, set in the other; foreign
//! keys off), runs every query that returns rows, inside a transaction rolled back, with
//! parameters that match those rows (NULL for a nullable one), and prints one JSON line:
//! queries run, rows read, errors, and every column typed non-null that held a NULL.
//!
//! Values are written as text literals cast to the column's type, chosen by the type's
//! category; a table the probe cannot fill (a CHECK it breaks, a type it cannot write) is left
//! empty, and a query it cannot run counts as an error — both are reported, neither is unsound.

use quarry_codegen::embedded::EmbeddedServer;
use quarry_codegen::emit::Layout;
use quarry_codegen::parse::QueryKind;
use quarry_codegen::scan::{scan, ParamRef, TokenKind};
use serde_json::json;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: quarry-nullability-probe <sqlc file>");
    let project = quarry_codegen::sqlc::Project::load(&path).unwrap_or_else(|e| fail(&format!("{e}")));
    let server = EmbeddedServer::start().unwrap_or_else(|e| fail(&format!("{e}")));
    let admin = connect(&server.connection_string("postgres")).await;
    let mut report = Report::default();
    for (n, package) in project.packages.iter().enumerate() {
        let db = format!("probe_{n}");
        admin.batch_execute(&format!("CREATE DATABASE {db}")).await.unwrap();
        let url = server.connection_string(&db);
        let (config, schema_url) = (package.config.clone(), url.clone());
        let loaded = std::thread::spawn(move || config.apply_schema(&schema_url))
            .join()
            .unwrap();
        if let Err(e) = loaded {
            fail(&format!("schema: {e}"));
        }
        let mut config = package.config.clone();
        config.database_url(url.clone()).read_database_url_from_env(false);
        let model = std::thread::spawn(move || config.run(&Layout::Files).map(|g| g.model))
            .join()
            .unwrap()
            .unwrap_or_else(|e| fail(&format!("generate: {e}")));
        let client = connect(&url).await;
        report.tables_unfilled += fill(&client).await;
        for module in &model.modules {
            for query in &module.queries {
                if matches!(query.kind.single(), QueryKind::Exec | QueryKind::CopyFrom) || query.columns.is_empty() {
                    continue;
                }
                report
                    .run(&client, &format!("{}::{}", module.name, query.fn_name), query)
                    .await;
            }
        }
    }
    println!(
        "{}",
        json!({
            "queries": report.queries, "rows": report.rows, "errors": report.errors,
            "tables_unfilled": report.tables_unfilled, "unsound": report.unsound,
        })
    );
}

fn fail(message: &str) -> ! {
    println!("{}", json!({ "failed": message }));
    std::process::exit(0)
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(connection);
    client
}

#[derive(Default)]
struct Report {
    queries: usize,
    rows: usize,
    errors: Vec<String>,
    tables_unfilled: usize,
    unsound: Vec<String>,
}

impl Report {
    async fn run(&mut self, client: &Client, name: &str, query: &quarry_codegen::model::Query) {
        let Some(sql) = with_literals(&query.sql, query) else {
            self.errors
                .push(format!("{name}: a parameter type the probe cannot write"));
            return;
        };
        self.queries += 1;
        let batch = format!("BEGIN; SET LOCAL statement_timeout = '5s'; {sql}; ROLLBACK");
        let messages = match client.simple_query(&batch).await {
            Ok(m) => m,
            Err(e) => {
                let _ = client.batch_execute("ROLLBACK").await;
                self.errors.push(format!(
                    "{name}: {}",
                    e.as_db_error().map_or(e.to_string(), |d| d.message().to_string())
                ));
                return;
            }
        };
        for message in messages {
            let SimpleQueryMessage::Row(row) = message else {
                continue;
            };
            if row.len() != query.columns.len() {
                continue; // the SET's or another statement's rows
            }
            self.rows += 1;
            for (i, column) in query.columns.iter().enumerate() {
                if !column.nullable && row.get(i).is_none() {
                    let finding = format!(
                        "{name}.{}: NULL, typed non-null ({})",
                        column.pg_name, column.nullability_reason
                    );
                    if !self.unsound.contains(&finding) {
                        self.unsound.push(finding);
                    }
                }
            }
        }
    }
}

/// The query with each `$n` replaced by a literal of its type: NULL for a nullable parameter,
/// else the value the filled rows hold (`1`, `'x1'`, …).
fn with_literals(sql: &str, query: &quarry_codegen::model::Query) -> Option<String> {
    let tokens = scan(sql).ok()?;
    let mut out = String::new();
    let mut at = 0;
    for token in tokens {
        if let TokenKind::Param(ParamRef::Positional(n)) = token.kind {
            let param = query.params.get(n as usize - 1)?;
            let ty = &param.ty.pg_name;
            let value = if param.nullable {
                "NULL".to_string()
            } else {
                literal_by_name(ty, 1)?
            };
            out.push_str(&sql[at..token.span.start]);
            out.push_str(&format!("({value})::{ty}"));
            at = token.span.end;
        }
    }
    out.push_str(&sql[at..]);
    Some(out)
}

/// A text literal for a type named `ty` (`int4`, `text[]`, `timestamptz`), variant `k`.
fn literal_by_name(ty: &str, k: u32) -> Option<String> {
    if ty.ends_with("[]") {
        return Some("'{}'".into());
    }
    let name = ty.rsplit('.').next().unwrap_or(ty);
    let category = match name {
        "int2" | "int4" | "int8" | "numeric" | "float4" | "float8" | "oid" | "money" | "smallint" | "integer"
        | "bigint" => 'N',
        "text" | "varchar" | "bpchar" | "name" | "citext" | "char" => 'S',
        "bool" | "boolean" => 'B',
        _ => return literal(name, '?', k),
    };
    literal(name, category, k)
}

/// A text literal for a type by name and category (pg_type.typcategory), variant `k`.
fn literal(name: &str, category: char, k: u32) -> Option<String> {
    Some(match (category, name) {
        (_, "bool" | "boolean") | ('B', _) => "'true'".into(),
        (_, "uuid") => format!("'00000000-0000-0000-0000-{k:012}'"),
        (_, "json" | "jsonb") => "'{}'".into(),
        (_, "bytea") => format!("'\\x0{k}'"),
        (_, "date") => format!("'2024-01-0{k}'"),
        (_, "timestamp" | "timestamptz") => format!("'2024-01-0{k} 12:00:00'"),
        (_, "time" | "timetz") => format!("'12:00:0{k}'"),
        (_, "interval") => format!("'{k} day'"),
        (_, "inet" | "cidr") => format!("'10.0.0.{k}'"),
        (_, "macaddr") => format!("'08:00:2b:01:02:0{k}'"),
        (_, "xml") => "'<a/>'".into(),
        (_, "tsvector" | "tsquery") => format!("'x{k}'"),
        (_, "point") => format!("'({k},{k})'"),
        (_, "bit" | "varbit") => "'1'".into(),
        ('N', _) => format!("'{k}'"),
        ('S', _) => format!("'x{k}'"),
        ('A', _) => "'{}'".into(),
        ('R', _) => "'empty'".into(),
        _ => return None,
    })
}

/// Two rows per table of the user schemas: nullable columns NULL in the first, set in the
/// second. Foreign keys and triggers are off (`session_replication_role = replica`). Returns
/// how many tables stayed empty.
async fn fill(client: &Client) -> usize {
    let columns = client
        .query(
            "SELECT c.oid::regclass::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                    a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '', t.typname::text,
                    coalesce(bt.typcategory, t.typcategory)::text, t.typtype::text,
                    CASE WHEN t.typtype = 'e' THEN (SELECT enumlabel::text FROM pg_enum WHERE enumtypid = t.oid ORDER BY enumsortorder LIMIT 1) END
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type bt ON bt.oid = t.typbasetype AND t.typtype = 'd'
             WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
             ORDER BY 1, a.attnum",
            &[],
        )
        .await
        .expect("read the catalog");
    let _ = client.batch_execute("SET session_replication_role = replica").await;
    let mut tables: Vec<(String, Vec<tokio_postgres::Row>)> = Vec::new();
    for row in columns {
        let table: String = row.get(0);
        match tables.last_mut() {
            Some((t, cols)) if *t == table => cols.push(row),
            _ => tables.push((table, vec![row])),
        }
    }
    let mut unfilled = 0;
    for (table, cols) in &tables {
        let mut filled = false;
        for k in 1..=2u32 {
            let mut names = Vec::new();
            let mut values = Vec::new();
            let mut writable = true;
            for c in cols {
                let (name, ty, not_null, has_default): (String, String, bool, bool) =
                    (c.get(1), c.get(2), c.get(3), c.get(4));
                let (typname, category, typtype, label): (String, String, String, Option<String>) =
                    (c.get(5), c.get(6), c.get(7), c.get(8));
                if has_default && not_null {
                    continue;
                }
                let value = if k == 1 && !not_null {
                    Some("NULL".to_string())
                } else if typtype == "e" {
                    label.map(|l| format!("'{}'", l.replace('\'', "''")))
                } else {
                    literal(&typname, category.chars().next().unwrap_or('?'), k)
                };
                match value {
                    Some(v) => {
                        names.push(format!("\"{}\"", name.replace('"', "\"\"")));
                        values.push(format!("{v}::{ty}"));
                    }
                    None if !not_null => {}
                    None => writable = false,
                }
            }
            if !writable {
                continue;
            }
            let sql = if names.is_empty() {
                format!("INSERT INTO {table} DEFAULT VALUES")
            } else {
                format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    names.join(", "),
                    values.join(", ")
                )
            };
            filled |= client.batch_execute(&sql).await.is_ok();
        }
        unfilled += usize::from(!filled);
    }
    let _ = client.batch_execute("SET session_replication_role = origin").await;
    unfilled
}
