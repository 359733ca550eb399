//! The live feed's position becomes a per-organization commit sequence: each organization
//! has a counter that an ingest transaction advances while it holds the counter's row, so
//! activities become visible in sequence order and a resuming subscriber that asks for
//! "after N" can never miss one that committed late with an earlier timestamp.

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
                    .table(FeedSequences::Table)
                    .col(uuid(FeedSequences::OrgId).primary_key())
                    .col(big_integer(FeedSequences::Last))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FeedSequences::Table, FeedSequences::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AgentActivities::Table)
                    .add_column(big_integer(AgentActivities::FeedSeq).default(0))
                    .to_owned(),
            )
            .await?;
        // Activities stored before this migration are numbered in the order the feed used to
        // replay them (time stored, then id). UPDATE … FROM runs on PostgreSQL and SQLite ≥ 3.33.
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE agent_activities SET feed_seq = numbered.seq FROM ( \
               SELECT id, ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY received_at, id) AS seq \
               FROM agent_activities) AS numbered \
             WHERE agent_activities.id = numbered.id",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO feed_sequences (org_id, last) \
             SELECT org_id, MAX(feed_seq) FROM agent_activities GROUP BY org_id",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_org_feed_seq")
                    .table(AgentActivities::Table)
                    .col(AgentActivities::OrgId)
                    .col(AgentActivities::FeedSeq)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_activities_org_feed_seq")
                    .table(AgentActivities::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AgentActivities::Table)
                    .drop_column(AgentActivities::FeedSeq)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(FeedSequences::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum FeedSequences {
    Table,
    OrgId,
    Last,
}

#[derive(DeriveIden)]
enum AgentActivities {
    Table,
    OrgId,
    FeedSeq,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
