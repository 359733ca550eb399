//! The sums one `agent_minute` row holds, as ingest adds them up and as metrics read them
//! back: the same fields, in the same order, as that table's sum columns.

use entity::{ActivityStatus, agent_activity};
use sea_orm::FromQueryResult;

use super::tables::Rollup;

/// The `agent_minute` columns that hold sums, in [`Sums`]' field order.
pub const COLUMNS: [Rollup; 12] = [
    Rollup::Activities,
    Rollup::Errors,
    Rollup::CostNanos,
    Rollup::Priced,
    Rollup::Unpriced,
    Rollup::InputTokens,
    Rollup::OutputTokens,
    Rollup::CacheReadTokens,
    Rollup::CacheWriteTokens,
    Rollup::ReasoningTokens,
    Rollup::DurationCount,
    Rollup::DurationSumMs,
];

/// Counts and totals of some activities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct Sums {
    pub activities: i64,
    /// Activities whose status is `error`.
    pub errors: i64,
    /// Known costs, in nanodollars.
    pub cost_nanos: i64,
    /// Activities with a known cost.
    pub priced: i64,
    /// Activities whose model or tokens no price covers.
    pub unpriced: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub reasoning_tokens: i64,
    /// Activities with a duration.
    pub duration_count: i64,
    pub duration_sum_ms: i64,
}

impl Sums {
    /// What one activity adds.
    pub fn of(activity: &agent_activity::Model) -> Sums {
        Sums {
            activities: 1,
            errors: i64::from(activity.status == ActivityStatus::Error),
            cost_nanos: activity.cost_usd.map_or(0, |c| c.nanos()),
            priced: i64::from(activity.cost_usd.is_some()),
            unpriced: i64::from(activity.unpriced),
            input_tokens: activity.input_tokens.unwrap_or(0),
            output_tokens: activity.output_tokens.unwrap_or(0),
            cache_read_tokens: activity.cache_read_tokens.unwrap_or(0),
            cache_write_tokens: activity.cache_write_tokens.unwrap_or(0),
            reasoning_tokens: activity.reasoning_tokens.unwrap_or(0),
            duration_count: i64::from(activity.duration_ms.is_some()),
            duration_sum_ms: activity.duration_ms.unwrap_or(0),
        }
    }

    /// Every field, in [`COLUMNS`] order.
    pub fn values(&self) -> [i64; 12] {
        [
            self.activities,
            self.errors,
            self.cost_nanos,
            self.priced,
            self.unpriced,
            self.input_tokens,
            self.output_tokens,
            self.cache_read_tokens,
            self.cache_write_tokens,
            self.reasoning_tokens,
            self.duration_count,
            self.duration_sum_ms,
        ]
    }

    /// Adds `other` (saturating: a sum never wraps around).
    pub fn add(&mut self, other: &Sums) {
        let sat = |a: &mut i64, b: i64| *a = a.saturating_add(b);
        sat(&mut self.activities, other.activities);
        sat(&mut self.errors, other.errors);
        sat(&mut self.cost_nanos, other.cost_nanos);
        sat(&mut self.priced, other.priced);
        sat(&mut self.unpriced, other.unpriced);
        sat(&mut self.input_tokens, other.input_tokens);
        sat(&mut self.output_tokens, other.output_tokens);
        sat(&mut self.cache_read_tokens, other.cache_read_tokens);
        sat(&mut self.cache_write_tokens, other.cache_write_tokens);
        sat(&mut self.reasoning_tokens, other.reasoning_tokens);
        sat(&mut self.duration_count, other.duration_count);
        sat(&mut self.duration_sum_ms, other.duration_sum_ms);
    }
}
