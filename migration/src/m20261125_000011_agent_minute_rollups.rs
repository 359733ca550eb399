//! Per-agent, per-minute rollups written at ingest, so metrics over any window read one row
//! per minute (and one per non-empty latency bucket) instead of every activity:
//! `agent_minute` (counts, errors, cost, tokens, durations) and `agent_minute_latency` (a
//! mergeable latency histogram). `minute` counts minutes since the Unix epoch (UTC).
//!
//! Activities stored before this migration are not rolled up: their metrics read as empty.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_rollup(
            manager,
            Rollup::AgentMinute,
            &[],
            &[
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
            ],
        )
        .await?;
        create_rollup(
            manager,
            Rollup::AgentMinuteLatency,
            &[Rollup::Bucket],
            &[Rollup::Count],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Rollup::AgentMinuteLatency, Rollup::AgentMinute] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// A rollup table: keyed by agent, minute and `extra_key` (integers), carrying the agent's
/// organization (indexed with the minute, for organization-wide metrics) and BIGINT `sums`
/// that start at 0. Deleting an agent deletes its rollups.
async fn create_rollup(
    manager: &SchemaManager<'_>,
    table: Rollup,
    extra_key: &[Rollup],
    sums: &[Rollup],
) -> Result<(), DbErr> {
    let mut create = Table::create();
    create
        .table(table)
        .col(uuid(Rollup::AgentId))
        .col(big_integer(Rollup::Minute));
    let mut key = Index::create();
    key.col(Rollup::AgentId).col(Rollup::Minute);
    for &col in extra_key {
        create.col(integer(col));
        key.col(col);
    }
    create.col(uuid(Rollup::OrgId));
    for &col in sums {
        create.col(big_integer(col).default(0));
    }
    create.primary_key(&mut key).foreign_key(
        ForeignKey::create()
            .from(table, Rollup::AgentId)
            .to(Agents::Table, Agents::Id)
            .on_delete(ForeignKeyAction::Cascade),
    );
    manager.create_table(create.to_owned()).await?;
    manager
        .create_index(
            Index::create()
                .name(format!("idx_{}_org", table.to_string()))
                .table(table)
                .col(Rollup::OrgId)
                .col(Rollup::Minute)
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden)]
enum Agents {
    Table,
    Id,
}

/// The tables and columns of both rollups.
#[derive(DeriveIden, Clone, Copy)]
enum Rollup {
    AgentMinute,
    AgentMinuteLatency,
    AgentId,
    Minute,
    Bucket,
    OrgId,
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
    Count,
}
