//! Reading organizations.

use entity::{OrgId, organization};
use sea_orm::EntityTrait as _;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The caller's organization.
pub async fn get(state: &AppState, id: OrgId) -> ApiResult<organization::Model> {
    organization::Entity::find_by_id(id.0)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("organization"))
}
