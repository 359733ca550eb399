//! `GET /api/v1/prices`: the price table ingest applies, as GraphQL's `modelPrices`.

use axum::extract::State;
use axum::routing::get;

use super::prices::{self, ModelPrice};
use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::rest::RestRoute;
use crate::state::AppState;

/// The cost routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![RestRoute::new("GET", "/prices", get(list))]
}

async fn list(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
) -> ApiResult<axum::Json<Vec<ModelPrice>>> {
    let settings = crate::orgs::service::settings_of(&state.db, viewer.org_id).await?;
    Ok(axum::Json(prices::effective(&settings, crate::time::now())))
}
