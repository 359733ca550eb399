//! `GET /api/v1/analytics/costs|forecast|performance|tasks`: the same reports as GraphQL's `analytics`.

use axum::extract::State;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::service::{
    self, CostForecast, CostGroupBy, CostReport, PerformanceReport, TaskReport, Window,
};
use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::extract::ApiQuery;
use crate::http::rest::RestRoute;
use crate::state::AppState;

/// The analytics routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/analytics/costs", get(costs)),
        RestRoute::new("GET", "/analytics/forecast", get(forecast)),
        RestRoute::new("GET", "/analytics/performance", get(performance)),
        RestRoute::new("GET", "/analytics/tasks", get(tasks)),
    ]
}

/// `from`, `to` (RFC 3339); whole UTC days.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowParams {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// `groupBy` (`AGENT`, `MODEL` or `DAY`), `from`, `to`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CostParams {
    group_by: CostGroupBy,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

async fn costs(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<CostParams>,
) -> ApiResult<axum::Json<CostReport>> {
    let window = Window::days(params.from, params.to, crate::time::now())?;
    let report = service::costs(&state, viewer.org_id, window, params.group_by).await?;
    Ok(axum::Json(report))
}

async fn forecast(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
) -> ApiResult<axum::Json<CostForecast>> {
    let forecast = service::forecast(&state, viewer.org_id, crate::time::now()).await?;
    Ok(axum::Json(forecast))
}

async fn tasks(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<WindowParams>,
) -> ApiResult<axum::Json<TaskReport>> {
    let window = Window::days(params.from, params.to, crate::time::now())?;
    let report = service::tasks(&state, viewer.org_id, window).await?;
    Ok(axum::Json(report))
}

async fn performance(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<WindowParams>,
) -> ApiResult<axum::Json<PerformanceReport>> {
    let window = Window::days(params.from, params.to, crate::time::now())?;
    let report = service::performance(&state, viewer.org_id, window).await?;
    Ok(axum::Json(report))
}
