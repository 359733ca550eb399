//! A task an agent needs a person for, and where it stands in its lifecycle.

use sea_orm::entity::prelude::*;

use crate::domain::{TaskSource, TaskStatus, TaskType, Usd};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "human_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub agent_id: Uuid,
    pub title: String,
    pub description: String,
    pub status: TaskStatus,
    pub task_type: TaskType,
    /// WGS84 degrees; both set or both `None`.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub budget_usd: Option<Usd>,
    pub assigned_to: Option<Uuid>,
    pub result: Option<Json>,
    /// Bumped on every change, for optimistic concurrency.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
    pub source: TaskSource,
    /// The activity that raised it (at most one task per activity).
    pub source_activity_id: Option<Uuid>,
    /// Where, as the agent wrote it (a street address), beside or instead of coordinates.
    pub address: Option<String>,
    pub deadline: Option<DateTimeUtc>,
    /// Where every change of the task is posted, signed with `callback_secret`.
    pub callback_url: Option<String>,
    /// Kept in the clear like webhook secrets: every callback is signed with it. Never
    /// serialized (events cross replicas through Redis; no reader needs it).
    #[serde(skip)]
    pub callback_secret: Option<String>,
    pub result_note: Option<String>,
    pub failure_reason: Option<String>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTimeUtc>,
    pub assigned_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::agent::Entity",
        from = "Column::AgentId",
        to = "super::agent::Column::Id"
    )]
    Agent,
}

impl ActiveModelBehavior for ActiveModel {}
