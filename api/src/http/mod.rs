//! The HTTP surface: one router for GraphQL, REST, health, metrics and the dashboard, with
//! the cross-cutting layers (body limit, tracing, compression, panic safety, metrics).

pub mod dashboard;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod rest;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::error::ApiError;
use crate::graphql::{self, Schemas};
use crate::state::AppState;

/// The whole application router; fails on a CORS origin that is not a valid header value.
pub fn router(state: AppState, schemas: Schemas) -> anyhow::Result<Router> {
    let limit = state.config.max_body_bytes;
    let cors = cors_layer(&state.config)?;
    let api_v1 =
        rest::router(&state, rest::PREFIX).fallback(|| async { ApiError::NotFound("route") });
    Ok(Router::new()
        .route(
            "/graphql",
            post(graphql::http::execute).get(graphql::http::graphiql),
        )
        .route("/graphql/ws", get(graphql::http::subscriptions))
        .nest(rest::PREFIX, api_v1)
        .merge(rest::router(&state, rest::ROOT))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .fallback(dashboard::serve)
        .layer(axum::Extension(schemas))
        .layer(cors)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::internal(anyhow::anyhow!(
                "a request handler panicked"
            )))
        }))
        .with_state(state))
}

/// Lets the configured origins (exactly those) call the API from a browser, with a
/// credential header; no origin at all when none is configured.
fn cors_layer(config: &Config) -> anyhow::Result<CorsLayer> {
    let origins = config
        .cors_origin_list()
        .into_iter()
        .map(|origin| {
            HeaderValue::from_str(origin)
                .map_err(|_| anyhow::anyhow!("HUMANAIOS_CORS_ORIGINS: `{origin}` is not an origin"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600)))
}
