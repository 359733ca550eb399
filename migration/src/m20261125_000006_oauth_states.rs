//! OAuth sign-in attempts in flight: the single-use `state` (stored hashed), the PKCE
//! verifier, and the invitation the new identity may be joining.

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
                    .table(OauthStates::Table)
                    .col(uuid(OauthStates::Id).primary_key())
                    .col(string_len(OauthStates::StateHash, 64).unique_key())
                    .col(string_len(OauthStates::Provider, 32))
                    .col(string(OauthStates::PkceVerifier))
                    .col(string_null(OauthStates::InvitationToken))
                    .col(timestamp_with_time_zone(OauthStates::CreatedAt))
                    .col(timestamp_with_time_zone(OauthStates::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthStates::UsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthStates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OauthStates {
    Table,
    Id,
    StateHash,
    Provider,
    PkceVerifier,
    InvitationToken,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
