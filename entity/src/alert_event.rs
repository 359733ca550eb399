//! One alert: a rule that started firing for an agent, and when it stopped.

use sea_orm::entity::prelude::*;

use crate::domain::AlertKind;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "alert_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub rule_id: Uuid,
    /// The rule's name and kind when it fired (the rule may change or go later).
    pub rule_name: String,
    pub kind: AlertKind,
    pub agent_id: Uuid,
    /// What was observed, as decimal text (the error rate, dollars, milliseconds, matches,
    /// minutes of silence).
    pub observed: String,
    pub message: String,
    pub fired_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    /// The human task the alert opened, when the rule asked for one.
    pub task_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
