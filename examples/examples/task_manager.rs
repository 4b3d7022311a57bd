//! The task manager of the psycopg tutorial, on quarry: create tasks, list them, complete
//! one, list the pending ones, delete one, count.
//!
//! ```sh
//! cargo run -p quarry-examples --example task_manager
//! ```
//!
//! Without `DATABASE_URL` it starts a throwaway PostgreSQL and loads `queries/schema.sql`;
//! with it, it uses that database (which must already hold the schema).

use quarry_examples::{tasks, ExampleDb};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = ExampleDb::open().await?;
    match &db.server {
        Some(server) => println!("Started a throwaway PostgreSQL in {:.2?}", server.started_in()),
        None => println!("Using DATABASE_URL"),
    }
    let client = quarry::Client::connect(&db.url).await?;

    println!("\n== Create tasks");
    let mut ids = Vec::new();
    for (title, description) in [
        ("Buy groceries", "Milk, eggs, bread"),
        ("Write report", "Quarterly numbers"),
        ("Call the bank", ""),
    ] {
        let id = tasks::add_task(&client, title, description).await?;
        println!("added #{id}: {title}");
        ids.push(id);
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

    // Leave a shared DATABASE_URL database as we found it.
    for id in ids {
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
