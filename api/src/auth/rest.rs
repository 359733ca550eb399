//! `/api/v1/auth/*`: sign-up, log-in, refresh and log-out over REST, on the same service
//! functions as the GraphQL mutations.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use chrono::{DateTime, Utc};
use entity::{AuthProvider, Role, UserId, user};
use serde::{Deserialize, Serialize};

use crate::audit::{Actor, RequestMeta};
use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::extract::ApiJson;
use crate::http::rest::RestRoute;
use crate::state::AppState;

use super::service::{self, Session, SignUp};

/// A member as REST shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    pub id: UserId,
    pub email: String,
    pub role: Role,
    pub auth_provider: AuthProvider,
    pub created_at: DateTime<Utc>,
}

impl From<user::Model> for UserBody {
    fn from(m: user::Model) -> Self {
        UserBody {
            id: m.id.into(),
            email: m.email,
            role: m.role,
            auth_provider: m.auth_provider,
            created_at: m.created_at,
        }
    }
}

/// A session as REST shows it (the same fields as GraphQL's `AuthPayload`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionBody {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_expires_in: i64,
    pub user: UserBody,
}

impl From<Session> for SessionBody {
    fn from(s: Session) -> Self {
        SessionBody {
            access_token: s.access_token,
            token_type: "Bearer",
            expires_in: s.expires_in_seconds,
            refresh_token: s.refresh_token,
            refresh_expires_in: s.refresh_expires_in_seconds,
            user: s.user.into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignUpBody {
    email: String,
    password: String,
    organization_name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogInBody {
    email: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RefreshBody {
    refresh_token: String,
}

/// The auth routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("POST", "/auth/signup", post(sign_up)),
        RestRoute::new("POST", "/auth/login", post(log_in)),
        RestRoute::new("POST", "/auth/refresh", post(refresh)),
        RestRoute::new("POST", "/auth/logout", post(log_out)),
        RestRoute::new("POST", "/auth/logout-everywhere", post(log_out_everywhere)),
        RestRoute::new("POST", "/auth/password", post(change_password)),
    ]
}

async fn sign_up(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    ApiJson(body): ApiJson<SignUpBody>,
) -> ApiResult<(StatusCode, axum::Json<SessionBody>)> {
    let input = SignUp {
        email: body.email,
        password: body.password,
        organization_name: body.organization_name,
    };
    let session = service::sign_up(&state, input, meta).await?;
    Ok((StatusCode::CREATED, axum::Json(session.into())))
}

async fn log_in(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    ApiJson(body): ApiJson<LogInBody>,
) -> ApiResult<axum::Json<SessionBody>> {
    let session = service::log_in(&state, &body.email, body.password, meta).await?;
    Ok(axum::Json(session.into()))
}

async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshBody>,
) -> ApiResult<axum::Json<SessionBody>> {
    let session = service::refresh_session(&state, &body.refresh_token).await?;
    Ok(axum::Json(session.into()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

async fn log_out_everywhere(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
) -> ApiResult<StatusCode> {
    let user = viewer.user_id("POST /api/v1/auth/logout-everywhere")?;
    service::log_out_everywhere(&state, &actor, viewer.org_id, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn change_password(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(meta): Extension<RequestMeta>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<axum::Json<SessionBody>> {
    let user = viewer.user_id("POST /api/v1/auth/password")?;
    let session = service::change_password(
        &state,
        viewer.org_id,
        user,
        body.current_password,
        body.new_password,
        meta,
    )
    .await?;
    Ok(axum::Json(session.into()))
}

async fn log_out(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    ApiJson(body): ApiJson<RefreshBody>,
) -> ApiResult<StatusCode> {
    service::log_out(&state, &body.refresh_token, meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
