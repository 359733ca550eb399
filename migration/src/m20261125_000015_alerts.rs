//! Alerts: rules per organization, their state per (rule, agent), the alerts that fired,
//! webhooks, and the deliveries of each alert to each webhook with their retry schedule.

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
                    .table(AlertRules::Table)
                    .col(uuid(AlertRules::Id).primary_key())
                    .col(uuid(AlertRules::OrgId))
                    .col(string_len(AlertRules::Name, 100))
                    .col(string_len(AlertRules::Kind, 32))
                    .col(uuid_null(AlertRules::AgentId))
                    .col(string_len_null(AlertRules::Threshold, 64))
                    .col(integer_null(AlertRules::WindowMinutes))
                    .col(string_len_null(AlertRules::Pattern, 1000))
                    .col(boolean(AlertRules::OpenTask))
                    .col(boolean(AlertRules::Enabled))
                    .col(big_integer(AlertRules::LastSeq).default(0))
                    .col(timestamp_with_time_zone(AlertRules::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertRules::Table, AlertRules::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertRules::Table, AlertRules::AgentId)
                            .to(Agents::Table, Agents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_alert_rules_org",
            AlertRules::Table,
            &[AlertRules::OrgId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AlertStates::Table)
                    .col(uuid(AlertStates::RuleId))
                    .col(uuid(AlertStates::AgentId))
                    .col(uuid(AlertStates::OrgId))
                    .col(string_len(AlertStates::State, 32))
                    .col(timestamp_with_time_zone(AlertStates::Since))
                    .col(uuid_null(AlertStates::EventId))
                    .primary_key(
                        Index::create()
                            .col(AlertStates::RuleId)
                            .col(AlertStates::AgentId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertStates::Table, AlertStates::RuleId)
                            .to(AlertRules::Table, AlertRules::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertStates::Table, AlertStates::AgentId)
                            .to(Agents::Table, Agents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_alert_states_agent",
            AlertStates::Table,
            &[AlertStates::AgentId, AlertStates::State],
        )
        .await?;

        // No foreign key to the rule: an alert stays in the history after its rule is deleted.
        manager
            .create_table(
                Table::create()
                    .table(AlertEvents::Table)
                    .col(uuid(AlertEvents::Id).primary_key())
                    .col(uuid(AlertEvents::OrgId))
                    .col(uuid(AlertEvents::RuleId))
                    .col(string_len(AlertEvents::RuleName, 100))
                    .col(string_len(AlertEvents::Kind, 32))
                    .col(uuid(AlertEvents::AgentId))
                    .col(string_len(AlertEvents::Observed, 64))
                    .col(string_len(AlertEvents::Message, 1000))
                    .col(timestamp_with_time_zone(AlertEvents::FiredAt))
                    .col(timestamp_with_time_zone_null(AlertEvents::ResolvedAt))
                    .col(uuid_null(AlertEvents::TaskId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertEvents::Table, AlertEvents::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertEvents::Table, AlertEvents::AgentId)
                            .to(Agents::Table, Agents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_alert_events_org_fired",
            AlertEvents::Table,
            &[AlertEvents::OrgId, AlertEvents::FiredAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(uuid(Webhooks::Id).primary_key())
                    .col(uuid(Webhooks::OrgId))
                    .col(string_len(Webhooks::Url, 2000))
                    .col(string_len(Webhooks::Secret, 100))
                    .col(boolean(Webhooks::Enabled))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Webhooks::Table, Webhooks::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_webhooks_org",
            Webhooks::Table,
            &[Webhooks::OrgId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(uuid(WebhookDeliveries::Id).primary_key())
                    .col(uuid(WebhookDeliveries::OrgId))
                    .col(uuid(WebhookDeliveries::WebhookId))
                    .col(uuid(WebhookDeliveries::AlertEventId))
                    .col(string_len(WebhookDeliveries::Status, 32))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(string_len_null(WebhookDeliveries::LastError, 1000))
                    .col(integer_null(WebhookDeliveries::LastStatusCode))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::DeliveredAt,
                    ))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::AlertEventId)
                            .to(AlertEvents::Table, AlertEvents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_webhook_deliveries_due",
            WebhookDeliveries::Table,
            &[WebhookDeliveries::Status, WebhookDeliveries::NextAttemptAt],
        )
        .await?;
        index(
            manager,
            "idx_webhook_deliveries_webhook",
            WebhookDeliveries::Table,
            &[WebhookDeliveries::WebhookId, WebhookDeliveries::CreatedAt],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookDeliveries::Table.into_iden(),
            Webhooks::Table.into_iden(),
            AlertEvents::Table.into_iden(),
            AlertStates::Table.into_iden(),
            AlertRules::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

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
enum AlertRules {
    Table,
    Id,
    OrgId,
    Name,
    Kind,
    AgentId,
    Threshold,
    WindowMinutes,
    Pattern,
    OpenTask,
    Enabled,
    LastSeq,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AlertStates {
    Table,
    RuleId,
    AgentId,
    OrgId,
    State,
    Since,
    EventId,
}

#[derive(DeriveIden, Clone, Copy)]
enum AlertEvents {
    Table,
    Id,
    OrgId,
    RuleId,
    RuleName,
    Kind,
    AgentId,
    Observed,
    Message,
    FiredAt,
    ResolvedAt,
    TaskId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Webhooks {
    Table,
    Id,
    OrgId,
    Url,
    Secret,
    Enabled,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    Id,
    OrgId,
    WebhookId,
    AlertEventId,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    LastStatusCode,
    DeliveredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agents {
    Table,
    Id,
}
