//! The task manager of the psycopg tutorial, on quarry: create tasks (each in a transaction
//! that also announces it on a live "task added" feed), import a backlog in one statement,
//! list them, complete one, list the
//! pending ones, delete one, count — and a sign-up whose duplicate email gets a friendly
//! message from the typed error.
//!
//! ```sh
//! cargo run -p quarry-examples --example task_manager
//! ```
//!
//! Without `DATABASE_URL` it starts a throwaway PostgreSQL and applies `queries/migrations`;
//! with it, it uses that database (which must already hold the schema).

use futures_util::StreamExt;
use quarry::{ErrorKind, ListenEvent, Listener};
use quarry_examples::{tasks, users, ExampleDb};
use std::time::Duration;

/// The payload of the live feed.
#[derive(serde::Serialize, serde::Deserialize)]
struct TaskAdded {
    id: i32,
    title: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = ExampleDb::open().await?;
    match &db.server {
        Some(server) => println!("Started a throwaway PostgreSQL in {:.2?}", server.started_in()),
        None => println!("Using DATABASE_URL"),
    }
    let mut client = quarry::Client::connect(&db.url).await?;
    let mut feed = Listener::connect(&db.url, &["task_added"]).await?;

    println!("\n== Create tasks (each in a transaction that also notifies the feed)");
    let mut ids = Vec::new();
    for (title, description) in [
        ("Buy groceries", "Milk, eggs, bread"),
        ("Write report", "Quarterly numbers"),
        ("Call the bank", ""),
    ] {
        let id = client
            .in_transaction(async |tx| {
                let id = tasks::add_task(tx, title, description).await?;
                let added = TaskAdded {
                    id,
                    title: title.into(),
                };
                quarry::notify_json(tx, "task_added", &added).await?;
                Ok::<_, quarry::Error>(id)
            })
            .await?;
        println!("added #{id}: {title}");
        ids.push(id);
    }

    println!("\n== Live feed");
    for _ in 0..ids.len() {
        match tokio::time::timeout(Duration::from_secs(5), feed.next()).await {
            Ok(Some(ListenEvent::Notification(n))) => {
                let added: TaskAdded = n.json()?;
                println!("feed: task #{} \"{}\" was added", added.id, added.title);
            }
            Ok(Some(ListenEvent::Reconnected { gap })) => println!("feed: reconnected after {gap:?}"),
            Ok(None) | Err(_) => println!("feed: nothing arrived"),
        }
    }

    println!("\n== Import a backlog (one INSERT over unnest for all of them)");
    let backlog = [
        ("Renew passport", "Before June"),
        ("Fix the bike", ""),
        ("Plan the trip", ""),
    ];
    let imported = tasks::import_tasks(
        &client,
        backlog
            .iter()
            .map(|(title, description)| tasks::ImportTasksParams { title, description }),
    )
    .await?;
    for (id, (title, _)) in imported.iter().zip(&backlog) {
        println!("imported #{id}: {title}");
    }

    println!("\n== All tasks");
    print_tasks(&tasks::list_tasks(&client).await?);

    println!("\n== Complete #{}", ids[0]);
    let changed = tasks::complete_task(&client, ids[0]).await?;
    println!("{changed} task marked done");

    println!("\n== Pending tasks");
    for task in tasks::list_tasks_by_status(&client, Some("pending")).await? {
        println!("#{:<3} {}", task.id, task.title);
    }

    println!("\n== Delete #{}", ids[1]);
    let deleted = tasks::delete_task(&client, ids[1]).await?;
    println!("{deleted} task deleted");
    match tasks::find_task(&client, ids[1]).await? {
        Some(task) => println!("still there: {task:?}"),
        None => println!("#{} is gone", ids[1]),
    }

    println!("\n== Count");
    let all = tasks::count_tasks(&client, None).await?;
    let pending = tasks::count_tasks(&client, Some("pending")).await?;
    let done = tasks::count_tasks(&client, Some("done")).await?;
    println!("{all} tasks: {pending} pending, {done} done");

    println!("\n== Sign up twice with the same email (inside a transaction rolled back at the end)");
    let tx = client.transaction().await?;
    users::create_user(&tx, "ada@example.org", "Ada", None).await?;
    match users::create_user(&tx, "ada@example.org", "Ada again", None).await {
        Ok(_) => println!("unexpected: a second account with the same email"),
        Err(e) if e.kind() == ErrorKind::UniqueViolation => {
            println!(
                "sign-up refused: that email is already registered ({})",
                e.constraint().unwrap_or("?")
            );
        }
        Err(e) => return Err(e.into()),
    }
    tx.rollback().await?;

    // Leave a shared DATABASE_URL database as we found it.
    for id in ids.into_iter().chain(imported) {
        tasks::delete_task(&client, id).await?;
    }
    println!(
        "\n{} statements prepared once and reused from the cache",
        client.statement_cache().len()
    );
    Ok(())
}

fn print_tasks(list: &[tasks::ListTasksRow]) {
    for task in list {
        let done = match task.completed_at {
            Some(at) => format!("done {}", at.format("%H:%M:%S")),
            None => task.status.clone(),
        };
        println!("#{:<3} {:<15} {:<20} {}", task.id, task.title, task.description, done);
    }
}
