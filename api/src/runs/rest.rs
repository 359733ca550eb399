//! Runs and search over REST: `GET /api/v1/runs`, `GET /api/v1/runs/{id}` (the spans as a
//! flat depth-first list, each with `depth` and `parentId`) and `GET /api/v1/search?q=`, on
//! the same service functions as GraphQL.

use axum::extract::{Path, State};
use axum::routing::get;
use chrono::{DateTime, Utc};
use entity::{AgentId, Usd};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::activities::rest::ActivityBody;
use crate::activities::service::ActivityFilter;
use crate::auth::viewer::RequireViewer;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiQuery, PageBody, path_id};
use crate::http::rest::RestRoute;
use crate::pagination::PageRequest;
use crate::state::AppState;

use super::search;
use super::service::{self, RunFilter, RunStatus, RunSummary, RunTrace};
use crate::activities::tokens::TokenTotals;

/// The run and search routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/runs", get(list)),
        RestRoute::new("GET", "/runs/{id}", get(show)),
        RestRoute::new("GET", "/search", get(search_activities)),
    ]
}

/// A run as REST shows it: the fields of GraphQL's `Run`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunBody {
    pub id: Uuid,
    pub agent_id: Uuid,
    pub root_span_name: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub duration_ms: i64,
    pub span_count: i64,
    pub error_count: i64,
    pub status: RunStatus,
    pub total_cost_usd: Usd,
    pub unpriced_span_count: i64,
    pub tokens: TokenTotals,
}

impl From<RunSummary> for RunBody {
    fn from(run: RunSummary) -> Self {
        RunBody {
            status: run.status(),
            duration_ms: run.duration_ms(),
            id: run.id,
            agent_id: run.agent_id,
            root_span_name: run.root_name,
            started_at: run.started_at,
            ended_at: run.ended_at,
            span_count: run.spans,
            error_count: run.errors,
            total_cost_usd: run.cost,
            unpriced_span_count: run.unpriced,
            tokens: run.tokens.into(),
        }
    }
}

/// One span: the fields of GraphQL's `Span` except `children` (the list is flat).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpanBody {
    pub activity: ActivityBody,
    pub parent_id: Option<Uuid>,
    pub depth: usize,
    pub span_count: u64,
    pub error_count: u64,
    pub total_cost_usd: Usd,
    pub total_unpriced: u64,
    pub total_duration_ms: i64,
    pub elapsed_ms: i64,
    pub total_tokens: TokenTotals,
}

/// A run with its spans, depth first.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDetailBody {
    #[serde(flatten)]
    pub run: RunBody,
    pub spans_truncated: bool,
    pub spans: Vec<SpanBody>,
}

impl From<RunTrace> for RunDetailBody {
    fn from(trace: RunTrace) -> Self {
        let tree = trace.tree;
        let ids: Vec<Uuid> = tree.nodes.iter().map(|n| n.activity.id).collect();
        let mut nodes: Vec<Option<_>> = tree.nodes.into_iter().map(Some).collect();
        let spans = tree
            .preorder
            .iter()
            .filter_map(|&i| nodes[i].take())
            .map(|node| SpanBody {
                parent_id: node.parent.map(|p| ids[p]),
                depth: node.depth,
                span_count: node.totals.spans,
                error_count: node.totals.errors,
                total_cost_usd: Usd::from_nanos(node.totals.cost_nanos),
                total_unpriced: node.totals.unpriced,
                total_duration_ms: node.totals.duration_ms,
                elapsed_ms: node.totals.elapsed_ms(),
                total_tokens: node.totals.tokens.into(),
                activity: node.activity.into(),
            })
            .collect();
        RunDetailBody {
            run: trace.summary.into(),
            spans_truncated: trace.truncated,
            spans,
        }
    }
}

/// An optional agent id from a query string, named like the GraphQL argument on error.
fn agent_param(id: Option<&str>) -> ApiResult<Option<AgentId>> {
    id.map(|id| {
        id.parse()
            .map_err(|_| ApiError::invalid("agentId", "is not a valid id"))
    })
    .transpose()
}

/// Query parameters of the run list: `first`, `after`, `agentId`, `from`, `to` (RFC 3339),
/// `status` (`OK` or `ERROR`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ListParams {
    first: Option<i64>,
    after: Option<String>,
    agent_id: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    status: Option<RunStatus>,
}

/// The organization's runs, latest start first.
async fn list(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<PageBody<RunBody>>> {
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let filter = RunFilter {
        agent_id: agent_param(params.agent_id.as_deref())?,
        from: params.from,
        to: params.to,
        status: params.status,
    };
    let found = service::list(&state, viewer.org_id, filter, page).await?;
    Ok(axum::Json(PageBody::from_page(found, RunBody::from)))
}

/// One run with its spans; another organization's run is 404.
async fn show(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<RunDetailBody>> {
    let trace = service::get(&state, viewer.org_id, path_id(&id, "run")?).await?;
    Ok(axum::Json(trace.into()))
}

/// Query parameters of search: `q` (required), `first`, `after`, `agentId`, `from`, `to`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SearchParams {
    q: String,
    first: Option<i64>,
    after: Option<String>,
    agent_id: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// Activities containing every word of `q`, newest first.
async fn search_activities(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<axum::Json<PageBody<ActivityBody>>> {
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let filter = ActivityFilter {
        agent_id: agent_param(params.agent_id.as_deref())?,
        types: Vec::new(),
        from: params.from,
        to: params.to,
    };
    let found = search::search(&state, viewer.org_id, &params.q, filter, page).await?;
    Ok(axum::Json(PageBody::from_page(found, ActivityBody::from)))
}
