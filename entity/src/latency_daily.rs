//! A latency histogram per organization, day (UTC) and agent: how many activities' durations
//! fell into each bucket. Histograms of any set of days merge by adding counts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "latency_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: Uuid,
    /// Midnight UTC of the day the activities happened.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: DateTimeUtc,
    #[sea_orm(primary_key, auto_increment = false)]
    pub agent_id: Uuid,
    /// The bucket of the api's log-linear latency histogram layout.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bucket: i32,
    pub count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
