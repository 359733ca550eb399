//! The GraphQL face of agents.

use async_graphql::{Context, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use entity::{ActivityType, AgentId, AgentStatus, AgentType, agent};

use crate::activities::graphql::{Activity, activity_connection};
use crate::activities::service::ActivityFilter;
use crate::error::{ApiResult, found};
use crate::graphql::connection::{CursorConnection, to_connection};
use crate::graphql::context::{ContextExt as _, audit_actor, parse_id};
use crate::pagination::PageRequest;
use crate::rollups::graphql::MetricsWindowInput;
use crate::rollups::{Metrics, Scope};

use super::service::{self, AgentFilter, AgentPatch, NewAgent};

/// An AI agent that reports what it does.
pub struct Agent(pub agent::Model);

/// The caller's organization's agent `id`; `None` when it has none by that id (for fields
/// that link to an agent).
pub async fn linked_agent(ctx: &Context<'_>, id: uuid::Uuid) -> ApiResult<Option<Agent>> {
    let viewer = ctx.viewer()?;
    let id = AgentId::from(id);
    Ok(found(service::get(ctx.state()?, viewer.org_id, id).await)?.map(Agent))
}

#[Object]
impl Agent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Unique within the organization.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The framework the agent is built on.
    #[graphql(name = "type")]
    async fn agent_type(&self) -> AgentType {
        self.0.agent_type
    }

    async fn status(&self) -> AgentStatus {
        self.0.status
    }

    /// Free-form settings (a JSON object).
    async fn config(&self) -> Json<&serde_json::Value> {
        Json(&self.0.config)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// This agent's activities, newest first.
    async fn activities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        types: Option<Vec<ActivityType>>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<CursorConnection<Activity>> {
        let filter = ActivityFilter {
            agent_id: Some(self.0.id.into()),
            types: types.unwrap_or_default(),
            from,
            to,
        };
        activity_connection(ctx, first, after, filter).await
    }

    /// Counts, errors, cost, tokens and latency percentiles over a window (the last hour by
    /// default), read from per-minute rollups.
    async fn metrics(
        &self,
        ctx: &Context<'_>,
        window: Option<MetricsWindowInput>,
    ) -> ApiResult<Metrics> {
        crate::rollups::graphql::resolve(ctx, Scope::Agent(self.0.id.into()), window).await
    }
}

/// A new agent.
#[derive(InputObject)]
pub struct CreateAgentInput {
    /// 1 to 100 characters, unique within the organization.
    pub name: String,
    #[graphql(name = "type")]
    pub agent_type: AgentType,
    /// A JSON object; `{}` when absent.
    pub config: Option<Json<serde_json::Value>>,
}

/// Changes to an agent; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateAgentInput {
    pub name: Option<String>,
    pub status: Option<AgentStatus>,
    pub config: Option<Json<serde_json::Value>>,
}

#[derive(Default)]
pub struct AgentQuery;

#[Object]
impl AgentQuery {
    /// The organization's agents, newest first.
    async fn agents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<AgentStatus>,
        #[graphql(name = "type")] agent_type: Option<AgentType>,
    ) -> ApiResult<CursorConnection<Agent>> {
        let viewer = ctx.authorize("Query.agents")?;
        let page = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let filter = AgentFilter { status, agent_type };
        let found = service::list(ctx.state()?, viewer.org_id, filter, page).await?;
        Ok(to_connection(found.map(Agent), page))
    }

    /// One agent; `null` when the organization has no agent with this id.
    async fn agent(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Agent>> {
        let viewer = ctx.authorize("Query.agent")?;
        let id: AgentId = parse_id(&id, "id")?;
        Ok(found(service::get(ctx.state()?, viewer.org_id, id).await)?.map(Agent))
    }
}

#[derive(Default)]
pub struct AgentMutation;

#[Object]
impl AgentMutation {
    /// Registers an agent (operators and admins).
    async fn create_agent(&self, ctx: &Context<'_>, input: CreateAgentInput) -> ApiResult<Agent> {
        let viewer = ctx.authorize("Mutation.createAgent")?;
        let actor = audit_actor(ctx)?;
        let input = NewAgent {
            name: input.name,
            agent_type: input.agent_type,
            config: input.config.map(|c| c.0),
        };
        service::create(ctx.state()?, viewer.org_id, &actor, input)
            .await
            .map(Agent)
    }

    /// Renames, pauses, resumes or reconfigures an agent (operators and admins).
    async fn update_agent(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateAgentInput,
    ) -> ApiResult<Agent> {
        let viewer = ctx.authorize("Mutation.updateAgent")?;
        let actor = audit_actor(ctx)?;
        let id: AgentId = parse_id(&id, "id")?;
        let patch = AgentPatch {
            name: input.name,
            status: input.status,
            config: input.config.map(|c| c.0),
        };
        service::update(ctx.state()?, viewer.org_id, &actor, id, patch)
            .await
            .map(Agent)
    }
}
