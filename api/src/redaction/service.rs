//! Reading and changing an organization's redaction rules, shared by GraphQL and REST.

use entity::{OrgId, organization};
use sea_orm::{ActiveModelTrait as _, EntityTrait as _, IntoActiveModel as _, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rules;
use super::settings::{self, ExtraPattern, RedactionSettings};
use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A redaction rule and whether it applies in the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, async_graphql::SimpleObject)]
#[graphql(name = "RedactionRule")]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    /// `EMAIL`, `PHONE`, …, or the name of one of the organization's patterns; matches
    /// become `[REDACTED:<name>]`.
    pub name: String,
    /// Shipped with HumanAIOS (rather than added by the organization).
    pub built_in: bool,
    /// Applied at ingest; built-in rules can be turned off, added patterns are removed.
    pub enabled: bool,
    /// The organization's regular expression; `null` for built-in rules.
    pub pattern: Option<String>,
    /// What a built-in rule catches; `null` for added patterns.
    pub description: Option<String>,
}

/// The organization's redaction rules: every built-in rule, then its own patterns, in the
/// order they apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, async_graphql::SimpleObject)]
#[graphql(name = "RedactionSettings")]
pub struct RedactionRules {
    /// Built-in rules first, then the organization's own.
    pub rules: Vec<RuleView>,
}

/// Changes to the redaction settings; absent fields stay as they are.
/// The same shape is the JSON body of `PUT /api/v1/redaction`.
#[derive(Debug, Default, Deserialize, async_graphql::InputObject)]
#[graphql(name = "UpdateRedactionSettingsInput")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedactionPatch {
    /// The built-in rules to turn off (replacing the current list); the others apply.
    pub disabled_rules: Option<Vec<String>>,
    /// The organization's own patterns (replacing the current ones), at most 20.
    pub extra_patterns: Option<Vec<ExtraPattern>>,
}

/// The organization's redaction rules.
pub async fn get(state: &AppState, org: OrgId) -> ApiResult<RedactionRules> {
    let org_settings = crate::orgs::service::settings_of(&state.db, org).await?;
    Ok(rules_of(&RedactionSettings::of_org(&org_settings)))
}

/// Turns built-in rules off or on and replaces the organization's own patterns. Validated
/// first (`BAD_USER_INPUT` naming the field); audited as `redaction.update` with the
/// settings before and after, in the same transaction. Applies to activities ingested from
/// then on.
pub async fn update(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    patch: RedactionPatch,
) -> ApiResult<RedactionRules> {
    let mut disabled_rules = patch.disabled_rules;
    if let Some(names) = &mut disabled_rules {
        // Order kept, repeats dropped: turning a rule off twice is turning it off.
        let mut seen = std::collections::HashSet::new();
        names.retain(|name| seen.insert(name.clone()));
    }
    RedactionSettings {
        disabled_rules: disabled_rules.clone().unwrap_or_default(),
        extra_patterns: patch.extra_patterns.clone().unwrap_or_default(),
    }
    .validate("")?;

    let txn = crate::db::begin_write(&state.db).await?;
    // Read, change and write the settings JSON without another writer in between.
    crate::db::lock_org(&txn, org).await?;
    let current = organization::Entity::find_by_id(org.0)
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("organization"))?;
    let before = RedactionSettings::of_org(&current.settings);
    let after = RedactionSettings {
        disabled_rules: disabled_rules.unwrap_or_else(|| before.disabled_rules.clone()),
        extra_patterns: patch
            .extra_patterns
            .unwrap_or_else(|| before.extra_patterns.clone()),
    };
    if after != before {
        let mut org_settings = match &current.settings {
            serde_json::Value::Object(fields) => fields.clone(),
            _ => serde_json::Map::new(),
        };
        org_settings.insert(settings::KEY.to_owned(), json!(after));
        let mut active = current.into_active_model();
        active.settings = Set(serde_json::Value::Object(org_settings));
        active.update(&txn).await?;
        let change = Change {
            action: "redaction.update",
            target_type: "organization",
            target_id: Some(org.0),
            summary: json!({ "before": before, "after": after }),
        };
        audit::service::record(&txn, org, actor, change).await?;
    }
    txn.commit().await?;
    Ok(rules_of(&after))
}

/// What `settings` make of every rule.
pub fn rules_of(settings: &RedactionSettings) -> RedactionRules {
    let built_in = rules::all().iter().map(|rule| RuleView {
        name: rule.name.to_owned(),
        built_in: true,
        enabled: settings.is_enabled(rule.name),
        pattern: None,
        description: Some(rule.description.to_owned()),
    });
    let extras = settings.extra_patterns.iter().map(|extra| RuleView {
        name: extra.name.clone(),
        built_in: false,
        enabled: true,
        pattern: Some(extra.pattern.clone()),
        description: None,
    });
    RedactionRules {
        rules: built_in.chain(extras).collect(),
    }
}
