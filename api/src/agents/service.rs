//! Agent storage rules, shared by GraphQL and REST.

use entity::{AgentId, AgentStatus, AgentType, OrgId, agent};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set, SqlErr,
};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;

/// Longest agent name accepted.
pub const MAX_NAME_LEN: usize = 100;

/// Which agents to list.
#[derive(Debug, Default, Clone, Copy)]
pub struct AgentFilter {
    pub status: Option<AgentStatus>,
    pub agent_type: Option<AgentType>,
}

/// A new agent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAgent {
    pub name: String,
    #[serde(rename = "type")]
    pub agent_type: AgentType,
    #[serde(default)]
    pub config: Option<serde_json::Value>,
}

/// Changes to an agent; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentPatch {
    pub name: Option<String>,
    pub status: Option<AgentStatus>,
    pub config: Option<serde_json::Value>,
}

/// The organization's agents, newest first.
pub async fn list(
    state: &AppState,
    org: OrgId,
    filter: AgentFilter,
    page: PageRequest,
) -> ApiResult<Page<agent::Model>> {
    let mut select = agent::Entity::find().filter(agent::Column::OrgId.eq(org.0));
    if let Some(status) = filter.status {
        select = select.filter(agent::Column::Status.eq(status));
    }
    if let Some(agent_type) = filter.agent_type {
        select = select.filter(agent::Column::AgentType.eq(agent_type));
    }
    pagination::fetch_page(
        &state.db,
        select,
        agent::Column::CreatedAt,
        agent::Column::Id,
        page,
    )
    .await
}

/// One agent of the organization; another org's agent is `NOT_FOUND`.
pub async fn get(state: &AppState, org: OrgId, id: AgentId) -> ApiResult<agent::Model> {
    agent::Entity::find_by_id(id.0)
        .filter(agent::Column::OrgId.eq(org.0))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("agent"))
}

/// The organization's agent called `name`, if there is one (names are unique per org).
pub async fn find_by_name(
    state: &AppState,
    org: OrgId,
    name: &str,
) -> ApiResult<Option<agent::Model>> {
    Ok(agent::Entity::find()
        .filter(agent::Column::OrgId.eq(org.0))
        .filter(agent::Column::Name.eq(name))
        .one(&state.db)
        .await?)
}

/// Registers an agent; names are unique within the organization. Audited.
pub async fn create(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    input: NewAgent,
) -> ApiResult<agent::Model> {
    let name = validate_name(&input.name)?;
    let config = validate_config(input.config.unwrap_or_else(|| serde_json::json!({})))?;
    let txn = crate::db::begin_write(&state.db).await?;
    let agent = agent::ActiveModel {
        id: Set(AgentId::new().0),
        org_id: Set(org.0),
        name: Set(name),
        agent_type: Set(input.agent_type),
        config: Set(config),
        status: Set(AgentStatus::Active),
        created_at: Set(crate::time::now()),
    }
    .insert(&txn)
    .await
    .map_err(name_conflict)?;
    let change = Change {
        action: "agent.create",
        target_type: "agent",
        target_id: Some(agent.id),
        summary: json!({ "after": { "name": agent.name, "type": agent.agent_type, "status": agent.status } }),
    };
    audit::service::record(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(agent)
}

/// Applies `patch` to an agent of the organization. Audited with the fields that changed.
pub async fn update(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    id: AgentId,
    patch: AgentPatch,
) -> ApiResult<agent::Model> {
    let current = get(state, org, id).await?;
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    let mut active: agent::ActiveModel = current.clone().into();
    if let Some(name) = patch.name.map(|n| validate_name(&n)).transpose()? {
        if name != current.name {
            before.insert("name".into(), json!(current.name));
            after.insert("name".into(), json!(name));
        }
        active.name = Set(name);
    }
    if let Some(status) = patch.status {
        if status != current.status {
            before.insert("status".into(), json!(current.status));
            after.insert("status".into(), json!(status));
        }
        active.status = Set(status);
    }
    if let Some(config) = patch.config.map(validate_config).transpose()? {
        if config != current.config {
            // Configs can be large; the log says that it changed, not to what.
            before.insert("config".into(), json!("(previous)"));
            after.insert("config".into(), json!("(changed)"));
        }
        active.config = Set(config);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let agent = active.update(&txn).await.map_err(name_conflict)?;
    let change = Change {
        action: "agent.update",
        target_type: "agent",
        target_id: Some(agent.id),
        summary: json!({ "before": before, "after": after }),
    };
    audit::service::record(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(agent)
}

fn validate_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(ApiError::invalid(
            "name",
            format!("must be 1 to {MAX_NAME_LEN} characters"),
        ));
    }
    Ok(name.to_owned())
}

fn validate_config(config: serde_json::Value) -> ApiResult<serde_json::Value> {
    if config.is_object() {
        super::spend::check_config(&config)?;
        Ok(config)
    } else {
        Err(ApiError::invalid("config", "must be a JSON object"))
    }
}

fn name_conflict(err: sea_orm::DbErr) -> ApiError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::Conflict {
            code: "AGENT_NAME_TAKEN",
            message: "an agent with this name already exists".to_owned(),
        },
        _ => err.into(),
    }
}
