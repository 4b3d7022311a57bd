//! Dynamic queries (docs/dynamic.md) against a real server: a ticket search with seven optional
//! filters (a range, `ANY(array)`, one that needs a join, a flag, a text match), four sort
//! choices and optional LIMIT/OFFSET. Every case is checked against the same filter and order
//! computed in Rust over the rows inserted, in both flavours, prepared and unnamed.

use quarry::chrono::{DateTime, Duration, TimeZone, Utc};
use quarry::{ClientOptions, StatementMode};
use quarry_tests::db::fresh_database_with;
use quarry_tests::dynamic::tickets::{self, SearchTicketsOptions, SearchTicketsSort};
use quarry_tests::dynamic::SCHEMA;

const TICKETS: i32 = 240;
const STATUSES: [&str; 3] = ["open", "review", "closed"];

/// One inserted ticket, as the oracle sees it.
#[derive(Debug, Clone)]
struct Ticket {
    id: i32,
    project: i32,
    title: String,
    status: &'static str,
    priority: i32,
    assignee: Option<String>,
    created_at: DateTime<Utc>,
    closed: bool,
    labels: Vec<&'static str>,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// Deterministic tickets: two projects, three statuses, four priorities, some unassigned,
/// `bug` on every third, `ui` on every fifth; titles that sort differently from ids.
fn tickets() -> Vec<Ticket> {
    (1..=TICKETS)
        .map(|i| {
            let mut labels = Vec::new();
            if i % 3 == 0 {
                labels.push("bug");
            }
            if i % 5 == 0 {
                labels.push("ui");
            }
            let status = STATUSES[(i % 3) as usize];
            Ticket {
                id: i,
                project: 1 + i % 2,
                title: format!("{} ticket {i}", ["alpha", "delta", "beta", "gamma"][(i % 4) as usize]),
                status,
                priority: 1 + (i * 7) % 4,
                assignee: (i % 4 != 0).then(|| format!("dev{}@example.com", i % 3)),
                created_at: start() + Duration::hours(i64::from((i * 37) % 500)),
                closed: status == "closed",
                labels,
            }
        })
        .collect()
}

fn seed(url: &str) {
    let mut sql = String::from("INSERT INTO people (id, email) VALUES (0, 'dev0@example.com'), (1, 'dev1@example.com'), (2, 'dev2@example.com');\n");
    for t in tickets() {
        let assignee = t
            .assignee
            .as_ref()
            .map_or("NULL".to_string(), |_| (t.id % 3).to_string());
        let closed = if t.closed {
            "created_at + interval '1 day'"
        } else {
            "NULL"
        };
        sql.push_str(&format!(
            "INSERT INTO tickets VALUES ({}, {}, '{}', '{}', {}, {assignee}, '{}', NULL);\nUPDATE tickets SET closed_at = {closed} WHERE id = {};\n",
            t.id,
            t.project,
            t.title,
            t.status,
            t.priority,
            t.created_at.to_rfc3339(),
            t.id
        ));
        for label in &t.labels {
            sql.push_str(&format!("INSERT INTO ticket_labels VALUES ({}, '{label}');\n", t.id));
        }
    }
    let url = url.to_string();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.batch_execute(&sql).unwrap();
    })
    .join()
    .unwrap();
}

/// The search, computed in Rust: the ids in order.
fn expected(project: i32, o: &SearchTicketsOptions<'_>) -> Vec<i32> {
    let mut found: Vec<Ticket> = tickets()
        .into_iter()
        .filter(|t| t.project == project)
        .filter(|t| o.status.is_none_or(|s| t.status == s))
        .filter(|t| o.priorities.is_none_or(|p| p.contains(&t.priority)))
        .filter(|t| o.created_from.is_none_or(|from| t.created_at >= from))
        .filter(|t| o.created_to.is_none_or(|to| t.created_at < to))
        .filter(|t| o.label.is_none_or(|l| t.labels.contains(&l)))
        .filter(|t| !o.open_only || !t.closed)
        .filter(|t| {
            o.text
                .is_none_or(|x| t.title.to_lowercase().contains(&x.to_lowercase()))
        })
        .collect();
    found.sort_by(|a, b| match o.sort {
        SearchTicketsSort::Newest => (b.created_at, b.id).cmp(&(a.created_at, a.id)),
        SearchTicketsSort::Oldest => (a.created_at, a.id).cmp(&(b.created_at, b.id)),
        SearchTicketsSort::Priority => (b.priority, a.id).cmp(&(a.priority, b.id)),
        SearchTicketsSort::Title => (&a.title, a.id).cmp(&(&b.title, b.id)),
    });
    let offset = o.offset.unwrap_or(0) as usize;
    let limit = o.limit.map_or(usize::MAX, |l| l as usize);
    found.into_iter().skip(offset).take(limit).map(|t| t.id).collect()
}

/// The table of cases: every filter alone, every sort, paging, and combinations.
fn cases() -> Vec<(&'static str, SearchTicketsOptions<'static>)> {
    let day = |d: i64| start() + Duration::days(d);
    vec![
        ("nothing optional", SearchTicketsOptions::default()),
        (
            "status",
            SearchTicketsOptions {
                status: Some("open"),
                ..Default::default()
            },
        ),
        (
            "priorities",
            SearchTicketsOptions {
                priorities: Some(&[1, 3]),
                ..Default::default()
            },
        ),
        (
            "created from",
            SearchTicketsOptions {
                created_from: Some(day(10)),
                ..Default::default()
            },
        ),
        (
            "created range",
            SearchTicketsOptions {
                created_from: Some(day(3)),
                created_to: Some(day(12)),
                ..Default::default()
            },
        ),
        (
            "label (a join)",
            SearchTicketsOptions {
                label: Some("bug"),
                ..Default::default()
            },
        ),
        (
            "open only (a flag)",
            SearchTicketsOptions {
                open_only: true,
                ..Default::default()
            },
        ),
        (
            "text",
            SearchTicketsOptions {
                text: Some("ALPHA"),
                ..Default::default()
            },
        ),
        (
            "sorted oldest",
            SearchTicketsOptions {
                sort: SearchTicketsSort::Oldest,
                ..Default::default()
            },
        ),
        (
            "sorted by priority",
            SearchTicketsOptions {
                sort: SearchTicketsSort::Priority,
                ..Default::default()
            },
        ),
        (
            "sorted by title",
            SearchTicketsOptions {
                sort: SearchTicketsSort::Title,
                ..Default::default()
            },
        ),
        (
            "first page",
            SearchTicketsOptions {
                limit: Some(10),
                ..Default::default()
            },
        ),
        (
            "third page",
            SearchTicketsOptions {
                limit: Some(10),
                offset: Some(20),
                sort: SearchTicketsSort::Title,
                ..Default::default()
            },
        ),
        (
            "everything at once",
            SearchTicketsOptions {
                status: Some("review"),
                priorities: Some(&[2, 3, 4]),
                created_from: Some(day(1)),
                created_to: Some(day(20)),
                label: Some("ui"),
                open_only: true,
                text: Some("ticket"),
                limit: Some(5),
                offset: Some(1),
                sort: SearchTicketsSort::Priority,
            },
        ),
        (
            "label and text, nothing found",
            SearchTicketsOptions {
                label: Some("ui"),
                text: Some("no such"),
                ..Default::default()
            },
        ),
    ]
}

fn client_options(mode: StatementMode) -> ClientOptions {
    ClientOptions {
        mode,
        ..ClientOptions::default()
    }
}

#[tokio::test]
async fn every_case_returns_what_the_filters_and_order_select() {
    let url = fresh_database_with(&[SCHEMA]);
    seed(&url);
    for mode in [StatementMode::Prepared, StatementMode::Unnamed] {
        let client = quarry::Client::connect_with(&url, client_options(mode)).await.unwrap();
        for (name, options) in cases() {
            for project in [1, 2] {
                let rows = tickets::search_tickets(&client, project, &options).await.unwrap();
                let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
                assert_eq!(ids, expected(project, &options), "{name}, project {project}, {mode:?}");
            }
        }
        // Calls of one variant share one prepared statement; every variant is its own.
        if mode == StatementMode::Prepared {
            assert_eq!(client.statement_cache().len(), cases().len());
        }
    }
}

#[tokio::test]
async fn rows_carry_their_columns_and_nullable_joins_stay_option() {
    let url = fresh_database_with(&[SCHEMA]);
    seed(&url);
    let client = quarry::Client::connect(&url).await.unwrap();
    let options = SearchTicketsOptions {
        sort: SearchTicketsSort::Oldest,
        limit: Some(240),
        ..Default::default()
    };
    let rows = tickets::search_tickets(&client, 1, &options).await.unwrap();
    let by_id: std::collections::HashMap<i32, Ticket> = tickets().into_iter().map(|t| (t.id, t)).collect();
    for row in &rows {
        let t = &by_id[&row.id];
        assert_eq!(
            (&row.title, row.status.as_str(), row.priority, row.created_at),
            (&t.title, t.status, t.priority, t.created_at)
        );
        // `assignee` comes from a LEFT JOIN: `Option<String>`, `None` for unassigned tickets.
        let assignee: &Option<String> = &row.assignee;
        assert_eq!(assignee, &t.assignee);
    }
    assert!(rows.iter().any(|r| r.assignee.is_none()), "some tickets are unassigned");
    let open = tickets::count_tickets(
        &client,
        1,
        &tickets::CountTicketsOptions {
            open_only: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        open,
        expected(
            1,
            &SearchTicketsOptions {
                open_only: true,
                ..Default::default()
            }
        )
        .len() as i64
    );
}

#[test]
fn the_blocking_flavour_runs_the_same_variants() {
    use quarry_tests::dynamic_blocking::tickets as blocking;
    let url = fresh_database_with(&[SCHEMA]);
    seed(&url);
    let client = quarry::sync::Client::connect(&url).unwrap();
    for (name, options) in cases() {
        // The same case in the blocking flavour's own types; the oracle reads the async ones.
        let blocking_options = blocking::SearchTicketsOptions {
            status: options.status,
            priorities: options.priorities,
            created_from: options.created_from,
            created_to: options.created_to,
            label: options.label,
            open_only: options.open_only,
            text: options.text,
            limit: options.limit,
            offset: options.offset,
            sort: match options.sort {
                SearchTicketsSort::Newest => blocking::SearchTicketsSort::Newest,
                SearchTicketsSort::Oldest => blocking::SearchTicketsSort::Oldest,
                SearchTicketsSort::Priority => blocking::SearchTicketsSort::Priority,
                SearchTicketsSort::Title => blocking::SearchTicketsSort::Title,
            },
        };
        let rows = blocking::search_tickets(&client, 1, &blocking_options).unwrap();
        let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
        assert_eq!(ids, expected(1, &options), "{name}");
    }
}

/// Keyset pagination: pages of 7 rows, each continuing after the last row of the one before
/// (its keys in the sort choice), add up to the whole sorted result, in both orders and with a
/// filter on.
#[tokio::test]
async fn keyset_pages_continue_after_the_last_row_and_cover_everything_once() {
    use quarry_tests::dynamic::tickets::{PageTicketsOptions, PageTicketsSort};
    let url = fresh_database_with(&[SCHEMA]);
    seed(&url);
    let client = quarry::Client::connect(&url).await.unwrap();
    for status in [None, Some("open")] {
        for title_order in [false, true] {
            let first = if title_order {
                PageTicketsSort::Title { after: None }
            } else {
                PageTicketsSort::Newest { after: None }
            };
            let mut options = PageTicketsOptions { status, sort: first };
            let mut seen = Vec::new();
            loop {
                let page = tickets::page_tickets(&client, 1, 7, &options).await.unwrap();
                let Some(last) = page.last() else { break };
                options.sort = if title_order {
                    PageTicketsSort::Title {
                        after: Some((last.title.clone(), last.id)),
                    }
                } else {
                    PageTicketsSort::Newest {
                        after: Some((last.created_at, last.id)),
                    }
                };
                seen.extend(page.iter().map(|r| r.id));
            }
            let all = expected(
                1,
                &SearchTicketsOptions {
                    status,
                    sort: if title_order {
                        SearchTicketsSort::Title
                    } else {
                        SearchTicketsSort::Newest
                    },
                    ..Default::default()
                },
            );
            assert_eq!(seen, all, "status {status:?}, by title {title_order}");
        }
    }
    // First pages and continuations are variants of their own: two orders × with and without
    // a filter × first page or continuation.
    assert_eq!(client.statement_cache().len(), 8);
}
