//! `/api/v1/mcp/tools`: the proxy reports the tools it saw and learns which changed;
//! members list the pins; admins accept changes.

use axum::Extension;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use entity::AgentId;
use serde::{Deserialize, Serialize};

use crate::audit::Actor;
use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery, path_id};
use crate::http::rest::RestRoute;
use crate::state::AppState;

use super::pin_views::McpToolView;
use super::pins::{self, Standing, ToolsSeen};

/// The tool-pinning routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("POST", "/mcp/tools", post(report)),
        RestRoute::new("GET", "/mcp/tools", get(list)),
        RestRoute::new("POST", "/mcp/tools/{id}/accept", post(accept)),
    ]
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

/// Body `{"agentId", "server", "tools": [MCP Tool, …]}`; answers each tool's standing.
async fn report(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiJson(seen): ApiJson<ToolsSeen>,
) -> ApiResult<axum::Json<Items<Standing>>> {
    let items = pins::observe(&state, viewer.org_id, seen).await?;
    Ok(axum::Json(Items { items }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListParams {
    agent_id: Option<AgentId>,
    #[serde(default)]
    changed: bool,
}

async fn list(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<Items<McpToolView>>> {
    let found = pins::list(&state, viewer.org_id, params.agent_id, params.changed).await?;
    Ok(axum::Json(Items {
        items: found.into_iter().map(McpToolView::from).collect(),
    }))
}

async fn accept(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<McpToolView>> {
    let id = path_id(&id, "MCP tool")?;
    let by = viewer.user_id("accepting an MCP tool change")?;
    let tool = pins::accept(&state, viewer.org_id, &actor, by.0, id).await?;
    Ok(axum::Json(tool.into()))
}
