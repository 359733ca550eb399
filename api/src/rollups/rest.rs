//! Metrics over REST: `GET /api/v1/agents/{id}/metrics` and `GET /api/v1/metrics` (the whole
//! organization), with the same body as GraphQL's `AgentMetrics`.

use axum::extract::{Path, State};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Metrics, Scope};
use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::extract::{ApiQuery, path_id};
use crate::http::rest::RestRoute;
use crate::state::AppState;

/// The metrics routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/agents/{id}/metrics", get(for_agent)),
        RestRoute::new("GET", "/metrics", get(for_org)),
    ]
}

/// Query parameters: `from` and `to` (RFC 3339), both optional as in GraphQL's
/// `MetricsWindowInput`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowParams {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// One agent's metrics; another organization's agent is 404.
async fn for_agent(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<WindowParams>,
) -> ApiResult<axum::Json<Metrics>> {
    let agent = crate::agents::service::get(&state, viewer.org_id, path_id(&id, "agent")?).await?;
    let scope = Scope::Agent(agent.id.into());
    let metrics = super::load(&state, viewer.org_id, scope, params.from, params.to).await?;
    Ok(axum::Json(metrics))
}

/// The whole organization's metrics.
async fn for_org(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<WindowParams>,
) -> ApiResult<axum::Json<Metrics>> {
    let metrics = super::load(&state, viewer.org_id, Scope::Org, params.from, params.to).await?;
    Ok(axum::Json(metrics))
}
