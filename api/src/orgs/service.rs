//! Reading and changing the organization itself.

use entity::{OrgId, organization};
use sea_orm::{ActiveModelTrait as _, EntityTrait as _, Set};
use serde_json::json;

use crate::audit::{self, Actor, Change};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The caller's organization.
pub async fn get(state: &AppState, id: OrgId) -> ApiResult<organization::Model> {
    organization::Entity::find_by_id(id.0)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("organization"))
}

/// The organization's settings (price overrides, PII rules, …).
pub async fn settings_of(
    db: &impl sea_orm::ConnectionTrait,
    id: OrgId,
) -> ApiResult<serde_json::Value> {
    Ok(organization::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(|org| org.settings)
        .unwrap_or_default())
}

/// Changes to the organization; absent fields stay as they are.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub plan: Option<entity::Plan>,
    pub settings: Option<serde_json::Value>,
}

/// Renames the organization, changes its plan or replaces its settings (a JSON object).
/// Audited with the fields that changed.
pub async fn update(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    patch: OrganizationPatch,
) -> ApiResult<organization::Model> {
    let current = get(state, org).await?;
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    let mut active: organization::ActiveModel = current.clone().into();
    if let Some(name) = patch.name {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::invalid("name", "must be 1 to 100 characters"));
        }
        if name != current.name {
            before.insert("name".into(), json!(current.name));
            after.insert("name".into(), json!(name));
        }
        active.name = Set(name);
    }
    if let Some(plan) = patch.plan {
        if plan != current.plan {
            before.insert("plan".into(), json!(current.plan));
            after.insert("plan".into(), json!(plan));
        }
        active.plan = Set(plan);
    }
    if let Some(settings) = patch.settings {
        if !settings.is_object() {
            return Err(ApiError::invalid("settings", "must be a JSON object"));
        }
        // Redaction rules are validated wherever they are written.
        crate::redaction::settings::check_org_settings(&settings)?;
        crate::tasks::service::check_org_settings(&settings)?;
        if settings != current.settings {
            before.insert("settings".into(), current.settings.clone());
            after.insert("settings".into(), settings.clone());
        }
        active.settings = Set(settings);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let updated = active.update(&txn).await?;
    let change = Change {
        action: "organization.update",
        target_type: "organization",
        target_id: Some(updated.id),
        summary: json!({ "before": before, "after": after }),
    };
    audit::service::record(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(updated)
}
