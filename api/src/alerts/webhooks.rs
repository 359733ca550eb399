//! Webhooks: where an organization's alerts are posted, with the secret each delivery is
//! signed with, and the deliveries' history. Admins only: a webhook sends data out.
//!
//! Deliveries are signed as [`crate::outbound`] describes.

use entity::{OrgId, webhook, webhook_delivery};
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;

/// A new webhook.
#[derive(Debug, Clone, async_graphql::InputObject, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookInput {
    /// An `http` or `https` URL alerts are posted to.
    pub url: String,
}

/// The organization's webhooks.
pub async fn list(state: &AppState, org: OrgId) -> ApiResult<Vec<webhook::Model>> {
    use sea_orm::QueryOrder as _;
    Ok(webhook::Entity::find()
        .filter(webhook::Column::OrgId.eq(org.0))
        .order_by_asc(webhook::Column::CreatedAt)
        .order_by_asc(webhook::Column::Id)
        .all(&state.db)
        .await?)
}

/// One webhook of the organization; another org's is `NOT_FOUND`.
pub async fn get(state: &AppState, org: OrgId, id: uuid::Uuid) -> ApiResult<webhook::Model> {
    webhook::Entity::find_by_id(id)
        .filter(webhook::Column::OrgId.eq(org.0))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("webhook"))
}

/// Adds a webhook with a fresh signing secret (`whsec_…`), returned with it this once.
/// Audited (without the secret).
pub async fn create(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    input: WebhookInput,
) -> ApiResult<(webhook::Model, String)> {
    let url = crate::outbound::check_url("url", &input.url)?;
    let secret = crate::outbound::new_secret();
    let txn = crate::db::begin_write(&state.db).await?;
    let hook = webhook::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org.0),
        url: Set(url),
        secret: Set(secret.clone()),
        enabled: Set(true),
        created_at: Set(crate::time::now()),
    }
    .insert(&txn)
    .await?;
    audit_webhook(&txn, org, actor, "webhook.create", &hook).await?;
    txn.commit().await?;
    Ok((hook, secret))
}

/// Removes a webhook of the organization and its deliveries. Audited.
pub async fn delete(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    id: uuid::Uuid,
) -> ApiResult<webhook::Model> {
    let hook = get(state, org, id).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    webhook::Entity::delete_by_id(hook.id).exec(&txn).await?;
    audit_webhook(&txn, org, actor, "webhook.delete", &hook).await?;
    txn.commit().await?;
    Ok(hook)
}

/// A webhook's deliveries, newest first.
pub async fn deliveries(
    state: &AppState,
    org: OrgId,
    id: uuid::Uuid,
    page: PageRequest,
) -> ApiResult<Page<webhook_delivery::Model>> {
    let hook = get(state, org, id).await?;
    let select = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::WebhookId.eq(hook.id))
        .filter(webhook_delivery::Column::OrgId.eq(org.0));
    pagination::fetch_page(
        &state.db,
        select,
        webhook_delivery::Column::CreatedAt,
        webhook_delivery::Column::Id,
        page,
    )
    .await
}

async fn audit_webhook(
    txn: &sea_orm::DatabaseTransaction,
    org: OrgId,
    actor: &Actor,
    action: &'static str,
    hook: &webhook::Model,
) -> ApiResult<()> {
    let change = Change {
        action,
        target_type: "webhook",
        target_id: Some(hook.id),
        summary: json!({ "url": hook.url }),
    };
    audit::service::record(txn, org, actor, change).await
}
