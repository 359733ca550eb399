//! Usage per organization, day (UTC), agent and model: the analytics rollup written at
//! ingest. Every column but the key is a sum, so concurrent writers simply add.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: Uuid,
    /// Midnight UTC of the day the activities happened (their `timestamp`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: DateTimeUtc,
    #[sea_orm(primary_key, auto_increment = false)]
    pub agent_id: Uuid,
    /// The activities' model; empty when they named none.
    #[sea_orm(primary_key, auto_increment = false)]
    pub model: String,
    pub activities: i64,
    /// Activities whose status was `error`.
    pub errors: i64,
    /// Sum of the priced activities' costs, in nanodollars.
    pub cost_nanos: i64,
    /// Activities with a known cost.
    pub priced: i64,
    /// Activities whose cost is unknown (no price for their model): never counted as $0.
    pub unpriced: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub reasoning_tokens: i64,
    /// Activities that reported a duration, and the sum of those durations.
    pub duration_count: i64,
    pub duration_sum_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
