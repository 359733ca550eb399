//! The five core records of the product spec plus API keys, with the indexes their queries
//! use: activities by `(agent, timestamp)` and `(org, timestamp)`, tasks by status and by
//! place (a latitude/longitude bounding box), keys by prefix.

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
                    .table(Organizations::Table)
                    .col(uuid(Organizations::Id).primary_key())
                    .col(string(Organizations::Name))
                    .col(string_len(Organizations::Plan, 32))
                    .col(json(Organizations::Settings))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(uuid(Users::Id).primary_key())
                    .col(uuid(Users::OrgId))
                    .col(string(Users::Email).unique_key())
                    .col(string_null(Users::PasswordHash))
                    .col(string_len(Users::Role, 32))
                    .col(string_len(Users::AuthProvider, 32))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_users_org", Users::Table, &[Users::OrgId]).await?;

        manager
            .create_table(
                Table::create()
                    .table(Agents::Table)
                    .col(uuid(Agents::Id).primary_key())
                    .col(uuid(Agents::OrgId))
                    .col(string(Agents::Name))
                    .col(string_len(Agents::AgentType, 32))
                    .col(json(Agents::Config))
                    .col(string_len(Agents::Status, 32))
                    .col(timestamp_with_time_zone(Agents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Agents::Table, Agents::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_agents_org_name")
                    .table(Agents::Table)
                    .col(Agents::OrgId)
                    .col(Agents::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgentActivities::Table)
                    .col(uuid(AgentActivities::Id).primary_key())
                    .col(uuid(AgentActivities::OrgId))
                    .col(uuid(AgentActivities::AgentId))
                    .col(string_len(AgentActivities::ActivityType, 32))
                    .col(json(AgentActivities::Payload))
                    .col(big_integer_null(AgentActivities::CostUsd))
                    .col(big_integer_null(AgentActivities::DurationMs))
                    .col(timestamp_with_time_zone(AgentActivities::Timestamp))
                    .col(timestamp_with_time_zone(AgentActivities::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AgentActivities::Table, AgentActivities::AgentId)
                            .to(Agents::Table, Agents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_activities_agent_time",
            AgentActivities::Table,
            &[AgentActivities::AgentId, AgentActivities::Timestamp],
        )
        .await?;
        index(
            manager,
            "idx_activities_org_time",
            AgentActivities::Table,
            &[AgentActivities::OrgId, AgentActivities::Timestamp],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(HumanTasks::Table)
                    .col(uuid(HumanTasks::Id).primary_key())
                    .col(uuid(HumanTasks::OrgId))
                    .col(uuid(HumanTasks::AgentId))
                    .col(string(HumanTasks::Title))
                    .col(text(HumanTasks::Description))
                    .col(string_len(HumanTasks::Status, 32))
                    .col(string_len(HumanTasks::TaskType, 32))
                    .col(double_null(HumanTasks::Latitude))
                    .col(double_null(HumanTasks::Longitude))
                    .col(big_integer_null(HumanTasks::BudgetUsd))
                    .col(uuid_null(HumanTasks::AssignedTo))
                    .col(json_null(HumanTasks::Result))
                    .col(integer(HumanTasks::Version))
                    .col(timestamp_with_time_zone(HumanTasks::CreatedAt))
                    .col(timestamp_with_time_zone_null(HumanTasks::CompletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(HumanTasks::Table, HumanTasks::AgentId)
                            .to(Agents::Table, Agents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(HumanTasks::Table, HumanTasks::AssignedTo)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_tasks_org_status_created",
            HumanTasks::Table,
            &[HumanTasks::OrgId, HumanTasks::Status, HumanTasks::CreatedAt],
        )
        .await?;
        index(
            manager,
            "idx_tasks_org_place",
            HumanTasks::Table,
            &[
                HumanTasks::OrgId,
                HumanTasks::Latitude,
                HumanTasks::Longitude,
            ],
        )
        .await?;
        index(
            manager,
            "idx_tasks_agent",
            HumanTasks::Table,
            &[HumanTasks::AgentId],
        )
        .await?;
        index(
            manager,
            "idx_tasks_assignee",
            HumanTasks::Table,
            &[HumanTasks::AssignedTo],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(uuid(ApiKeys::Id).primary_key())
                    .col(uuid(ApiKeys::OrgId))
                    .col(string(ApiKeys::Name))
                    .col(string_len(ApiKeys::Prefix, 32).unique_key())
                    .col(string_len(ApiKeys::KeyHash, 64))
                    .col(uuid_null(ApiKeys::CreatedBy))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiKeys::Table, ApiKeys::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_api_keys_org",
            ApiKeys::Table,
            &[ApiKeys::OrgId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so foreign keys never block a drop.
        for table in [
            ApiKeys::Table.into_iden(),
            HumanTasks::Table.into_iden(),
            AgentActivities::Table.into_iden(),
            Agents::Table.into_iden(),
            Users::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// A plain (non-unique) index over `cols`.
async fn index<T: Iden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[T],
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(*col);
    }
    manager.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Organizations {
    Table,
    Id,
    Name,
    Plan,
    Settings,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
    OrgId,
    Email,
    PasswordHash,
    Role,
    AuthProvider,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Agents {
    Table,
    Id,
    OrgId,
    Name,
    AgentType,
    Config,
    Status,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AgentActivities {
    Table,
    Id,
    OrgId,
    AgentId,
    ActivityType,
    Payload,
    CostUsd,
    DurationMs,
    Timestamp,
    ReceivedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum HumanTasks {
    Table,
    Id,
    OrgId,
    AgentId,
    Title,
    Description,
    Status,
    TaskType,
    Latitude,
    Longitude,
    BudgetUsd,
    AssignedTo,
    Result,
    Version,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiKeys {
    Table,
    Id,
    OrgId,
    Name,
    Prefix,
    KeyHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}
