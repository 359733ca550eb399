//! `GET /api/v1/audit`: the audit log over REST.

use axum::extract::State;
use axum::routing::get;
use chrono::{DateTime, Utc};
use entity::audit_log;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::extract::{ApiQuery, PageBody};
use crate::http::rest::RestRoute;
use crate::pagination::PageRequest;
use crate::state::AppState;

use super::service::{self, AuditFilter};

/// An audit record as REST shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryBody {
    pub id: Uuid,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<Uuid>,
    pub summary: serde_json::Value,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub hash: String,
}

impl From<audit_log::Model> for AuditEntryBody {
    fn from(m: audit_log::Model) -> Self {
        AuditEntryBody {
            id: m.id,
            seq: m.seq,
            occurred_at: m.occurred_at,
            actor_type: m.actor_type,
            actor_id: m.actor_id,
            actor_label: m.actor_label,
            action: m.action,
            target_type: m.target_type,
            target_id: m.target_id,
            summary: m.summary,
            ip: m.ip,
            user_agent: m.user_agent,
            hash: m.hash,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListParams {
    first: Option<i64>,
    after: Option<String>,
    action: Option<String>,
    actor_id: Option<Uuid>,
    target_id: Option<Uuid>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// The audit routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/audit", get(list)),
        RestRoute::new("GET", "/audit/verify", get(verify)),
    ]
}

/// The result of checking the audit chain.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationBody {
    pub ok: bool,
    pub checked: u64,
    pub first_broken: Option<AuditEntryBody>,
}

async fn verify(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
) -> ApiResult<axum::Json<VerificationBody>> {
    let result = service::verify(&state, viewer.org_id).await?;
    Ok(axum::Json(VerificationBody {
        ok: result.first_broken.is_none(),
        checked: result.checked,
        first_broken: result.first_broken.map(Into::into),
    }))
}

async fn list(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<PageBody<AuditEntryBody>>> {
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let filter = AuditFilter {
        action: params.action,
        actor_id: params.actor_id,
        target_id: params.target_id,
        from: params.from,
        to: params.to,
    };
    let found = service::list(&state, viewer.org_id, filter, page).await?;
    Ok(axum::Json(PageBody::from_page(found, AuditEntryBody::from)))
}
