//! A latency histogram per (organization, day, agent), written at ingest beside the daily
//! usage rollup, so analytics percentiles over months read days × agents × buckets rows
//! instead of the per-minute histogram's minutes × agents × buckets.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LatencyDaily::Table)
                    .col(uuid(LatencyDaily::OrgId))
                    .col(timestamp_with_time_zone(LatencyDaily::Day))
                    .col(uuid(LatencyDaily::AgentId))
                    .col(integer(LatencyDaily::Bucket))
                    .col(big_integer(LatencyDaily::Count).default(0))
                    .primary_key(
                        Index::create()
                            .col(LatencyDaily::OrgId)
                            .col(LatencyDaily::Day)
                            .col(LatencyDaily::AgentId)
                            .col(LatencyDaily::Bucket),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LatencyDaily::Table, LatencyDaily::AgentId)
                            .to(Agents::Table, Agents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LatencyDaily::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LatencyDaily {
    Table,
    OrgId,
    Day,
    AgentId,
    Bucket,
    Count,
}

#[derive(DeriveIden)]
enum Agents {
    Table,
    Id,
}
