async fn run(client: &quarry::Client) {
    let _ = quarry::query!(client, "SELECT id, nme FROM users").all().await;
}

fn main() {}
