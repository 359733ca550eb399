//! One change of a human task on its way to the task's callback URL, with every attempt's
//! outcome. The body is frozen when the change happens, so a retry sends the same bytes.

use sea_orm::entity::prelude::*;

use crate::domain::DeliveryStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "task_callbacks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub task_id: Uuid,
    /// The task version the body shows.
    pub task_version: i32,
    pub body: Json,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When the next attempt is due (also the lease of a sender working on it).
    pub next_attempt_at: DateTimeUtc,
    pub last_error: Option<String>,
    pub last_status_code: Option<i32>,
    pub delivered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
