async fn run(client: &quarry::Client) {
    let id: i64 = 1;
    let _ = quarry::query!(client, "SELECT email FROM users WHERE id = {id}").one().await;
}

fn main() {}
