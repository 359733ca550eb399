//! Tool pinning for the MCP proxy: every tool an agent's MCP server offered, with the
//! fingerprint of its definition when first seen (or last accepted by an admin), and the
//! changed definition waiting for an admin's acceptance, if any.

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
                    .table(McpTools::Table)
                    .col(uuid(McpTools::Id).primary_key())
                    .col(uuid(McpTools::OrgId))
                    .col(uuid(McpTools::AgentId))
                    .col(string_len(McpTools::Server, 500))
                    .col(string_len(McpTools::Name, 200))
                    .col(string_len(McpTools::Fingerprint, 64))
                    .col(json(McpTools::Definition))
                    .col(timestamp_with_time_zone(McpTools::FirstSeenAt))
                    .col(string_len_null(McpTools::PendingFingerprint, 64))
                    .col(json_null(McpTools::PendingDefinition))
                    .col(timestamp_with_time_zone_null(McpTools::ChangedAt))
                    .col(uuid_null(McpTools::AlertEventId))
                    .col(uuid_null(McpTools::AcceptedBy))
                    .col(timestamp_with_time_zone_null(McpTools::AcceptedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(McpTools::Table, McpTools::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(McpTools::Table, McpTools::AgentId)
                            .to(Agents::Table, Agents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mcp_tools_identity")
                    .table(McpTools::Table)
                    .col(McpTools::OrgId)
                    .col(McpTools::AgentId)
                    .col(McpTools::Server)
                    .col(McpTools::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(McpTools::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum McpTools {
    Table,
    Id,
    OrgId,
    AgentId,
    Server,
    Name,
    Fingerprint,
    Definition,
    FirstSeenAt,
    PendingFingerprint,
    PendingDefinition,
    ChangedAt,
    AlertEventId,
    AcceptedBy,
    AcceptedAt,
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
