//! A tool an agent's MCP server offered through the proxy, pinned to the fingerprint of its
//! definition when first seen (or last accepted by an admin); a later, different definition
//! waits in `pending_*` until an admin accepts it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mcp_tools")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub agent_id: Uuid,
    /// Which MCP server behind the proxy offers it (the command or upstream URL).
    pub server: String,
    pub name: String,
    /// SHA-256 (hex) of the pinned definition's canonical JSON.
    pub fingerprint: String,
    /// The pinned definition: title, description, input and output schema, annotations.
    pub definition: Json,
    pub first_seen_at: DateTimeUtc,
    pub pending_fingerprint: Option<String>,
    pub pending_definition: Option<Json>,
    /// When the pending definition was first seen.
    pub changed_at: Option<DateTimeUtc>,
    /// The alert raised for the pending change.
    pub alert_event_id: Option<Uuid>,
    pub accepted_by: Option<Uuid>,
    pub accepted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
