//! What an activity says beyond the spec's fields: its place in a run's span tree, the tool
//! or step name, the model and its token counts by kind, the outcome, and start/end times.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        let columns = [
            uuid_null(AgentActivities::RunId),
            uuid_null(AgentActivities::ParentId),
            string_null(AgentActivities::Name),
            string_null(AgentActivities::Model),
            big_integer_null(AgentActivities::InputTokens),
            big_integer_null(AgentActivities::OutputTokens),
            big_integer_null(AgentActivities::CacheReadTokens),
            big_integer_null(AgentActivities::CacheWriteTokens),
            big_integer_null(AgentActivities::ReasoningTokens),
            string_len(AgentActivities::Status, 32)
                .default("ok")
                .to_owned(),
            text_null(AgentActivities::ErrorMessage),
            timestamp_with_time_zone_null(AgentActivities::StartedAt),
            timestamp_with_time_zone_null(AgentActivities::EndedAt),
        ];
        for column in columns {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(AgentActivities::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_run")
                    .table(AgentActivities::Table)
                    .col(AgentActivities::RunId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_activities_run")
                    .table(AgentActivities::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            AgentActivities::RunId,
            AgentActivities::ParentId,
            AgentActivities::Name,
            AgentActivities::Model,
            AgentActivities::InputTokens,
            AgentActivities::OutputTokens,
            AgentActivities::CacheReadTokens,
            AgentActivities::CacheWriteTokens,
            AgentActivities::ReasoningTokens,
            AgentActivities::Status,
            AgentActivities::ErrorMessage,
            AgentActivities::StartedAt,
            AgentActivities::EndedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AgentActivities::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum AgentActivities {
    Table,
    RunId,
    ParentId,
    Name,
    Model,
    InputTokens,
    OutputTokens,
    CacheReadTokens,
    CacheWriteTokens,
    ReasoningTokens,
    Status,
    ErrorMessage,
    StartedAt,
    EndedAt,
}
