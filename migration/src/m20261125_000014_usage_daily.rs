//! The daily usage rollup for analytics, written at ingest in the same transaction as the
//! activities: usage per (organization, day, agent, model), so a year of costs by agent,
//! model or day costs O(days × agents × models), not O(activities).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut usage = Table::create();
        usage
            .table(UsageDaily::Table)
            .col(uuid(UsageDaily::OrgId))
            .col(timestamp_with_time_zone(UsageDaily::Day))
            .col(uuid(UsageDaily::AgentId))
            // '' when the activities named no model: part of the key, so never NULL.
            .col(string_len(UsageDaily::Model, 200))
            .primary_key(
                Index::create()
                    .col(UsageDaily::OrgId)
                    .col(UsageDaily::Day)
                    .col(UsageDaily::AgentId)
                    .col(UsageDaily::Model),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(UsageDaily::Table, UsageDaily::AgentId)
                    .to(Agents::Table, Agents::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        for column in [
            UsageDaily::Activities,
            UsageDaily::Errors,
            UsageDaily::CostNanos,
            UsageDaily::Priced,
            UsageDaily::Unpriced,
            UsageDaily::InputTokens,
            UsageDaily::OutputTokens,
            UsageDaily::CacheReadTokens,
            UsageDaily::CacheWriteTokens,
            UsageDaily::ReasoningTokens,
            UsageDaily::DurationCount,
            UsageDaily::DurationSumMs,
        ] {
            usage.col(big_integer(column).default(0));
        }
        manager.create_table(usage.to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UsageDaily::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum UsageDaily {
    Table,
    OrgId,
    Day,
    AgentId,
    Model,
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

#[derive(DeriveIden)]
enum Agents {
    Table,
    Id,
}
