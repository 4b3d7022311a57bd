//! A web service on quarry and axum: `cargo run -p quarry-examples --example web_service`,
//! then e.g. `curl -X POST localhost:3000/users -H 'content-type: application/json' -d
//! '{"email":"ada@example.com","name":"Ada"}'`. The routes, the status codes and the pool's
//! life are described in `examples/src/web.rs`. Set `QUARRY_WEB_ADDR` to listen elsewhere
//! (default 127.0.0.1:3000) and `DATABASE_URL` to use your database instead of a throwaway
//! one. Ctrl-C shuts it down gracefully and closes the pool.

use quarry_examples::{web, ExampleDb};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_target(false).init();
    let db = ExampleDb::open().await?;
    let pool = web::open_pool(&db.url, 8, Duration::from_secs(2)).await?;
    let addr = std::env::var("QUARRY_WEB_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    };
    web::serve(listener, pool, shutdown).await?;
    Ok(())
}
