//! `/api/v1/organization`, `/api/v1/members` and `/api/v1/invitations` over REST, on the
//! same service functions as GraphQL.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use chrono::{DateTime, Utc};
use entity::{OrgId, Plan, Role, invitation, organization};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{Actor, RequestMeta};
use crate::auth::rest::{SessionBody, UserBody};
use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery, PageBody, PageParams, path_id};
use crate::http::rest::RestRoute;
use crate::pagination::PageRequest;
use crate::state::AppState;

use super::members;
use super::service::{self, OrganizationPatch};

/// The organization as REST shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationBody {
    pub id: OrgId,
    pub name: String,
    pub plan: Plan,
    pub settings: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<organization::Model> for OrganizationBody {
    fn from(m: organization::Model) -> Self {
        OrganizationBody {
            id: m.id.into(),
            name: m.name,
            plan: m.plan,
            settings: m.settings,
            created_at: m.created_at,
        }
    }
}

/// An invitation as REST shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationBody {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<invitation::Model> for InvitationBody {
    fn from(m: invitation::Model) -> Self {
        InvitationBody {
            id: m.id,
            email: m.email,
            role: m.role,
            created_at: m.created_at,
            expires_at: m.expires_at,
            accepted_at: m.accepted_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// An invitation just created, with its single-use token.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedInvitationBody {
    pub invitation: InvitationBody,
    pub token: String,
    pub accept_path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteBody {
    email: String,
    role: Role,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptBody {
    token: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: Role,
}

/// The organization, member and invitation routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/organization", get(show_organization)),
        RestRoute::new("PATCH", "/organization", patch(update_organization)),
        RestRoute::new("GET", "/members", get(list_members)),
        RestRoute::new("PATCH", "/members/{id}", patch(change_role)),
        RestRoute::new("DELETE", "/members/{id}", delete(remove_member)),
        RestRoute::new("GET", "/invitations", get(list_invitations)),
        RestRoute::new("POST", "/invitations", post(invite)),
        RestRoute::new("POST", "/invitations/accept", post(accept)),
        RestRoute::new("POST", "/invitations/{id}/revoke", post(revoke_invitation)),
    ]
}

async fn show_organization(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
) -> ApiResult<axum::Json<OrganizationBody>> {
    Ok(axum::Json(
        service::get(&state, viewer.org_id).await?.into(),
    ))
}

async fn update_organization(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<OrganizationPatch>,
) -> ApiResult<axum::Json<OrganizationBody>> {
    let updated = service::update(&state, viewer.org_id, &actor, body).await?;
    Ok(axum::Json(updated.into()))
}

async fn list_members(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<PageBody<UserBody>>> {
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let found = members::list_members(&state, viewer.org_id, page).await?;
    Ok(axum::Json(PageBody::from_page(found, UserBody::from)))
}

async fn change_role(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleBody>,
) -> ApiResult<axum::Json<UserBody>> {
    let member = path_id(&id, "member")?;
    let updated = members::change_role(&state, viewer.org_id, &actor, member, body.role).await?;
    Ok(axum::Json(updated.into()))
}

async fn remove_member(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    members::remove(&state, viewer.org_id, &actor, path_id(&id, "member")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_invitations(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<PageBody<InvitationBody>>> {
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let found = members::list_invitations(&state, viewer.org_id, page).await?;
    Ok(axum::Json(PageBody::from_page(found, InvitationBody::from)))
}

async fn invite(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<InviteBody>,
) -> ApiResult<(StatusCode, axum::Json<CreatedInvitationBody>)> {
    let created = members::invite(&state, viewer.org_id, &actor, &body.email, body.role).await?;
    let body = CreatedInvitationBody {
        accept_path: format!("/accept-invitation?token={}", created.token),
        invitation: created.invitation.into(),
        token: created.token,
    };
    Ok((StatusCode::CREATED, axum::Json(body)))
}

async fn accept(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> ApiResult<(StatusCode, axum::Json<SessionBody>)> {
    let session = members::accept(&state, &body.token, body.password, meta).await?;
    Ok((StatusCode::CREATED, axum::Json(session.into())))
}

async fn revoke_invitation(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<InvitationBody>> {
    let id = path_id(&id, "invitation")?;
    let revoked = members::revoke_invitation(&state, viewer.org_id, &actor, id).await?;
    Ok(axum::Json(revoked.into()))
}
