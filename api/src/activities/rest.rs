//! Activities over REST: `POST /api/v1/ingest` (the same batches as `recordActivities`) and
//! `GET /api/v1/agents/{id}/activities`.

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::routing::post;
use chrono::{DateTime, Utc};
use entity::{ActivityId, ActivityStatus, ActivityType, AgentId, Usd, agent_activity};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::viewer::RequireViewer;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery, BodyLimit, PageBody, path_id};
use crate::http::rest::RestRoute;
use crate::pagination::PageRequest;
use crate::state::AppState;

use super::graphql::{ActivityInput, into_batch};
use super::service::{self, ActivityFilter};

/// An activity as REST shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityBody {
    pub id: ActivityId,
    pub agent_id: AgentId,
    #[serde(rename = "type")]
    pub activity_type: ActivityType,
    pub payload: serde_json::Value,
    pub cost_usd: Option<Usd>,
    pub duration_ms: Option<i64>,
    pub timestamp: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub run_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub name: Option<String>,
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cache_read_tokens: Option<i64>,
    pub cache_write_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    pub status: ActivityStatus,
    pub error_message: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub unpriced: bool,
}

impl From<agent_activity::Model> for ActivityBody {
    fn from(m: agent_activity::Model) -> Self {
        ActivityBody {
            id: m.id.into(),
            agent_id: m.agent_id.into(),
            activity_type: m.activity_type,
            payload: m.payload,
            cost_usd: m.cost_usd,
            duration_ms: m.duration_ms,
            timestamp: m.timestamp,
            received_at: m.received_at,
            run_id: m.run_id,
            parent_id: m.parent_id,
            name: m.name,
            model: m.model,
            input_tokens: m.input_tokens,
            output_tokens: m.output_tokens,
            cache_read_tokens: m.cache_read_tokens,
            cache_write_tokens: m.cache_write_tokens,
            reasoning_tokens: m.reasoning_tokens,
            status: m.status,
            error_message: m.error_message,
            started_at: m.started_at,
            ended_at: m.ended_at,
            unpriced: m.unpriced,
        }
    }
}

/// Largest ingest request body: 1 MiB.
pub const MAX_INGEST_BYTES: usize = 1024 * 1024;

/// The activity routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![RestRoute::new(
        "POST",
        "/ingest",
        post(ingest).layer::<_, std::convert::Infallible>(
            tower::ServiceBuilder::new()
                .layer(DefaultBodyLimit::max(MAX_INGEST_BYTES))
                .layer(axum::Extension(BodyLimit(MAX_INGEST_BYTES))),
        ),
    )]
}

/// `{"activities": [...]}`, each as in GraphQL's `ActivityInput`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IngestBody {
    activities: Vec<ActivityInput>,
}

/// What an ingest did: the same counts as `recordActivities`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestOutcomeBody {
    pub accepted: usize,
    pub inserted: usize,
    pub duplicates: usize,
}

/// Records a batch of up to 1,000 activities; answers after the commit.
async fn ingest(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiJson(body): ApiJson<IngestBody>,
) -> ApiResult<axum::Json<IngestOutcomeBody>> {
    let batch = into_batch(body.activities)?;
    let outcome = service::record(&state, viewer.org_id, batch).await?;
    Ok(axum::Json(IngestOutcomeBody {
        accepted: outcome.accepted,
        inserted: outcome.inserted,
        duplicates: outcome.duplicates,
    }))
}

/// Query parameters: `first`, `after`, `type` (comma-separated), `from`, `to` (RFC 3339).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    first: Option<i64>,
    after: Option<String>,
    #[serde(rename = "type")]
    types: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// The agent's activities, newest first; another org's agent is 404.
pub async fn list_for_agent(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<PageBody<ActivityBody>>> {
    let agent = crate::agents::service::get(&state, viewer.org_id, path_id(&id, "agent")?).await?;
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let types = params
        .types
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse()
                .map_err(|err: entity::UnknownVariant| ApiError::invalid("type", err.to_string()))
        })
        .collect::<ApiResult<Vec<ActivityType>>>()?;
    let filter = ActivityFilter {
        agent_id: Some(agent.id.into()),
        types,
        from: params.from,
        to: params.to,
    };
    let found = service::list(&state, viewer.org_id, filter, page).await?;
    Ok(axum::Json(PageBody::from_page(found, ActivityBody::from)))
}
