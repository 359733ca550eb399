//! Activities whose model has no price are marked, so no total ever counts them as $0.

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
                    .add_column(boolean(AgentActivities::Unpriced).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AgentActivities::Table)
                    .drop_column(AgentActivities::Unpriced)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AgentActivities {
    Table,
    Unpriced,
}
