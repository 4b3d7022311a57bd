async fn run(client: &quarry::Client) {
    let _ = quarry::query!(client, "SELECT id
        FROM users
        WHERE ORDER BY id").all().await;
}

fn main() {}
