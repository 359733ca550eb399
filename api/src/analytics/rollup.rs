//! Writing the daily rollups at ingest: the new activities of a commit are summed per
//! (organization, day, agent, model) in memory, then added to the stored rows with one upsert
//! (see [`crate::db::add_on_conflict`]), inside the ingest transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{ActivityStatus, agent_activity, usage_daily};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait as _, Set};
use uuid::Uuid;

/// Midnight UTC of `at`'s day: the rollups' day key.
pub fn day_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|midnight| midnight.and_utc())
        .unwrap_or(at)
}

/// Sums of one rollup row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageSums {
    pub activities: i64,
    pub errors: i64,
    pub cost_nanos: i64,
    pub priced: i64,
    pub unpriced: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub reasoning_tokens: i64,
    pub duration_count: i64,
    pub duration_sum_ms: i64,
}

impl UsageSums {
    /// Adds another row's sums.
    pub fn merge(&mut self, o: &UsageSums) {
        self.activities += o.activities;
        self.errors += o.errors;
        self.cost_nanos += o.cost_nanos;
        self.priced += o.priced;
        self.unpriced += o.unpriced;
        self.input_tokens += o.input_tokens;
        self.output_tokens += o.output_tokens;
        self.cache_read_tokens += o.cache_read_tokens;
        self.cache_write_tokens += o.cache_write_tokens;
        self.reasoning_tokens += o.reasoning_tokens;
        self.duration_count += o.duration_count;
        self.duration_sum_ms += o.duration_sum_ms;
    }

    /// Counts one activity in.
    pub fn add(&mut self, a: &agent_activity::Model) {
        self.activities += 1;
        self.errors += i64::from(a.status == ActivityStatus::Error);
        if let Some(cost) = a.cost_usd {
            self.cost_nanos += cost.nanos();
            self.priced += 1;
        }
        self.unpriced += i64::from(a.unpriced);
        self.input_tokens += a.input_tokens.unwrap_or(0);
        self.output_tokens += a.output_tokens.unwrap_or(0);
        self.cache_read_tokens += a.cache_read_tokens.unwrap_or(0);
        self.cache_write_tokens += a.cache_write_tokens.unwrap_or(0);
        self.reasoning_tokens += a.reasoning_tokens.unwrap_or(0);
        if let Some(ms) = a.duration_ms {
            self.duration_count += 1;
            self.duration_sum_ms += ms;
        }
    }
}

type UsageKey = (Uuid, DateTime<Utc>, Uuid, String);

/// Adds `inserted` (activities committed for the first time) to the daily rollups.
pub async fn apply<'a>(
    db: &impl ConnectionTrait,
    inserted: impl IntoIterator<Item = &'a agent_activity::Model>,
) -> Result<(), DbErr> {
    // A BTreeMap writes rows in key order, so two transactions never lock them in cycles.
    let mut usage: BTreeMap<UsageKey, UsageSums> = BTreeMap::new();
    for a in inserted {
        let key = (
            a.org_id,
            day_of(a.timestamp),
            a.agent_id,
            a.model.clone().unwrap_or_default(),
        );
        usage.entry(key).or_default().add(a);
    }
    if usage.is_empty() {
        return Ok(());
    }
    let rows =
        usage.into_iter().map(
            |((org_id, day, agent_id, model), s)| usage_daily::ActiveModel {
                org_id: Set(org_id),
                day: Set(day),
                agent_id: Set(agent_id),
                model: Set(model),
                activities: Set(s.activities),
                errors: Set(s.errors),
                cost_nanos: Set(s.cost_nanos),
                priced: Set(s.priced),
                unpriced: Set(s.unpriced),
                input_tokens: Set(s.input_tokens),
                output_tokens: Set(s.output_tokens),
                cache_read_tokens: Set(s.cache_read_tokens),
                cache_write_tokens: Set(s.cache_write_tokens),
                reasoning_tokens: Set(s.reasoning_tokens),
                duration_count: Set(s.duration_count),
                duration_sum_ms: Set(s.duration_sum_ms),
            },
        );
    use usage_daily::Column as C;
    usage_daily::Entity::insert_many(rows)
        .on_conflict(crate::db::add_on_conflict::<usage_daily::Entity>(
            [C::OrgId, C::Day, C::AgentId, C::Model],
            [
                C::Activities,
                C::Errors,
                C::CostNanos,
                C::Priced,
                C::Unpriced,
                C::InputTokens,
                C::OutputTokens,
                C::CacheReadTokens,
                C::CacheWriteTokens,
                C::ReasoningTokens,
                C::DurationCount,
                C::DurationSumMs,
            ],
        ))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::day_of;

    #[test]
    fn days_start_at_midnight_utc() {
        let at = "2026-11-25T23:59:59.999Z".parse().unwrap();
        assert_eq!(day_of(at).to_rfc3339(), "2026-11-25T00:00:00+00:00");
    }
}
