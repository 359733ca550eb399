//! `/api/v1/agents`: the REST face of agents, on the same service functions as GraphQL.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use entity::{AgentId, AgentStatus, AgentType, agent};
use serde::{Deserialize, Serialize};

use crate::audit::Actor;
use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery, PageBody, path_id};
use crate::http::rest::RestRoute;
use crate::pagination::PageRequest;
use crate::state::AppState;

use super::service::{self, AgentFilter, NewAgent};

/// An agent as REST shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentBody {
    pub id: AgentId,
    pub name: String,
    #[serde(rename = "type")]
    pub agent_type: AgentType,
    pub status: AgentStatus,
    pub config: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<agent::Model> for AgentBody {
    fn from(m: agent::Model) -> Self {
        AgentBody {
            id: m.id.into(),
            name: m.name,
            agent_type: m.agent_type,
            status: m.status,
            config: m.config,
            created_at: m.created_at,
        }
    }
}

/// Query parameters of the list (not `#[serde(flatten)]`ed: query strings would then
/// reach numbers as strings).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    first: Option<i64>,
    after: Option<String>,
    status: Option<AgentStatus>,
    #[serde(rename = "type")]
    agent_type: Option<AgentType>,
}

/// The agent routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/agents", get(list)),
        RestRoute::new("POST", "/agents", post(create)),
        RestRoute::new("GET", "/agents/{id}", get(show)),
        RestRoute::new(
            "GET",
            "/agents/{id}/activities",
            get(crate::activities::rest::list_for_agent),
        ),
        RestRoute::new("GET", "/agents/{id}/spend", get(spend)),
    ]
}

async fn list(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<PageBody<AgentBody>>> {
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let filter = AgentFilter {
        status: params.status,
        agent_type: params.agent_type,
    };
    let found = service::list(&state, viewer.org_id, filter, page).await?;
    Ok(axum::Json(PageBody::from_page(found, AgentBody::from)))
}

async fn create(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    ApiJson(input): ApiJson<NewAgent>,
) -> ApiResult<(StatusCode, axum::Json<AgentBody>)> {
    let agent = service::create(&state, viewer.org_id, &actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(agent.into())))
}

async fn show(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<AgentBody>> {
    let id = path_id(&id, "agent")?;
    let agent = service::get(&state, viewer.org_id, id).await?;
    Ok(axum::Json(agent.into()))
}

async fn spend(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<super::spend::Spend>> {
    let id = path_id(&id, "agent")?;
    let spend = super::spend::today(&state, viewer.org_id, id, crate::time::now()).await?;
    Ok(axum::Json(spend))
}
