//! Drops two indexes of `agent_activities` that no query reads any more, each of which every
//! ingested activity paid for (a b-tree insert per row on both backends):
//! - `idx_activities_org_received` `(org_id, received_at)`: the feed replays by
//!   `(org_id, feed_seq)` since `m20261125_000013`.
//! - `idx_activities_run` `(run_id)`: every run query is scoped to an organization and uses
//!   `idx_activities_org_run` `(org_id, run_id)` from `m20261125_000012`.
//!
//! `down` recreates both.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each dropped index with its columns.
const DROPPED: [(&str, &[AgentActivities]); 2] = [
    (
        "idx_activities_org_received",
        &[AgentActivities::OrgId, AgentActivities::ReceivedAt],
    ),
    ("idx_activities_run", &[AgentActivities::RunId]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in DROPPED {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(AgentActivities::Table)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in DROPPED {
            let mut index = Index::create();
            index.name(name).table(AgentActivities::Table);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum AgentActivities {
    Table,
    OrgId,
    ReceivedAt,
    RunId,
}
