//! The [`Viewer`]: the authenticated caller, extracted once per transport (the HTTP
//! `Authorization` header, or the WebSocket `connection_init` payload). Every query takes the
//! organization from here, never from an argument.

use axum::extract::FromRequestParts;
use std::net::IpAddr;

use axum::http::HeaderMap;
use axum::http::request::Parts;
use entity::{ApiKeyId, ApiKeyScope, OrgId, Role, UserId, user};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::error::{ApiError, ApiResult};
use crate::limits::RateKey;
use crate::state::AppState;

use super::{api_keys, jwt};

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// A signed-in member, with the role their token carries.
    User { id: UserId, role: Role },
    /// An agent's API key, with what it may do.
    ApiKey { id: ApiKeyId, scope: ApiKeyScope },
}

/// The authenticated caller and their organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub org_id: OrgId,
    pub principal: Principal,
}

impl Viewer {
    /// The role the caller acts with. API keys act as operators: they report activity and
    /// read, but never manage members, keys or settings.
    pub fn role(&self) -> Role {
        match self.principal {
            Principal::User { role, .. } => role,
            Principal::ApiKey { .. } => Role::Operator,
        }
    }

    /// The member behind the call, or `FORBIDDEN` for an API key.
    pub fn user_id(&self, action: &'static str) -> ApiResult<UserId> {
        match self.principal {
            Principal::User { id, .. } => Ok(id),
            Principal::ApiKey { .. } => Err(ApiError::Forbidden(action)),
        }
    }
}

/// An authenticated caller and how the audit log names them (the member's email or the
/// key's prefix), read once with the credential.
#[derive(Debug, Clone)]
pub struct Caller {
    pub viewer: Viewer,
    pub label: String,
}

/// Resolves a bearer credential (a JWT or an API key) into a caller.
pub async fn authenticate_bearer(state: &AppState, credential: &str) -> ApiResult<Caller> {
    if api_keys::looks_like_key(credential) {
        let key = api_keys::authenticate(state, credential).await?;
        return Ok(Caller {
            viewer: Viewer {
                org_id: key.org_id.into(),
                principal: Principal::ApiKey {
                    id: key.id.into(),
                    scope: key.scope,
                },
            },
            label: key.prefix,
        });
    }
    let claims: jwt::Claims = state.tokens.verify(credential)?;
    // The token proves who signed in; the member's current row says whether they still
    // belong and with which role, so a removal or demotion takes effect at once.
    let member = user::Entity::find_by_id(claims.sub.0)
        .filter(user::Column::OrgId.eq(claims.org.0))
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthenticated(
            "this account is no longer a member",
        ))?;
    Ok(Caller {
        viewer: Viewer {
            org_id: claims.org,
            principal: Principal::User {
                id: claims.sub,
                role: member.role,
            },
        },
        label: member.email,
    })
}

/// Resolves an `Authorization` header value: absent is anonymous; present must be a valid
/// `Bearer` credential.
pub async fn authenticate_header(
    state: &AppState,
    header: Option<&str>,
) -> ApiResult<Option<Caller>> {
    let Some(header) = header else {
        return Ok(None);
    };
    let credential = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or(ApiError::Unauthenticated(
            "Authorization header must be `Bearer <token or API key>`",
        ))?;
    authenticate_bearer(state, credential).await.map(Some)
}

/// The caller of an HTTP request, charged to their rate-limit bucket: authentication and
/// admission in one step, shared by GraphQL and REST.
pub async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    address: IpAddr,
) -> ApiResult<Option<Caller>> {
    let caller = authenticate_header(state, authorization_header(headers)?).await?;
    state
        .limits
        .check(&RateKey::of(caller.as_ref().map(|c| &c.viewer), address))?;
    Ok(caller)
}

/// The `Authorization` header's text, if present.
pub fn authorization_header(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .map(|value| {
            value
                .to_str()
                .map_err(|_| ApiError::Unauthenticated("Authorization header is not valid text"))
        })
        .transpose()
}

/// The caller of a REST request as the authorization layer found them (see `http::rest`),
/// kept in the request's extensions so the credential is checked once.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated(pub Option<Viewer>);

/// The caller of a REST request; `UNAUTHENTICATED` when there is none.
pub struct RequireViewer(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for RequireViewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(viewer))) => Ok(RequireViewer(*viewer)),
            Some(Authenticated(None)) => {
                Err(ApiError::Unauthenticated("sign in or send an API key"))
            }
            None => Err(ApiError::internal(anyhow::anyhow!(
                "REST route without the authorization layer"
            ))),
        }
    }
}
