//! The live feed replays what a reconnecting subscriber missed in the order activities were
//! stored: `(org_id, received_at)`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_org_received")
                    .table(AgentActivities::Table)
                    .col(AgentActivities::OrgId)
                    .col(AgentActivities::ReceivedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_activities_org_received")
                    .table(AgentActivities::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AgentActivities {
    Table,
    OrgId,
    ReceivedAt,
}
