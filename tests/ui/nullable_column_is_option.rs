// `completed_at` is a nullable column: it is an `Option`, never a bare timestamp.
use quarry_tests::asynchronous::tasks;

async fn run(client: &quarry::Client) -> Result<(), quarry::Error> {
    for task in tasks::list_tasks(client).await? {
        let _at: quarry::chrono::DateTime<quarry::chrono::Utc> = task.completed_at;
    }
    Ok(())
}

fn main() {}
