//! One alert on its way to one webhook, with every attempt's outcome.

use sea_orm::entity::prelude::*;

use crate::domain::DeliveryStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub webhook_id: Uuid,
    pub alert_event_id: Uuid,
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
