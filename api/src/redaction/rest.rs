//! `GET` and `PUT /api/v1/redaction`: the redaction rules over REST, on the same service
//! functions as GraphQL.

use axum::Extension;
use axum::extract::State;
use axum::routing::{get, put};

use crate::audit::Actor;
use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::http::rest::RestRoute;
use crate::state::AppState;

use super::service::{self, RedactionPatch, RedactionRules};

/// The redaction routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/redaction", get(show)),
        RestRoute::new("PUT", "/redaction", put(update)),
    ]
}

/// `{"rules": [...]}`, as `redactionSettings` answers.
async fn show(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
) -> ApiResult<axum::Json<RedactionRules>> {
    Ok(axum::Json(service::get(&state, viewer.org_id).await?))
}

/// Body as `UpdateRedactionSettingsInput` (`disabledRules`, `extraPatterns`; absent fields
/// stay); answers the rules as they now are.
async fn update(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<RedactionPatch>,
) -> ApiResult<axum::Json<RedactionRules>> {
    Ok(axum::Json(
        service::update(&state, viewer.org_id, &actor, body).await?,
    ))
}
