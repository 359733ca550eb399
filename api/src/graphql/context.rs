//! What resolvers read from the GraphQL context, without panicking when it is missing.

use async_graphql::Context;

use crate::audit::{Actor, RequestMeta};
use crate::auth::viewer::Caller;
use crate::auth::{Viewer, roles};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Typed access to the context data every resolver needs.
pub trait ContextExt {
    /// The shared server state.
    fn state(&self) -> ApiResult<&AppState>;
    /// The authenticated caller; `UNAUTHENTICATED` when there is none.
    fn viewer(&self) -> ApiResult<Viewer>;
    /// The caller, if the role matrix lets them call `operation` (`Mutation.createAgent`).
    fn authorize(&self, operation: &'static str) -> ApiResult<Viewer>;
    /// Like [`ContextExt::authorize`], for operations open to anonymous callers.
    fn authorize_optional(&self, operation: &'static str) -> ApiResult<Option<Viewer>>;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> ApiResult<&AppState> {
        self.data::<AppState>()
            .map_err(|_| ApiError::internal(anyhow::anyhow!("AppState missing from schema data")))
    }

    fn viewer(&self) -> ApiResult<Viewer> {
        self.data_opt::<Viewer>()
            .copied()
            .ok_or(ApiError::Unauthenticated("sign in or send an API key"))
    }

    fn authorize(&self, operation: &'static str) -> ApiResult<Viewer> {
        roles::authorize_viewer(self.data_opt::<Viewer>().copied(), operation)
    }

    fn authorize_optional(&self, operation: &'static str) -> ApiResult<Option<Viewer>> {
        roles::authorize(self.data_opt::<Viewer>().copied(), operation)
    }
}

/// Where the current request came from (empty outside HTTP, e.g. in subscriptions).
pub fn request_meta(ctx: &Context<'_>) -> RequestMeta {
    ctx.data_opt::<RequestMeta>().cloned().unwrap_or_default()
}

/// The caller as the audit log records them (from what authentication read, no query).
pub fn audit_actor(ctx: &Context<'_>) -> ApiResult<Actor> {
    let caller = ctx
        .data_opt::<Caller>()
        .ok_or(ApiError::Unauthenticated("sign in or send an API key"))?;
    Ok(Actor::caller(caller, request_meta(ctx)))
}

/// Parses a GraphQL `ID` into a typed id, naming the argument on failure.
pub fn parse_id<T: std::str::FromStr>(id: &async_graphql::ID, field: &str) -> ApiResult<T> {
    id.parse::<T>()
        .map_err(|_| ApiError::invalid(field, "is not a valid id"))
}
