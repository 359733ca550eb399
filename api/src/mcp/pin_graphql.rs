//! The GraphQL face of tool pinning: the pinned tools, and accepting a changed one.

use async_graphql::{Context, ID, Object};
use entity::AgentId;

use crate::error::ApiResult;
use crate::graphql::context::{ContextExt as _, audit_actor, parse_id};

use super::pin_views::McpToolView;
use super::pins;

#[derive(Default)]
pub struct McpToolQuery;

#[Object]
impl McpToolQuery {
    /// The tools agents' MCP servers offered through the proxy, pinned to their
    /// definitions; `changedOnly` keeps those whose changed definition waits for an admin.
    async fn mcp_tools(
        &self,
        ctx: &Context<'_>,
        agent_id: Option<ID>,
        #[graphql(default = false)] changed_only: bool,
    ) -> ApiResult<Vec<McpToolView>> {
        let viewer = ctx.authorize("Query.mcpTools")?;
        let agent = agent_id
            .map(|id| parse_id::<AgentId>(&id, "agentId"))
            .transpose()?;
        let found = pins::list(ctx.state()?, viewer.org_id, agent, changed_only).await?;
        Ok(found.into_iter().map(McpToolView::from).collect())
    }
}

#[derive(Default)]
pub struct McpToolMutation;

#[Object]
impl McpToolMutation {
    /// Accepts a tool's changed definition as its new pin and resolves its alert; the
    /// proxy shows the tool again (admins).
    async fn accept_mcp_tool_change(&self, ctx: &Context<'_>, id: ID) -> ApiResult<McpToolView> {
        let viewer = ctx.authorize("Mutation.acceptMcpToolChange")?;
        let actor = audit_actor(ctx)?;
        let by = viewer.user_id("accepting an MCP tool change")?;
        let id = parse_id(&id, "id")?;
        Ok(pins::accept(ctx.state()?, viewer.org_id, &actor, by.0, id)
            .await?
            .into())
    }
}
