//! Each activity records how many values PII redaction replaced before it was stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AgentActivities::Table)
                    .add_column(integer(AgentActivities::Redactions).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AgentActivities::Table)
                    .drop_column(AgentActivities::Redactions)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AgentActivities {
    Table,
    Redactions,
}
