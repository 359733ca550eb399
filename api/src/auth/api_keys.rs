//! API keys for agents: `hai_<10 chars>_<40 chars>`, shown once, stored as a SHA-256 hash.
//!
//! Stored as SHA-256 (see [`super::secrets`]): every ingest request checks a key, and its
//! 238 random bits leave nothing for a slow hash to protect.

use chrono::{Duration, Utc};
use entity::api_key;
use entity::{ApiKeyId, ApiKeyScope, OrgId};
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};
use serde_json::json;
use subtle::ConstantTimeEq as _;

use super::secrets::{random_alphanumeric, sha256_hex};
use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;

const KEY_PREFIX: &str = "hai_";
const PUBLIC_LEN: usize = 10;
const SECRET_LEN: usize = 40;
/// `last_used_at` is written at most this often per key, so reads stay reads.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

/// A key as generated: the whole secret (shown once) and its stored parts.
pub struct GeneratedKey {
    pub secret: String,
    pub prefix: String,
    pub hash: String,
}

/// A new random key.
pub fn generate() -> GeneratedKey {
    let prefix = format!("{KEY_PREFIX}{}", random_alphanumeric(PUBLIC_LEN));
    let secret = format!("{prefix}_{}", random_alphanumeric(SECRET_LEN));
    let hash = sha256_hex(&secret);
    GeneratedKey {
        secret,
        prefix,
        hash,
    }
}

/// Whether a bearer credential looks like an API key rather than a JWT.
pub fn looks_like_key(credential: &str) -> bool {
    credential.starts_with(KEY_PREFIX)
}

/// The prefix of a well-formed key.
fn prefix_of(secret: &str) -> Option<&str> {
    let prefix = secret.get(..KEY_PREFIX.len() + PUBLIC_LEN)?;
    let rest = secret.get(prefix.len()..)?;
    (rest.len() == SECRET_LEN + 1 && rest.starts_with('_')).then_some(prefix)
}

/// The live key matching `secret`; unknown, malformed and revoked keys are all
/// `UNAUTHENTICATED` with the same message.
pub async fn authenticate(state: &AppState, secret: &str) -> ApiResult<api_key::Model> {
    let invalid = ApiError::Unauthenticated("API key is invalid, expired or revoked");
    let Some(prefix) = prefix_of(secret) else {
        return Err(invalid);
    };
    let Some(key) = api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(prefix))
        .one(&state.db)
        .await?
    else {
        return Err(invalid);
    };
    let matches: bool = sha256_hex(secret)
        .as_bytes()
        .ct_eq(key.key_hash.as_bytes())
        .into();
    let now = Utc::now();
    if !matches || key.revoked_at.is_some() || key.expires_at.is_some_and(|end| end <= now) {
        return Err(invalid);
    }
    if key
        .last_used_at
        .is_none_or(|used| now - used > LAST_USED_RESOLUTION)
    {
        let mut active: api_key::ActiveModel = key.clone().into();
        active.last_used_at = Set(Some(now));
        active.update(&state.db).await?;
    }
    Ok(key)
}

/// Longest grace period a rotation may give the old key.
pub const MAX_ROTATION_GRACE: Duration = Duration::days(30);

/// What a new key is for.
pub struct NewKey<'a> {
    pub name: &'a str,
    pub scope: ApiKeyScope,
}

/// Creates a key for `org`; the returned secret is never retrievable again.
pub async fn create(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    key: NewKey<'_>,
) -> ApiResult<(api_key::Model, String)> {
    let name = key.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("name", "must be 1 to 100 characters"));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let (created, secret) = insert(&txn, org, actor, name, key.scope).await?;
    audit::service::record(
        &txn,
        org,
        actor,
        key_change("api_key.create", &created, json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok((created, secret))
}

/// An audit entry about `key` (its public parts only).
fn key_change(action: &'static str, key: &api_key::Model, extra: serde_json::Value) -> Change {
    let mut summary = json!({ "name": key.name, "prefix": key.prefix, "scope": key.scope });
    if let (Some(summary), Some(extra)) = (summary.as_object_mut(), extra.as_object()) {
        summary.extend(extra.clone());
    }
    Change {
        action,
        target_type: "api_key",
        target_id: Some(key.id),
        summary,
    }
}

async fn insert(
    db: &impl sea_orm::ConnectionTrait,
    org: OrgId,
    actor: &Actor,
    name: &str,
    scope: ApiKeyScope,
) -> ApiResult<(api_key::Model, String)> {
    let generated = generate();
    let model = api_key::ActiveModel {
        id: Set(ApiKeyId::new().0),
        org_id: Set(org.0),
        name: Set(name.to_owned()),
        prefix: Set(generated.prefix),
        key_hash: Set(generated.hash),
        created_by: Set(actor.id),
        created_at: Set(crate::time::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        scope: Set(scope),
        expires_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((model, generated.secret))
}

/// Issues a successor of a key (same name and scope) and lets the old one keep working for
/// `grace`, so agents can switch without downtime. A grace of zero ends it at once.
pub async fn rotate(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    id: ApiKeyId,
    grace: Duration,
) -> ApiResult<(api_key::Model, String)> {
    if grace < Duration::zero() || grace > MAX_ROTATION_GRACE {
        return Err(ApiError::invalid(
            "graceSeconds",
            format!("must be 0 to {}", MAX_ROTATION_GRACE.num_seconds()),
        ));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let old = find(&txn, org, id).await?;
    let now = crate::time::now();
    if old.revoked_at.is_some() || old.expires_at.is_some_and(|end| end <= now) {
        return Err(ApiError::Conflict {
            code: "API_KEY_INACTIVE",
            message: "a revoked or expired key cannot be rotated".to_owned(),
        });
    }
    // A second rotation never extends the first one's grace.
    let end = match old.expires_at {
        Some(current) if current < now + grace => current,
        _ => now + grace,
    };
    let (name, scope) = (old.name.clone(), old.scope);
    let mut active: api_key::ActiveModel = old.into();
    active.expires_at = Set(Some(end));
    let old = active.update(&txn).await?;
    let successor = insert(&txn, org, actor, &name, scope).await?;
    let extra = json!({ "successorPrefix": successor.0.prefix, "oldKeyExpiresAt": end });
    audit::service::record(&txn, org, actor, key_change("api_key.rotate", &old, extra)).await?;
    txn.commit().await?;
    Ok(successor)
}

/// The organization's keys, newest first (revoked and expired ones included).
pub async fn list(
    state: &AppState,
    org: OrgId,
    page: PageRequest,
) -> ApiResult<Page<api_key::Model>> {
    let select = api_key::Entity::find().filter(api_key::Column::OrgId.eq(org.0));
    pagination::fetch_page(
        &state.db,
        select,
        api_key::Column::CreatedAt,
        api_key::Column::Id,
        page,
    )
    .await
}

async fn find(
    db: &impl sea_orm::ConnectionTrait,
    org: OrgId,
    id: ApiKeyId,
) -> ApiResult<api_key::Model> {
    api_key::Entity::find_by_id(id.0)
        .filter(api_key::Column::OrgId.eq(org.0))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("API key"))
}

/// Revokes a key at once; revoking twice is harmless.
pub async fn revoke(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    id: ApiKeyId,
) -> ApiResult<api_key::Model> {
    let key = find(&state.db, org, id).await?;
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active: api_key::ActiveModel = key.into();
    active.revoked_at = Set(Some(crate::time::now()));
    let revoked = active.update(&txn).await?;
    audit::service::record(
        &txn,
        org,
        actor,
        key_change("api_key.revoke", &revoked, json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(revoked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_documented_shape() {
        let key = generate();
        assert!(looks_like_key(&key.secret));
        assert_eq!(key.secret.len(), 4 + PUBLIC_LEN + 1 + SECRET_LEN);
        assert_eq!(prefix_of(&key.secret), Some(key.prefix.as_str()));
        assert_eq!(sha256_hex(&key.secret), key.hash);
        assert_ne!(generate().secret, key.secret);
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        assert_eq!(prefix_of("hai_short"), None);
        assert_eq!(prefix_of("hai_0123456789-extra"), None);
    }
}
