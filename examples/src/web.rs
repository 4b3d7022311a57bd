//! The web service example (`examples/web_service.rs`), the Rust twin of psycopg_pool's
//! FastAPI and Flask recipes: a [`quarry::Pool`] opened at start-up (its queries verified
//! against the schema before the first request) and closed at shutdown, handlers calling the
//! generated functions, and quarry's typed errors mapped to HTTP statuses:
//!
//! | `quarry::ErrorKind` | status |
//! |---|---|
//! | `UniqueViolation` | 409 Conflict |
//! | `RowCount` (a `:one` query found no row) — and a `:opt` query's `None` | 404 Not Found |
//! | `ForeignKeyViolation`, `CheckViolation`, `NotNullViolation` | 422 Unprocessable Entity |
//! | `PoolTimeout`, `Pool`, `Connection` | 503 Service Unavailable |
//! | anything else | 500 Internal Server Error (logged, message not sent) |
//!
//! Routes: `POST /users`, `GET /users/{email}`, `POST /tasks`, `GET /tasks?status=…`,
//! `GET /tasks/{id}/title`, `GET /health` (the pool's health check: `SELECT 1` under a
//! deadline, 503 when no connection answers) and `GET /metrics` (quarry's metrics — pool
//! gauges and counters, per-query latency histograms — in the Prometheus text format, through
//! quarry-runtime's `metrics` feature and `metrics-exporter-prometheus`). The test
//! `examples/tests/web_service.rs` drives every route over real HTTP.

use crate::{tasks, users};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use quarry::serde_json;
use quarry::{ErrorKind, Pool, PoolOptions};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use std::time::Duration;

/// What every handler shares: the pool, and the metrics to render.
#[derive(Clone)]
pub struct AppState {
    /// The connection pool, opened once at start-up.
    pub pool: Pool,
    /// Renders everything recorded so far for `GET /metrics`.
    pub metrics: PrometheusHandle,
}

/// The process's Prometheus recorder, installed on first use (a process has one recorder).
pub fn metrics() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                // Latency buckets from 100 µs to 10 s instead of a summary: histograms
                // aggregate across instances.
                .set_buckets(&[0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0])
                .expect("non-empty buckets")
                .install_recorder()
                .expect("no other metrics recorder in this process")
        })
        .clone()
}

/// Opens the pool (at most `max_size` connections, waiting up to `wait` for a free one) and
/// checks every generated query against the database's schema, so a drifted schema fails
/// start-up instead of the first request.
pub async fn open_pool(url: &str, max_size: usize, wait: Duration) -> Result<Pool, Box<dyn std::error::Error>> {
    let config = PoolOptions {
        name: "app".into(),
        max_size,
        wait_timeout: Some(wait),
        ..PoolOptions::default()
    };
    let pool = Pool::connect(url, config).await?;
    let checked = crate::verify(&pool.get().await?).await?;
    tracing::info!(queries = checked, "every query matches the schema");
    Ok(pool)
}

/// The routes, over `pool`.
pub fn router(pool: Pool) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/users", post(create_user))
        .route("/users/{email}", get(user_by_email))
        .route("/tasks", post(add_task).get(list_tasks))
        .route("/tasks/{id}/title", get(task_title))
        .route("/metrics", get(render_metrics))
        .with_state(AppState {
            pool,
            metrics: metrics(),
        })
}

/// Serves on `listener` until `shutdown` resolves, then closes the pool.
pub async fn serve(
    listener: tokio::net::TcpListener,
    pool: Pool,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let served = axum::serve(listener, router(pool.clone()))
        .with_graceful_shutdown(shutdown)
        .await;
    pool.close();
    tracing::info!("pool closed");
    served
}

/// A handler's failure: a database error, or nothing found.
pub enum ApiError {
    /// From a generated function or the pool.
    Db(quarry::Error),
    /// A `:opt` query found no row.
    NotFound(String),
}

impl From<quarry::Error> for ApiError {
    fn from(e: quarry::Error) -> Self {
        ApiError::Db(e)
    }
}

/// The JSON body of an error response.
#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, message) = match self {
            ApiError::NotFound(what) => (StatusCode::NOT_FOUND, "not_found", what),
            ApiError::Db(e) => match e.kind() {
                ErrorKind::UniqueViolation => (StatusCode::CONFLICT, "conflict", constraint_message(&e)),
                ErrorKind::RowCount => (StatusCode::NOT_FOUND, "not_found", "no such row".into()),
                ErrorKind::ForeignKeyViolation | ErrorKind::CheckViolation | ErrorKind::NotNullViolation => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "invalid", constraint_message(&e))
                }
                ErrorKind::PoolTimeout | ErrorKind::Pool | ErrorKind::Connection => {
                    tracing::warn!(error = %e, "database unavailable");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "the database is busy or unreachable".into(),
                    )
                }
                _ => {
                    tracing::error!(error = %e, "request failed");
                    (StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".into())
                }
            },
        };
        (status, Json(ErrorBody { error, message })).into_response()
    }
}

/// Names the violated constraint, never the SQL or the values.
fn constraint_message(e: &quarry::Error) -> String {
    match e.constraint() {
        Some(name) => format!("violates {name}"),
        None => "violates a constraint".into(),
    }
}

/// `GET /health`.
async fn health(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let conn = state.pool.get().await?;
    let latency = quarry::health_check(&conn, Duration::from_secs(2)).await?;
    let stats = state.pool.stats();
    Ok(Json(serde_json::json!({
        "status": "ok",
        "latency_ms": latency.as_secs_f64() * 1000.0,
        "pool": { "size": stats.size, "available": stats.available },
    })))
}

/// `GET /metrics`: the Prometheus text format.
async fn render_metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// A user as the API shows it.
#[derive(Serialize)]
struct UserOut {
    id: i32,
    email: String,
    name: String,
    bio: Option<String>,
    created_at: String,
}

impl From<crate::models::User> for UserOut {
    fn from(u: crate::models::User) -> Self {
        UserOut {
            id: u.id,
            email: u.email,
            name: u.name,
            bio: u.bio,
            created_at: u.created_at.to_rfc3339(),
        }
    }
}

/// The body of `POST /users`.
#[derive(Deserialize)]
struct NewUser {
    email: String,
    name: String,
    bio: Option<String>,
}

/// `POST /users`: 201, or 409 when the email is taken.
async fn create_user(
    State(state): State<AppState>,
    Json(new): Json<NewUser>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    let conn = state.pool.get().await?;
    let user = users::create_user(&conn, &new.email, &new.name, new.bio.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// `GET /users/{email}`: 404 when there is none.
async fn user_by_email(State(state): State<AppState>, Path(email): Path<String>) -> Result<Json<UserOut>, ApiError> {
    let conn = state.pool.get().await?;
    match users::user_by_email(&conn, &email).await? {
        Some(user) => Ok(Json(user.into())),
        None => Err(ApiError::NotFound(format!("no user with email {email}"))),
    }
}

/// The body of `POST /tasks`.
#[derive(Deserialize)]
struct NewTask {
    title: String,
    #[serde(default)]
    description: String,
}

/// `POST /tasks`: 201 with the new id.
async fn add_task(
    State(state): State<AppState>,
    Json(new): Json<NewTask>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let conn = state.pool.get().await?;
    let id = tasks::add_task(&conn, &new.title, &new.description).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// The query string of `GET /tasks`.
#[derive(Deserialize)]
struct TaskFilter {
    status: Option<String>,
}

/// A task in a list.
#[derive(Serialize)]
struct TaskOut {
    id: i32,
    title: String,
    status: String,
}

/// `GET /tasks?status=pending`: the tasks with that status, or all of them.
async fn list_tasks(
    State(state): State<AppState>,
    Query(filter): Query<TaskFilter>,
) -> Result<Json<Vec<TaskOut>>, ApiError> {
    let conn = state.pool.get().await?;
    let rows = tasks::list_tasks_by_status(&conn, filter.status.as_deref()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| TaskOut {
                id: r.id,
                title: r.title,
                status: r.status,
            })
            .collect(),
    ))
}

/// `GET /tasks/{id}/title`: a `:one` query, so a missing task is `RowCount`, hence 404.
async fn task_title(State(state): State<AppState>, Path(id): Path<i32>) -> Result<String, ApiError> {
    let conn = state.pool.get().await?;
    Ok(tasks::task_title(&conn, id).await?)
}
