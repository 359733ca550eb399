//! `/api/v1/api-keys`: listing, creating, rotating and revoking API keys over REST, on the
//! same service functions as the GraphQL mutations.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use entity::{ApiKeyId, ApiKeyScope, api_key};
use serde::{Deserialize, Serialize};

use crate::audit::Actor;
use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery, PageBody, PageParams, path_id};
use crate::http::rest::RestRoute;
use crate::pagination::PageRequest;
use crate::state::AppState;

use super::api_keys::{self, NewKey};

/// An API key as REST shows it (never its secret).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyBody {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub scope: ApiKeyScope,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_key::Model> for ApiKeyBody {
    fn from(m: api_key::Model) -> Self {
        ApiKeyBody {
            id: m.id.into(),
            name: m.name,
            prefix: m.prefix,
            scope: m.scope,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// A key just created or rotated, with its secret (shown once).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedKeyBody {
    pub api_key: ApiKeyBody,
    pub secret: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    scope: Option<ApiKeyScope>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RotateBody {
    grace_seconds: Option<i64>,
}

/// The API key routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/api-keys", get(list)),
        RestRoute::new("POST", "/api-keys", post(create)),
        RestRoute::new("POST", "/api-keys/{id}/rotate", post(rotate)),
        RestRoute::new("POST", "/api-keys/{id}/revoke", post(revoke)),
    ]
}

async fn list(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<PageBody<ApiKeyBody>>> {
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let found = api_keys::list(&state, viewer.org_id, page).await?;
    Ok(axum::Json(PageBody::from_page(found, ApiKeyBody::from)))
}

async fn create(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<(StatusCode, axum::Json<CreatedKeyBody>)> {
    let new = NewKey {
        name: &body.name,
        scope: body.scope.unwrap_or(ApiKeyScope::Full),
    };
    let (key, secret) = api_keys::create(&state, viewer.org_id, &actor, new).await?;
    let body = CreatedKeyBody {
        api_key: key.into(),
        secret,
    };
    Ok((StatusCode::CREATED, axum::Json(body)))
}

async fn rotate(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RotateBody>,
) -> ApiResult<axum::Json<CreatedKeyBody>> {
    let grace = chrono::Duration::seconds(
        body.grace_seconds
            .unwrap_or(super::graphql::DEFAULT_ROTATION_GRACE_SECONDS.into()),
    );
    let (key, secret) = api_keys::rotate(
        &state,
        viewer.org_id,
        &actor,
        path_id(&id, "API key")?,
        grace,
    )
    .await?;
    Ok(axum::Json(CreatedKeyBody {
        api_key: key.into(),
        secret,
    }))
}

async fn revoke(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ApiKeyBody>> {
    let key = api_keys::revoke(&state, viewer.org_id, &actor, path_id(&id, "API key")?).await?;
    Ok(axum::Json(key.into()))
}
