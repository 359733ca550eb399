//! An organization's alert rule: what to watch, for which agents, and when it fires.

use sea_orm::entity::prelude::*;

use crate::domain::AlertKind;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub kind: AlertKind,
    /// The one agent watched; `None`: every agent of the organization, each on its own.
    pub agent_id: Option<Uuid>,
    /// Decimal text: a fraction (`ERROR_RATE`), US dollars (`DAILY_COST`) or milliseconds
    /// (`P95_LATENCY`); `None` for the kinds without one. Text keeps it exact on both
    /// backends.
    pub threshold: Option<String>,
    /// The window of `ERROR_RATE` and `P95_LATENCY`, the silence of `AGENT_SILENT`.
    pub window_minutes: Option<i32>,
    /// The regular expression of `ERROR_PATTERN`.
    pub pattern: Option<String>,
    /// Whether firing opens a human task for the agent concerned.
    pub open_task: bool,
    pub enabled: bool,
    /// `ERROR_PATTERN`'s cursor: the highest `feed_seq` already examined.
    pub last_seq: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
