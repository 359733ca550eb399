//! Whether a rule fires for an agent right now. One row per (rule, agent) ever evaluated;
//! replicas change it only with a conditional update, so each transition happens once.

use sea_orm::entity::prelude::*;

use crate::domain::AlertState;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub rule_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub agent_id: Uuid,
    pub org_id: Uuid,
    pub state: AlertState,
    pub since: DateTimeUtc,
    /// The open alert while firing.
    pub event_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
