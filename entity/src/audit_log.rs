//! One audit record: who did what to which record, when, from where, chained by hash to the
//! record before it in the same organization. Only ever inserted.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    /// 1, 2, 3… within the organization.
    pub seq: i64,
    pub occurred_at: DateTimeUtc,
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    /// The member's email or the key's prefix, as it was at the time.
    pub actor_label: String,
    /// `agent.create`, `api_key.revoke`, `auth.sign_in`, …
    pub action: String,
    pub target_type: String,
    pub target_id: Option<Uuid>,
    /// What changed: before/after of the fields that changed, never secrets.
    pub summary: Json,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// `hash` of the previous record (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over this record's content and `prev_hash`.
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
