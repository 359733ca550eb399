//! What resolvers read from the GraphQL context, without panicking when it is missing.

use async_graphql::Context;

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Typed access to the context data every resolver needs.
pub trait ContextExt {
    /// The shared server state.
    fn state(&self) -> ApiResult<&AppState>;
    /// The authenticated caller; `UNAUTHENTICATED` when there is none.
    fn viewer(&self) -> ApiResult<Viewer>;
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
}

/// Parses a GraphQL `ID` into a typed id, naming the argument on failure.
pub fn parse_id<T: std::str::FromStr>(id: &async_graphql::ID, field: &str) -> ApiResult<T> {
    id.parse::<T>()
        .map_err(|_| ApiError::invalid(field, "is not a valid id"))
}
