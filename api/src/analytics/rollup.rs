//! Writing the daily rollups at ingest: the new activities of a commit are summed per
//! (organization, day, agent, model) and their durations counted per (organization, day,
//! agent, latency bucket) in memory, then added to the stored rows with upserts (see
//! [`crate::db::add_on_conflict`]), inside the ingest transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{agent_activity, latency_daily, usage_daily};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait as _, Set};
use uuid::Uuid;

use crate::rollups::histogram::bucket_of;
use crate::rollups::sums::Sums;

/// Midnight UTC of `at`'s day: the rollups' day key.
pub fn day_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|midnight| midnight.and_utc())
        .unwrap_or(at)
}

type UsageKey = (Uuid, DateTime<Utc>, Uuid, String);

/// Adds `inserted` (activities committed for the first time) to the daily rollups.
pub async fn apply<'a>(
    db: &impl ConnectionTrait,
    inserted: impl IntoIterator<Item = &'a agent_activity::Model>,
) -> Result<(), DbErr> {
    // A BTreeMap writes rows in key order, so two transactions never lock them in cycles.
    let mut usage: BTreeMap<UsageKey, Sums> = BTreeMap::new();
    let mut latency: BTreeMap<(Uuid, DateTime<Utc>, Uuid, i32), i64> = BTreeMap::new();
    for a in inserted {
        let key = (
            a.org_id,
            day_of(a.timestamp),
            a.agent_id,
            a.model.clone().unwrap_or_default(),
        );
        usage.entry(key).or_default().add(&Sums::of(a));
        if let Some(ms) = a.duration_ms {
            let key = (
                a.org_id,
                day_of(a.timestamp),
                a.agent_id,
                i32::from(bucket_of(ms)),
            );
            *latency.entry(key).or_default() += 1;
        }
    }
    if usage.is_empty() {
        return Ok(());
    }
    let rows: Vec<usage_daily::ActiveModel> = usage
        .into_iter()
        .map(
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
        )
        .collect();
    use usage_daily::Column as C;
    // 16 values a row, and SQLite binds at most 32,766 per statement.
    for chunk in rows.chunks(1_000) {
        usage_daily::Entity::insert_many(chunk.to_vec())
            .on_conflict(crate::db::add_on_conflict(
                usage_daily::Entity,
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
    }
    let rows: Vec<latency_daily::ActiveModel> = latency
        .into_iter()
        .map(
            |((org_id, day, agent_id, bucket), count)| latency_daily::ActiveModel {
                org_id: Set(org_id),
                day: Set(day),
                agent_id: Set(agent_id),
                bucket: Set(bucket),
                count: Set(count),
            },
        )
        .collect();
    use latency_daily::Column as L;
    // 5 values a row.
    for chunk in rows.chunks(5_000) {
        latency_daily::Entity::insert_many(chunk.to_vec())
            .on_conflict(crate::db::add_on_conflict(
                latency_daily::Entity,
                [L::OrgId, L::Day, L::AgentId, L::Bucket],
                [L::Count],
            ))
            .exec_without_returning(db)
            .await?;
    }
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
