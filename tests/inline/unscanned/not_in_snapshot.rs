// Written after the last `cargo quarry regenerate` (tests/inline.rs does not scan this folder).
async fn run(client: &quarry::Client) {
    let _ = quarry::query!(client, "SELECT id FROM users WHERE is_active").all().await;
}

fn main() {}
