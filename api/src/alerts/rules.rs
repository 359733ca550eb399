//! Alert rules: validation, listing, creation, changes and deletion (audited), shared by
//! GraphQL and REST.

use async_graphql::{ID, InputObject};
use entity::{AgentId, AlertKind, OrgId, agent_activity, alert_rule};
use regex::{Regex, RegexBuilder};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _, Set,
};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Longest rule name.
const MAX_NAME_LEN: usize = 100;
/// Longest window or silence: a day.
const MAX_WINDOW_MINUTES: i32 = 1_440;
/// The window when none is given (`ERROR_RATE`, `P95_LATENCY`).
const DEFAULT_WINDOW_MINUTES: i32 = 5;
/// The silence when none is given (`AGENT_SILENT`).
const DEFAULT_SILENT_MINUTES: i32 = 15;
/// Longest pattern, and the most memory its compiled form may take (as for redaction
/// patterns: a pattern is user input run against every error message).
const MAX_PATTERN_LEN: usize = 1_000;
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// A new alert rule.
#[derive(Debug, Clone, InputObject, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertRuleInput {
    /// 1 to 100 characters.
    pub name: String,
    pub kind: AlertKind,
    /// Watch only this agent; absent: every agent of the organization.
    pub agent_id: Option<ID>,
    /// Required by `ERROR_RATE` (0 to 1), `DAILY_COST` (US dollars) and `P95_LATENCY`
    /// (milliseconds); the rule fires when the observed value exceeds it.
    pub threshold: Option<Decimal>,
    /// `ERROR_RATE` and `P95_LATENCY`: the window (default 5); `AGENT_SILENT`: the silence
    /// (default 15). 1 to 1,440.
    pub window_minutes: Option<i32>,
    /// `ERROR_PATTERN`: a regular expression matched against error messages.
    pub pattern: Option<String>,
    /// Open a human task for the agent when the rule fires (default false).
    #[serde(default)]
    #[graphql(default)]
    pub open_task: bool,
    /// Default true.
    pub enabled: Option<bool>,
}

/// Changes to a rule; absent fields stay as they are (its kind and agent cannot change).
#[derive(Debug, Clone, Default, InputObject, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertRulePatch {
    pub name: Option<String>,
    pub threshold: Option<Decimal>,
    pub window_minutes: Option<i32>,
    pub pattern: Option<String>,
    pub open_task: Option<bool>,
    pub enabled: Option<bool>,
}

/// The settings of a rule that its kind uses, checked.
struct Checked {
    threshold: Option<String>,
    window_minutes: Option<i32>,
    pattern: Option<String>,
}

/// Checks the settings `kind` needs and refuses the ones it does not use, naming the field.
fn check(
    kind: AlertKind,
    threshold: Option<Decimal>,
    window_minutes: Option<i32>,
    pattern: Option<String>,
) -> ApiResult<Checked> {
    if kind == AlertKind::ToolChanged {
        return Err(ApiError::invalid(
            "kind",
            "TOOL_CHANGED alerts are raised by the MCP proxy's tool pinning, not by rules",
        ));
    }
    let needs_threshold = matches!(
        kind,
        AlertKind::ErrorRate | AlertKind::DailyCost | AlertKind::P95Latency
    );
    let needs_window = matches!(
        kind,
        AlertKind::ErrorRate | AlertKind::P95Latency | AlertKind::AgentSilent
    );
    let threshold = match (needs_threshold, threshold) {
        (true, None) => {
            return Err(ApiError::invalid(
                "threshold",
                format!("is required for {kind}"),
            ));
        }
        (true, Some(t)) if t.is_sign_negative() => {
            return Err(ApiError::invalid("threshold", "must not be negative"));
        }
        (true, Some(t)) if kind == AlertKind::ErrorRate && t > Decimal::ONE => {
            return Err(ApiError::invalid(
                "threshold",
                "an error rate is between 0 and 1",
            ));
        }
        (true, Some(t)) => Some(t.normalize().to_string()),
        (false, None) => None,
        (false, Some(_)) => {
            return Err(ApiError::invalid(
                "threshold",
                format!("is not used by {kind}"),
            ));
        }
    };
    let window_minutes = match (needs_window, window_minutes) {
        (true, None) if kind == AlertKind::AgentSilent => Some(DEFAULT_SILENT_MINUTES),
        (true, None) => Some(DEFAULT_WINDOW_MINUTES),
        (true, Some(m)) if (1..=MAX_WINDOW_MINUTES).contains(&m) => Some(m),
        (true, Some(_)) => {
            return Err(ApiError::invalid(
                "windowMinutes",
                format!("must be between 1 and {MAX_WINDOW_MINUTES}"),
            ));
        }
        (false, None) => None,
        (false, Some(_)) => {
            return Err(ApiError::invalid(
                "windowMinutes",
                format!("is not used by {kind}"),
            ));
        }
    };
    let pattern = match (kind == AlertKind::ErrorPattern, pattern) {
        (true, None) => {
            return Err(ApiError::invalid(
                "pattern",
                "is required for ERROR_PATTERN",
            ));
        }
        (true, Some(p)) => {
            compile(&p).map_err(|message| ApiError::invalid("pattern", message))?;
            Some(p)
        }
        (false, None) => None,
        (false, Some(_)) => {
            return Err(ApiError::invalid(
                "pattern",
                format!("is not used by {kind}"),
            ));
        }
    };
    Ok(Checked {
        threshold,
        window_minutes,
        pattern,
    })
}

/// Compiles an `ERROR_PATTERN` pattern within the length and size limits.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    if pattern.is_empty() || pattern.chars().count() > MAX_PATTERN_LEN {
        return Err(format!("must be 1 to {MAX_PATTERN_LEN} characters"));
    }
    RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|err| format!("is not a valid regular expression: {err}"))
}

fn check_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(ApiError::invalid(
            "name",
            format!("must be 1 to {MAX_NAME_LEN} characters"),
        ));
    }
    Ok(name.to_owned())
}

/// The organization's rules, oldest first.
pub async fn list(state: &AppState, org: OrgId) -> ApiResult<Vec<alert_rule::Model>> {
    Ok(alert_rule::Entity::find()
        .filter(alert_rule::Column::OrgId.eq(org.0))
        .order_by_asc(alert_rule::Column::CreatedAt)
        .order_by_asc(alert_rule::Column::Id)
        .all(&state.db)
        .await?)
}

/// One rule of the organization; another org's is `NOT_FOUND`.
pub async fn get(state: &AppState, org: OrgId, id: uuid::Uuid) -> ApiResult<alert_rule::Model> {
    alert_rule::Entity::find_by_id(id)
        .filter(alert_rule::Column::OrgId.eq(org.0))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("alert rule"))
}

/// Creates a rule. An `ERROR_PATTERN` rule looks only at activities stored from now on.
/// Audited.
pub async fn create(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    input: AlertRuleInput,
) -> ApiResult<alert_rule::Model> {
    let name = check_name(&input.name)?;
    let checked = check(
        input.kind,
        input.threshold,
        input.window_minutes,
        input.pattern,
    )?;
    let agent_id = match &input.agent_id {
        Some(id) => {
            let id: AgentId = crate::graphql::context::parse_id(id, "agentId")?;
            Some(crate::agents::service::get(state, org, id).await?.id)
        }
        None => None,
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let last_seq: Option<i64> = agent_activity::Entity::find()
        .select_only()
        .expr(Func::max(Expr::col(agent_activity::Column::FeedSeq)))
        .filter(agent_activity::Column::OrgId.eq(org.0))
        .into_tuple::<Option<i64>>()
        .one(&txn)
        .await?
        .flatten();
    let rule = alert_rule::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org.0),
        name: Set(name),
        kind: Set(input.kind),
        agent_id: Set(agent_id),
        threshold: Set(checked.threshold),
        window_minutes: Set(checked.window_minutes),
        pattern: Set(checked.pattern),
        open_task: Set(input.open_task),
        enabled: Set(input.enabled.unwrap_or(true)),
        last_seq: Set(last_seq.unwrap_or(0)),
        created_at: Set(crate::time::now()),
    }
    .insert(&txn)
    .await?;
    audit_rule(&txn, org, actor, "alert_rule.create", &rule).await?;
    txn.commit().await?;
    Ok(rule)
}

/// Applies `patch` to a rule of the organization, checked as a whole. Audited.
pub async fn update(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    id: uuid::Uuid,
    patch: AlertRulePatch,
) -> ApiResult<alert_rule::Model> {
    let current = get(state, org, id).await?;
    let name = check_name(patch.name.as_deref().unwrap_or(&current.name))?;
    let threshold = match patch.threshold {
        Some(t) => Some(t),
        None => current.threshold.as_deref().and_then(|t| t.parse().ok()),
    };
    let checked = check(
        current.kind,
        threshold,
        patch.window_minutes.or(current.window_minutes),
        patch.pattern.or(current.pattern.clone()),
    )?;
    let mut active: alert_rule::ActiveModel = current.clone().into();
    active.name = Set(name);
    active.threshold = Set(checked.threshold);
    active.window_minutes = Set(checked.window_minutes);
    active.pattern = Set(checked.pattern);
    active.open_task = Set(patch.open_task.unwrap_or(current.open_task));
    active.enabled = Set(patch.enabled.unwrap_or(current.enabled));
    let txn = crate::db::begin_write(&state.db).await?;
    let rule = active.update(&txn).await?;
    audit_rule(&txn, org, actor, "alert_rule.update", &rule).await?;
    txn.commit().await?;
    Ok(rule)
}

/// Deletes a rule of the organization, resolving its firing alerts first (so no agent
/// stays `ERROR` for a rule that is gone). Its alerts stay in the history. Audited.
pub async fn delete(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    id: uuid::Uuid,
) -> ApiResult<alert_rule::Model> {
    let rule = get(state, org, id).await?;
    super::evaluate::resolve_all(state, &rule, crate::time::now()).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    alert_rule::Entity::delete_by_id(rule.id).exec(&txn).await?;
    audit_rule(&txn, org, actor, "alert_rule.delete", &rule).await?;
    txn.commit().await?;
    Ok(rule)
}

async fn audit_rule(
    txn: &sea_orm::DatabaseTransaction,
    org: OrgId,
    actor: &Actor,
    action: &'static str,
    rule: &alert_rule::Model,
) -> ApiResult<()> {
    let change = Change {
        action,
        target_type: "alert_rule",
        target_id: Some(rule.id),
        summary: json!({
            "name": rule.name,
            "kind": rule.kind,
            "agentId": rule.agent_id,
            "threshold": rule.threshold,
            "windowMinutes": rule.window_minutes,
            "pattern": rule.pattern,
            "openTask": rule.open_task,
            "enabled": rule.enabled,
        }),
    };
    audit::service::record(txn, org, actor, change).await?;
    Ok(())
}
