// Only quarry's clients (and tokio-postgres ones) can run generated queries.
use quarry_tests::asynchronous::tasks;

async fn run() {
    let _ = tasks::list_tasks(&"not a client").await;
}

fn main() {}
