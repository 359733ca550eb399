//! SQLite's full-text index leaves the ingest transaction: the insert trigger of
//! `m20261125_000012` goes, and a background indexer (and every search, before it reads) adds
//! activities to `activity_fts` in batches, in each organization's feed order.
//! `search_index_positions` holds, per organization, the feed sequence number up to which
//! every activity is indexed. Corrections and deletions keep their triggers (they are rare).
//!
//! PostgreSQL is untouched: its generated `tsvector` column stays in the ingest transaction.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        manager
            .create_table(
                Table::create()
                    .table(SearchIndexPositions::Table)
                    .col(uuid(SearchIndexPositions::OrgId).primary_key())
                    .col(big_integer(SearchIndexPositions::IndexedSeq))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SearchIndexPositions::Table, SearchIndexPositions::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The trigger has indexed everything stored so far, and no activity of an
        // organization has a number above its counter.
        db.execute_unprepared(
            "INSERT INTO search_index_positions (org_id, indexed_seq) \
             SELECT org_id, last FROM feed_sequences",
        )
        .await?;
        db.execute_unprepared("DROP TRIGGER IF EXISTS \"activity_fts_insert\"")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        // Index what the indexer had not reached yet, then let the trigger take over again.
        db.execute_unprepared(&format!(
            "INSERT INTO \"activity_fts\" (\"content\", \"activity_id\", \"id_key\") SELECT {}, \
             a.\"id\", hex(a.\"id\") FROM \"agent_activities\" AS a \
             LEFT JOIN search_index_positions AS p ON p.org_id = a.org_id \
             WHERE a.feed_seq > coalesce(p.indexed_seq, 0)",
            crate::m20261125_000012_runs_and_search::sqlite_document("a")
        ))
        .await?;
        db.execute_unprepared(&crate::m20261125_000012_runs_and_search::sqlite_insert_trigger())
            .await?;
        manager
            .drop_table(Table::drop().table(SearchIndexPositions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SearchIndexPositions {
    Table,
    OrgId,
    IndexedSeq,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
