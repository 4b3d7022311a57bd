//! Figure 9: dynamic queries on a million rows — quarry's statement per variant against the
//! usual one-statement form (`($1 IS NULL OR col = $1)`, `ORDER BY CASE …`), both prepared
//! once and run 200 times, under PostgreSQL's default plan choice and under
//! `plan_cache_mode = force_generic_plan` (what a cached statement gets once PostgreSQL judges
//! the generic plan good enough). Prints the plans (`EXPLAIN` of the generic plan) too.

use crate::common::Bench;
use crate::generated::tickets::{self, SearchTicketsOptions, SearchTicketsSort};
use quarry::chrono::{DateTime, Duration, TimeZone, Utc};
use std::time::Instant;

const ROWS: i64 = 1_000_000;
const CALLS: usize = 200;

const ONE_STATEMENT: &str = "SELECT id, title FROM tickets \
     WHERE ($1::text IS NULL OR status = $1) \
       AND ($2::int IS NULL OR assignee = $2) \
       AND ($3::timestamptz IS NULL OR created_at >= $3) \
     ORDER BY CASE WHEN $4::text = 'newest' THEN created_at END DESC, \
              CASE WHEN $4::text = 'priority' THEN priority END DESC, id DESC \
     LIMIT 20";

fn newest_day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(ROWS) - Duration::hours(6)
}

/// The searches: one filter each, and a sort choice with no filter.
fn searches() -> Vec<(&'static str, SearchTicketsOptions<'static>)> {
    vec![
        (
            "status = 'blocked' (0.1 %)",
            SearchTicketsOptions {
                status: Some("blocked"),
                ..Default::default()
            },
        ),
        (
            "assignee = 42 (0.1 %)",
            SearchTicketsOptions {
                assignee: Some(42),
                ..Default::default()
            },
        ),
        (
            "created in the last 6 h (2 %)",
            SearchTicketsOptions {
                since: Some(newest_day()),
                ..Default::default()
            },
        ),
        (
            "no filter, sorted by priority",
            SearchTicketsOptions {
                sort: SearchTicketsSort::Priority,
                ..Default::default()
            },
        ),
    ]
}

pub async fn run(bench: &Bench) {
    let raw = bench.raw().await;
    raw.execute(
        "INSERT INTO tickets SELECT g, CASE WHEN g % 1000 = 0 THEN 'blocked' ELSE (ARRAY['open','review','done'])[1 + g % 3] END, \
         g % 1000, 1 + (g * 7919) % 5, '2026-01-01'::timestamptz + g * interval '1 second', 'ticket ' || g \
         FROM generate_series(1, $1::int8) g",
        &[&ROWS],
    )
    .await
    .unwrap();
    raw.batch_execute("ANALYZE tickets").await.unwrap();
    println!("\n### 9. Dynamic queries: {CALLS} searches each on {ROWS} tickets, median latency\n");
    println!("| search | plan mode | quarry variant | the same SQL by hand | `IS NULL OR` / `CASE` form | quarry ÷ by hand | one-statement ÷ quarry |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    let mut plans = String::new();
    for generic in [false, true] {
        let mode = if generic { "force_generic_plan" } else { "auto" };
        let client = bench.quarry().await;
        let hand = bench.raw().await;
        for c in [&*client as &tokio_postgres::Client, &hand] {
            c.batch_execute(&format!("SET plan_cache_mode = {mode}")).await.unwrap();
        }
        let statement = hand.prepare(ONE_STATEMENT).await.unwrap();
        // EXPLAIN prepares and deallocates statements of its own: on a connection of its own.
        let explainer = bench.raw().await;
        explainer
            .batch_execute(&format!("SET plan_cache_mode = {mode}"))
            .await
            .unwrap();
        for (name, options) in searches() {
            let ours = latency(|| async {
                std::hint::black_box(tickets::search_tickets(&client, &options).await.unwrap());
            })
            .await;
            let sort = match options.sort {
                SearchTicketsSort::Newest => "newest",
                SearchTicketsSort::Priority => "priority",
            };
            let theirs = latency(|| async {
                let rows = hand
                    .query(&statement, &[&options.status, &options.assignee, &options.since, &sort])
                    .await
                    .unwrap();
                std::hint::black_box(rows);
            })
            .await;
            // The variant's own SQL through tokio-postgres: what quarry costs over it.
            let (sql, _) = variant_sql(&options, sort);
            let by_hand_statement = hand.prepare(&sql).await.unwrap();
            let values: Vec<Box<dyn tokio_postgres::types::ToSql + Sync>> = variant_values(&options);
            let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = values.iter().map(|v| &**v).collect();
            let by_hand = latency(|| async {
                std::hint::black_box(hand.query(&by_hand_statement, &refs).await.unwrap());
            })
            .await;
            println!(
                "| {name} | {mode} | {:.3} ms | {:.3} ms | {:.3} ms | {:.2}× | {:.1}× |",
                ours * 1e3,
                by_hand * 1e3,
                theirs * 1e3,
                by_hand / ours,
                theirs / ours
            );
            if generic {
                plans += &explain(&explainer, name, &options, sort).await;
            }
        }
    }
    println!("\nGeneric plans (`EXPLAIN (COSTS OFF) EXECUTE`, force_generic_plan):\n\n```text\n{plans}```");
}

/// Median seconds per call over `CALLS` calls (after 10 warm-up calls, which also let the
/// server settle on its plan).
async fn latency<F, Fut>(mut call: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..10 {
        call().await;
    }
    let mut times: Vec<f64> = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let start = Instant::now();
        call().await;
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    times[CALLS / 2]
}

/// The generic plans of both forms for one search, as text.
async fn explain(
    client: &tokio_postgres::Client,
    name: &str,
    options: &SearchTicketsOptions<'_>,
    sort: &str,
) -> String {
    let mut out = format!("-- {name}\n");
    // The quarry variant's SQL, prepared by name so EXPLAIN EXECUTE shows the generic plan.
    let (variant, args) = variant_sql(options, sort);
    for (label, sql, execute_args) in [
        ("quarry variant", variant.clone(), args.join(", ")),
        (
            "IS NULL OR form",
            ONE_STATEMENT.to_string(),
            format!(
                "{}, {}, {}, '{sort}'",
                options.status.map_or("NULL".into(), |s| format!("'{s}'")),
                options.assignee.map_or("NULL".into(), |a| a.to_string()),
                options.since.map_or("NULL".into(), |s| format!("'{}'", s.to_rfc3339()))
            ),
        ),
    ] {
        client.batch_execute("DEALLOCATE ALL").await.unwrap();
        client.batch_execute(&format!("PREPARE q AS {sql}")).await.unwrap();
        let execute = if execute_args.is_empty() {
            "EXPLAIN (COSTS OFF) EXECUTE q".to_string()
        } else {
            format!("EXPLAIN (COSTS OFF) EXECUTE q({execute_args})")
        };
        let rows = client.simple_query(&execute).await.unwrap();
        out += &format!("{label}:\n");
        for row in rows {
            if let tokio_postgres::SimpleQueryMessage::Row(row) = row {
                out += &format!("  {}\n", row.get(0).unwrap_or(""));
            }
        }
    }
    out
}

/// The SQL of the variant quarry runs for `options` (the same text, by hand), and its
/// parameter values as SQL literals (for EXPLAIN EXECUTE).
fn variant_sql(options: &SearchTicketsOptions<'_>, sort: &str) -> (String, Vec<String>) {
    let mut variant = String::from("SELECT id, title FROM tickets WHERE true");
    let mut args = Vec::new();
    if let Some(status) = options.status {
        variant += " AND status = $1";
        args.push(format!("'{status}'"));
    }
    if let Some(assignee) = options.assignee {
        variant += &format!(" AND assignee = ${}", args.len() + 1);
        args.push(assignee.to_string());
    }
    if let Some(since) = options.since {
        variant += &format!(" AND created_at >= ${}", args.len() + 1);
        args.push(format!("'{}'", since.to_rfc3339()));
    }
    variant += if sort == "priority" {
        " ORDER BY priority DESC, id DESC LIMIT 20"
    } else {
        " ORDER BY created_at DESC, id DESC LIMIT 20"
    };
    (variant, args)
}

/// The variant's parameter values, in order.
fn variant_values(options: &SearchTicketsOptions<'_>) -> Vec<Box<dyn tokio_postgres::types::ToSql + Sync>> {
    let mut values: Vec<Box<dyn tokio_postgres::types::ToSql + Sync>> = Vec::new();
    if let Some(status) = options.status {
        values.push(Box::new(status.to_string()));
    }
    if let Some(assignee) = options.assignee {
        values.push(Box::new(assignee));
    }
    if let Some(since) = options.since {
        values.push(Box::new(since));
    }
    values
}
