//! What GraphQL and REST show of a pinned MCP tool: one view type, an object in GraphQL and
//! the same fields in camelCase JSON over REST.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::mcp_tool;
use serde::Serialize;

/// A tool an agent's MCP server offered through the proxy, pinned to its definition.
#[derive(Debug, Clone, SimpleObject, Serialize)]
#[graphql(name = "McpTool")]
#[serde(rename_all = "camelCase")]
pub struct McpToolView {
    pub id: ID,
    pub agent_id: ID,
    /// Which server behind the proxy offers it (its command or upstream URL).
    pub server: String,
    pub name: String,
    /// SHA-256 of the pinned definition.
    pub fingerprint: String,
    /// The pinned definition: title, description, input and output schema, annotations.
    pub definition: async_graphql::Json<serde_json::Value>,
    pub first_seen_at: DateTime<Utc>,
    /// Whether a changed definition waits for an admin's acceptance.
    pub changed: bool,
    pub pending_fingerprint: Option<String>,
    pub pending_definition: Option<async_graphql::Json<serde_json::Value>>,
    pub changed_at: Option<DateTime<Utc>>,
    /// The `TOOL_CHANGED` alert raised for the pending change.
    pub alert_id: Option<ID>,
    pub accepted_by: Option<ID>,
    pub accepted_at: Option<DateTime<Utc>>,
}

fn id(id: uuid::Uuid) -> ID {
    ID(id.to_string())
}

impl From<mcp_tool::Model> for McpToolView {
    fn from(m: mcp_tool::Model) -> Self {
        McpToolView {
            id: id(m.id),
            agent_id: id(m.agent_id),
            server: m.server,
            name: m.name,
            fingerprint: m.fingerprint,
            definition: async_graphql::Json(m.definition),
            first_seen_at: m.first_seen_at,
            changed: m.pending_fingerprint.is_some(),
            pending_fingerprint: m.pending_fingerprint,
            pending_definition: m.pending_definition.map(async_graphql::Json),
            changed_at: m.changed_at,
            alert_id: m.alert_event_id.map(id),
            accepted_by: m.accepted_by.map(id),
            accepted_at: m.accepted_at,
        }
    }
}
