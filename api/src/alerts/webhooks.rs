//! Webhooks: where an organization's alerts are posted, with the secret each delivery is
//! signed with, and the deliveries' history. Admins only: a webhook sends data out.
//!
//! Signing: `X-HumanAIOS-Signature: sha256=<hex>` is the HMAC-SHA256, keyed with the
//! webhook's secret, of `"{timestamp}.{body}"`, where `timestamp` is the
//! `X-HumanAIOS-Timestamp` header (Unix seconds) and `body` the raw request body. Receivers
//! recompute it, compare in constant time, and reject old timestamps to stop replays.

use entity::{OrgId, webhook, webhook_delivery};
use hmac::{Hmac, Mac as _};
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;

/// Longest webhook URL.
const MAX_URL_LEN: usize = 2_000;

/// A new webhook.
#[derive(Debug, Clone, async_graphql::InputObject, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookInput {
    /// An `http` or `https` URL alerts are posted to.
    pub url: String,
}

/// `sha256=<hex HMAC-SHA256 of "{timestamp}.{body}" keyed with secret>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn check_url(url: &str) -> ApiResult<String> {
    let url = url.trim();
    let invalid = || ApiError::invalid("url", "must be an http or https URL");
    if url.len() > MAX_URL_LEN {
        return Err(ApiError::invalid(
            "url",
            format!("must be at most {MAX_URL_LEN} characters"),
        ));
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(invalid());
    }
    Ok(parsed.to_string())
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
    let url = check_url(&input.url)?;
    let secret = format!("whsec_{}", crate::auth::secrets::random_alphanumeric(40));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let one = signature("whsec_x", 1_700_000_000, b"{\"a\":1}");
        assert!(one.starts_with("sha256="));
        assert_eq!(one.len(), "sha256=".len() + 64);
        assert_ne!(one, signature("whsec_x", 1_700_000_001, b"{\"a\":1}"));
        assert_ne!(one, signature("whsec_x", 1_700_000_000, b"{\"a\":2}"));
        assert_ne!(one, signature("whsec_y", 1_700_000_000, b"{\"a\":1}"));
    }

    #[test]
    fn only_http_and_https_urls_are_accepted() {
        assert!(check_url("https://hooks.example.com/x").is_ok());
        assert!(check_url("http://127.0.0.1:9000/").is_ok());
        for bad in ["ftp://example.com/", "file:///etc/passwd", "not a url", ""] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
