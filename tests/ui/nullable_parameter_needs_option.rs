// `:status?` is nullable, so the argument is `Option<&str>`; a bare `&str` must not compile.
use quarry_tests::asynchronous::tasks;

async fn run(client: &quarry::Client) {
    let _ = tasks::list_tasks_by_status(client, "pending").await;
}

fn main() {}
