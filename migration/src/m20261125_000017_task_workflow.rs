//! The human-task workflow: where a task came from (and the activity that raised it, once),
//! its address and deadline, who approved, assigned, started and finished it and when, its
//! result note or failure reason, and the agent's callback; members' places and
//! availability for assignment suggestions; and the queue of signed callback deliveries.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let task_columns = [
            string_len(HumanTasks::Source, 32).default("api").to_owned(),
            uuid_null(HumanTasks::SourceActivityId),
            text_null(HumanTasks::Address),
            timestamp_with_time_zone_null(HumanTasks::Deadline),
            text_null(HumanTasks::CallbackUrl),
            string_null(HumanTasks::CallbackSecret),
            text_null(HumanTasks::ResultNote),
            text_null(HumanTasks::FailureReason),
            uuid_null(HumanTasks::ApprovedBy),
            timestamp_with_time_zone_null(HumanTasks::ApprovedAt),
            timestamp_with_time_zone_null(HumanTasks::AssignedAt),
            timestamp_with_time_zone_null(HumanTasks::StartedAt),
            timestamp_with_time_zone_null(HumanTasks::UpdatedAt),
        ];
        for mut column in task_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(HumanTasks::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // An activity opens at most one task, even when its batch is retried or replayed.
        manager
            .create_index(
                Index::create()
                    .name("ux_human_tasks_source_activity")
                    .table(HumanTasks::Table)
                    .col(HumanTasks::SourceActivityId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_human_tasks_org_created")
                    .table(HumanTasks::Table)
                    .col(HumanTasks::OrgId)
                    .col(HumanTasks::CreatedAt)
                    .to_owned(),
            )
            .await?;

        let user_columns = [
            double_null(Users::Latitude),
            double_null(Users::Longitude),
            boolean(Users::Available).default(false).to_owned(),
            timestamp_with_time_zone_null(Users::LocatedAt),
        ];
        for mut column in user_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(TaskCallbacks::Table)
                    .col(uuid(TaskCallbacks::Id).primary_key())
                    .col(uuid(TaskCallbacks::OrgId))
                    .col(uuid(TaskCallbacks::TaskId))
                    .col(integer(TaskCallbacks::TaskVersion))
                    .col(json(TaskCallbacks::Body))
                    .col(string_len(TaskCallbacks::Status, 32))
                    .col(integer(TaskCallbacks::Attempts).default(0))
                    .col(timestamp_with_time_zone(TaskCallbacks::NextAttemptAt))
                    .col(text_null(TaskCallbacks::LastError))
                    .col(integer_null(TaskCallbacks::LastStatusCode))
                    .col(timestamp_with_time_zone_null(TaskCallbacks::DeliveredAt))
                    .col(timestamp_with_time_zone(TaskCallbacks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TaskCallbacks::Table, TaskCallbacks::TaskId)
                            .to(HumanTasks::Table, HumanTasks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_callbacks_due")
                    .table(TaskCallbacks::Table)
                    .col(TaskCallbacks::Status)
                    .col(TaskCallbacks::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_callbacks_task")
                    .table(TaskCallbacks::Table)
                    .col(TaskCallbacks::TaskId)
                    .col(TaskCallbacks::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TaskCallbacks::Table).to_owned())
            .await?;
        for column in [
            Users::Latitude,
            Users::Longitude,
            Users::Available,
            Users::LocatedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_human_tasks_org_created")
                    .table(HumanTasks::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_human_tasks_source_activity")
                    .table(HumanTasks::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            HumanTasks::Source,
            HumanTasks::SourceActivityId,
            HumanTasks::Address,
            HumanTasks::Deadline,
            HumanTasks::CallbackUrl,
            HumanTasks::CallbackSecret,
            HumanTasks::ResultNote,
            HumanTasks::FailureReason,
            HumanTasks::ApprovedBy,
            HumanTasks::ApprovedAt,
            HumanTasks::AssignedAt,
            HumanTasks::StartedAt,
            HumanTasks::UpdatedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(HumanTasks::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum HumanTasks {
    Table,
    Id,
    OrgId,
    CreatedAt,
    Source,
    SourceActivityId,
    Address,
    Deadline,
    CallbackUrl,
    CallbackSecret,
    ResultNote,
    FailureReason,
    ApprovedBy,
    ApprovedAt,
    AssignedAt,
    StartedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Latitude,
    Longitude,
    Available,
    LocatedAt,
}

#[derive(DeriveIden)]
enum TaskCallbacks {
    Table,
    Id,
    OrgId,
    TaskId,
    TaskVersion,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    LastStatusCode,
    DeliveredAt,
    CreatedAt,
}
