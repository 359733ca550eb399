//! The GraphQL face of identity: `viewer`, sign-up, log-in and API keys.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{ApiKeyId, ApiKeyScope, AuthProvider, Role, api_key, user};

use crate::error::ApiResult;
use crate::graphql::connection::{CursorConnection, to_connection};
use crate::graphql::context::{ContextExt as _, audit_actor, parse_id, request_meta};
use crate::orgs::graphql::Organization;
use crate::pagination::PageRequest;

use super::service::{self, Session, SignUp};
use super::{Principal, api_keys};

/// A member of an organization.
pub struct User(pub user::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn role(&self) -> Role {
        self.0.role
    }

    /// How the member signs in.
    async fn auth_provider(&self) -> AuthProvider {
        self.0.auth_provider
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The caller: a member, or an agent's API key.
pub struct ViewerObject(crate::auth::Viewer);

#[Object(name = "Viewer")]
impl ViewerObject {
    /// The signed-in member; `null` for an API key.
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        match self.0.principal {
            Principal::User { id, .. } => {
                let user = service::find_user(ctx.state()?, self.0.org_id, id).await?;
                Ok(Some(User(user)))
            }
            Principal::ApiKey { .. } => Ok(None),
        }
    }

    /// The caller's organization.
    async fn organization(&self, ctx: &Context<'_>) -> ApiResult<Organization> {
        crate::orgs::service::get(ctx.state()?, self.0.org_id)
            .await
            .map(Organization)
    }

    /// The role the caller acts with (API keys act as operators).
    async fn role(&self) -> Role {
        self.0.role()
    }
}

/// An API key; the secret itself is shown only once, when it is created.
pub struct ApiKey(pub api_key::Model);

#[Object]
impl ApiKey {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The public start of the key (`hai_…`), to tell keys apart.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Last successful use, to the minute.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }

    /// When it was revoked; `null` unless revoked.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }

    /// What the key may do.
    async fn scope(&self) -> ApiKeyScope {
        self.0.scope
    }

    /// When a rotated key stops working (the end of its grace period); `null`: no end.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
}

/// A key just created, with its secret: store it now, it is not shown again.
#[derive(SimpleObject)]
pub struct CreatedApiKey {
    pub api_key: ApiKey,
    /// The whole key, for `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// A signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <accessToken>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i32,
    /// Opaque, valid once: exchange it with `refreshSession` for a new session before the
    /// access token expires. Presenting it a second time ends every session of this sign-in.
    pub refresh_token: String,
    /// Seconds until the refresh token expires (30 days).
    pub refresh_expires_in: i32,
    pub user: User,
}

impl From<Session> for AuthPayload {
    fn from(s: Session) -> Self {
        AuthPayload {
            access_token: s.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: i32::try_from(s.expires_in_seconds).unwrap_or(i32::MAX),
            refresh_token: s.refresh_token,
            refresh_expires_in: i32::try_from(s.refresh_expires_in_seconds).unwrap_or(i32::MAX),
            user: User(s.user),
        }
    }
}

/// A new organization and its first admin.
#[derive(InputObject)]
pub struct SignUpInput {
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    pub organization_name: String,
}

/// Email and password.
#[derive(InputObject)]
pub struct LogInInput {
    pub email: String,
    pub password: String,
}

/// The current password and the new one.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    /// At least 10 characters.
    pub new_password: String,
}

/// A new API key.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// What the key is for, e.g. the agent that will use it.
    pub name: String,
    /// What it may do; `FULL` when absent.
    pub scope: Option<ApiKeyScope>,
}

/// Default grace period of a rotated key: one day.
pub const DEFAULT_ROTATION_GRACE_SECONDS: i32 = 86_400;

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The providers this server offers besides email and password (for sign-in buttons).
    async fn sign_in_providers(&self, ctx: &Context<'_>) -> ApiResult<Vec<AuthProvider>> {
        ctx.authorize_optional("Query.signInProviders")?;
        Ok(super::oauth::enabled(&ctx.state()?.config))
    }

    /// The caller and their organization.
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<ViewerObject> {
        ctx.authorize("Query.viewer").map(ViewerObject)
    }

    /// The organization's API keys, newest first, revoked and expired ones included
    /// (admins).
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<CursorConnection<ApiKey>> {
        let viewer = ctx.authorize("Query.apiKeys")?;
        let page = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let found = api_keys::list(ctx.state()?, viewer.org_id, page).await?;
        Ok(to_connection(found.map(ApiKey), page))
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Creates an organization with you as its admin, and signs you in.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> ApiResult<AuthPayload> {
        ctx.authorize_optional("Mutation.signUp")?;
        let input = SignUp {
            email: input.email,
            password: input.password,
            organization_name: input.organization_name,
        };
        service::sign_up(ctx.state()?, input, request_meta(ctx))
            .await
            .map(Into::into)
    }

    /// Signs in with email and password.
    async fn log_in(&self, ctx: &Context<'_>, input: LogInInput) -> ApiResult<AuthPayload> {
        ctx.authorize_optional("Mutation.logIn")?;
        service::log_in(
            ctx.state()?,
            &input.email,
            input.password,
            request_meta(ctx),
        )
        .await
        .map(Into::into)
    }

    /// Exchanges a refresh token for a new session (a new access token and a new refresh
    /// token). Each refresh token works once.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> ApiResult<AuthPayload> {
        ctx.authorize_optional("Mutation.refreshSession")?;
        service::refresh_session(ctx.state()?, &refresh_token)
            .await
            .map(Into::into)
    }

    /// Ends the sign-in the refresh token belongs to. Always `true`, also for unknown tokens.
    async fn log_out(&self, ctx: &Context<'_>, refresh_token: String) -> ApiResult<bool> {
        ctx.authorize_optional("Mutation.logOut")?;
        service::log_out(ctx.state()?, &refresh_token, request_meta(ctx)).await?;
        Ok(true)
    }

    /// Ends every sign-in of the signed-in member, on every device.
    async fn log_out_everywhere(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let viewer = ctx.authorize("Mutation.logOutEverywhere")?;
        let user = viewer.user_id("Mutation.logOutEverywhere")?;
        let actor = audit_actor(ctx)?;
        service::log_out_everywhere(ctx.state()?, &actor, viewer.org_id, user).await?;
        Ok(true)
    }

    /// Changes your password, ends every other sign-in, and returns a fresh session.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> ApiResult<AuthPayload> {
        let viewer = ctx.authorize("Mutation.changePassword")?;
        let user = viewer.user_id("Mutation.changePassword")?;
        service::change_password(
            ctx.state()?,
            viewer.org_id,
            user,
            input.current_password,
            input.new_password,
            request_meta(ctx),
        )
        .await
        .map(Into::into)
    }

    /// Creates an API key for agents (admins).
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> ApiResult<CreatedApiKey> {
        let viewer = ctx.authorize("Mutation.createApiKey")?;
        let actor = audit_actor(ctx)?;
        let new = api_keys::NewKey {
            name: &input.name,
            scope: input.scope.unwrap_or(ApiKeyScope::Full),
        };
        let (key, secret) = api_keys::create(ctx.state()?, viewer.org_id, &actor, new).await?;
        Ok(CreatedApiKey {
            api_key: ApiKey(key),
            secret,
        })
    }

    /// Issues a successor of an API key (same name and scope); the old key keeps working for
    /// `graceSeconds` (default one day, at most 30 days; 0 ends it now) so agents can switch
    /// without downtime (admins).
    async fn rotate_api_key(
        &self,
        ctx: &Context<'_>,
        id: ID,
        grace_seconds: Option<i32>,
    ) -> ApiResult<CreatedApiKey> {
        let viewer = ctx.authorize("Mutation.rotateApiKey")?;
        let actor = audit_actor(ctx)?;
        let id: ApiKeyId = parse_id(&id, "id")?;
        let grace = chrono::Duration::seconds(i64::from(
            grace_seconds.unwrap_or(DEFAULT_ROTATION_GRACE_SECONDS),
        ));
        let (key, secret) =
            api_keys::rotate(ctx.state()?, viewer.org_id, &actor, id, grace).await?;
        Ok(CreatedApiKey {
            api_key: ApiKey(key),
            secret,
        })
    }

    /// Revokes an API key at once (admins).
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ApiKey> {
        let viewer = ctx.authorize("Mutation.revokeApiKey")?;
        let id: ApiKeyId = parse_id(&id, "id")?;
        let actor = audit_actor(ctx)?;
        api_keys::revoke(ctx.state()?, viewer.org_id, &actor, id)
            .await
            .map(ApiKey)
    }
}
