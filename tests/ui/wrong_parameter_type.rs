// `add_task` takes (title: &str, description: &str): an integer title must not compile.
use quarry_tests::asynchronous::tasks;

async fn run(client: &quarry::Client) {
    let _ = tasks::add_task(client, 42, "").await;
}

fn main() {}
