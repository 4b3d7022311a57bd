//! Figure 11: nested results — 100 orders with 10 lines each, fetched whole. The N+1 pattern
//! (the orders, then one query per order, each awaited) against one query returning the lines
//! nested, as binary table rows (`ARRAY(SELECT l …)`) or as typed JSON
//! (`json_agg(json_build_object(…))`). The baseline is the N+1 pattern hand-written on
//! tokio-postgres with prepared statements.

use crate::common::{header, median, rate_row, Bench};
use crate::generated::nested;
use quarry::rust_decimal::Decimal;

const ORDERS: i32 = 100;
const LINES: i32 = 10;

pub async fn run(bench: &Bench) {
    let raw = bench.raw().await;
    raw.batch_execute(&format!(
        "INSERT INTO nest_orders SELECT g, '2026-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, {ORDERS}) g; \
         INSERT INTO nest_lines SELECT o, l, l, (o * 10 + l) / 100.0 FROM generate_series(1, {ORDERS}) o, generate_series(1, {LINES}) l; \
         ANALYZE nest_orders, nest_lines"
    ))
    .await
    .unwrap();
    let runs = bench.runs.max(15);
    let fetches = 50;
    header(
        &format!("11. Nested results: {ORDERS} orders × {LINES} lines fetched whole, {fetches} times (median of {runs} runs)"),
        "fetches/s",
    );
    let orders_sql = raw
        .prepare("SELECT id, placed_at FROM nest_orders ORDER BY id")
        .await
        .unwrap();
    let lines_sql = raw
        .prepare("SELECT order_id, line, qty, price FROM nest_lines WHERE order_id = $1 ORDER BY line")
        .await
        .unwrap();
    let hand = median(runs, || async {
        for _ in 0..fetches {
            let mut total = 0usize;
            for order in raw.query(&orders_sql, &[]).await.unwrap() {
                let id: i32 = order.get(0);
                let lines = raw.query(&lines_sql, &[&id]).await.unwrap();
                total += lines
                    .iter()
                    .map(|l| l.get::<_, Decimal>(3))
                    .filter(|p| !p.is_zero())
                    .count();
            }
            assert_eq!(total, (ORDERS * LINES) as usize);
        }
    })
    .await;
    let base = rate_row(
        "tokio-postgres, hand-written N+1 (1 + 100 queries, prepared)",
        fetches,
        hand,
        None,
    );

    let client = bench.quarry().await;
    let n_plus_one = median(runs, || async {
        for _ in 0..fetches {
            let mut total = 0usize;
            for order in nested::orders(&client).await.unwrap() {
                total += nested::lines_of_order(&client, order.id).await.unwrap().len();
            }
            assert_eq!(total, (ORDERS * LINES) as usize);
        }
    })
    .await;
    rate_row(
        "quarry, N+1 (`orders`, then `lines_of_order` per order)",
        fetches,
        n_plus_one,
        Some(base),
    );

    // One query returning every order with its lines nested: fetched whole, counted.
    let one_query = |json: bool| {
        let client = &client;
        median(runs, move || async move {
            for _ in 0..fetches {
                let lines: usize = match json {
                    false => nested::orders_with_lines(client)
                        .await
                        .unwrap()
                        .iter()
                        .map(|o| o.lines.len())
                        .sum(),
                    true => nested::orders_with_lines_json(client)
                        .await
                        .unwrap()
                        .iter()
                        .map(|o| o.lines.len())
                        .sum(),
                };
                assert_eq!(lines, (ORDERS * LINES) as usize);
            }
        })
    };
    let binary = one_query(false).await;
    rate_row(
        "quarry, one query: `ARRAY(SELECT l …)` → `Vec<NestLine>` (binary)",
        fetches,
        binary,
        Some(base),
    );
    let json = one_query(true).await;
    rate_row(
        "quarry, one query: `json_agg(json_build_object(…))` → `Vec<struct>` (JSON)",
        fetches,
        json,
        Some(base),
    );
}
