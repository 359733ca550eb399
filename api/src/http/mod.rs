//! The HTTP surface: one router for GraphQL, REST, health, metrics and the dashboard, with
//! the cross-cutting layers (body limit, tracing, compression, panic safety, metrics).

pub mod dashboard;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod rest;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::graphql::{self, Schemas};
use crate::state::AppState;

/// The whole application router.
pub fn router(state: AppState, schemas: Schemas) -> Router {
    let limit = state.config.max_body_bytes;
    let api_v1 = rest::router(&state).fallback(|| async { ApiError::NotFound("route") });
    Router::new()
        .route(
            "/graphql",
            post(graphql::http::execute).get(graphql::http::graphiql),
        )
        .route("/graphql/ws", get(graphql::http::subscriptions))
        .nest(rest::PREFIX, api_v1)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .fallback(dashboard::serve)
        .layer(axum::Extension(schemas))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::internal(anyhow::anyhow!(
                "a request handler panicked"
            )))
        }))
        .with_state(state)
}
