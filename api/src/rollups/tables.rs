//! The rollup tables (migration `m20261125_000011`) and their columns. Both are keyed by
//! agent and minute (minutes since the Unix epoch, UTC) and carry the agent's organization:
//! `agent_minute` holds sums, `agent_minute_latency` a count per latency bucket. Rows are
//! only ever added to, never read-modified-written.

use sea_orm::DeriveIden;

/// Table and column names of both rollups.
#[derive(DeriveIden, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollup {
    AgentMinute,
    AgentMinuteLatency,
    AgentId,
    Minute,
    OrgId,
    Bucket,
    Count,
    Activities,
    Errors,
    CostNanos,
    Priced,
    Unpriced,
    InputTokens,
    OutputTokens,
    CacheReadTokens,
    CacheWriteTokens,
    ReasoningTokens,
    DurationCount,
    DurationSumMs,
}
