//! The audit log: append-only, one hash chain per organization (each record carries the
//! hash of the one before it), numbered by a per-organization sequence.

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
                    .table(AuditLog::Table)
                    .col(uuid(AuditLog::Id).primary_key())
                    .col(uuid(AuditLog::OrgId))
                    .col(big_integer(AuditLog::Seq))
                    .col(timestamp_with_time_zone(AuditLog::OccurredAt))
                    .col(string_len(AuditLog::ActorType, 32))
                    .col(uuid_null(AuditLog::ActorId))
                    .col(string(AuditLog::ActorLabel))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::TargetType, 64))
                    .col(uuid_null(AuditLog::TargetId))
                    .col(json(AuditLog::Summary))
                    .col(string_null(AuditLog::Ip))
                    .col(string_null(AuditLog::UserAgent))
                    .col(string_len(AuditLog::PrevHash, 64))
                    .col(string_len(AuditLog::Hash, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditLog::Table, AuditLog::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_audit_log_org_seq")
                    .table(AuditLog::Table)
                    .col(AuditLog::OrgId)
                    .col(AuditLog::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_org_time")
                    .table(AuditLog::Table)
                    .col(AuditLog::OrgId)
                    .col(AuditLog::OccurredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OrgId,
    Seq,
    OccurredAt,
    ActorType,
    ActorId,
    ActorLabel,
    Action,
    TargetType,
    TargetId,
    Summary,
    Ip,
    UserAgent,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
