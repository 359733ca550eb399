//! A task an agent needs a person for.

use sea_orm::entity::prelude::*;

use crate::domain::{TaskStatus, TaskType, Usd};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
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
