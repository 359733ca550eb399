//! Runs and full-text search over activities.
//!
//! - `(org_id, run_id)` index: the runs list groups an organization's activities by run, and
//!   a run's spans are read by run id.
//! - Full-text search, which no portable builder expresses, so this migration is the one
//!   place with backend-specific SQL. Both backends index the same text, the activity's
//!   name, its error message and the string and number values of its payload (not the JSON
//!   keys or punctuation), so a word query finds the same activities on either:
//!   - PostgreSQL: a generated `tsvector` column (`simple` configuration: lower-cased words,
//!     no stemming, no stop words) with a GIN index.
//!   - SQLite: an FTS5 table `activity_fts` kept in step by triggers. `id_key` (the id in
//!     hex, one token) lets the delete trigger find a row through the index instead of
//!     scanning the whole table; searches only ever match the `content` column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    r#"ALTER TABLE "agent_activities" ADD COLUMN "search_document" tsvector
        GENERATED ALWAYS AS (
            to_tsvector('simple', coalesce("name", '') || ' ' || coalesce("error_message", ''))
            || json_to_tsvector('simple', "payload", '["string", "numeric"]')
        ) STORED"#,
    r#"CREATE INDEX "idx_activities_search" ON "agent_activities" USING GIN ("search_document")"#,
];

const POSTGRES_DOWN: &[&str] = &[
    r#"DROP INDEX IF EXISTS "idx_activities_search""#,
    r#"ALTER TABLE "agent_activities" DROP COLUMN IF EXISTS "search_document""#,
];

/// The text the activity in `row` (a table alias) is found by on SQLite: the same on insert,
/// update, backfill and in the search indexer (`api/src/runs/search_index.rs`).
pub fn sqlite_document(row: &str) -> String {
    format!(
        "coalesce({row}.\"name\", '') || ' ' || coalesce({row}.\"error_message\", '') || ' ' || \
         coalesce((SELECT group_concat(\"value\", ' ') FROM json_tree({row}.\"payload\") \
         WHERE \"type\" IN ('text', 'integer', 'real')), '')"
    )
}

/// Removes the FTS row of the activity `OLD`.
const SQLITE_DELETE_OLD: &str = "DELETE FROM \"activity_fts\" WHERE \"activity_fts\" MATCH \
     'id_key : \"' || hex(OLD.\"id\") || '\"';";

/// Adds the FTS row of the activity `NEW`.
fn sqlite_insert_new() -> String {
    format!(
        "INSERT INTO \"activity_fts\" (\"content\", \"activity_id\", \"id_key\") VALUES ({}, \
         NEW.\"id\", hex(NEW.\"id\"));",
        sqlite_document("NEW")
    )
}

/// The trigger that indexes each activity as it is inserted (dropped by `m20261125_000018`,
/// which indexes outside the ingest transaction, and restored by its `down`).
pub(crate) fn sqlite_insert_trigger() -> String {
    format!(
        "CREATE TRIGGER \"activity_fts_insert\" AFTER INSERT ON \"agent_activities\" BEGIN \
         {} END",
        sqlite_insert_new()
    )
}

fn sqlite_up() -> Vec<String> {
    let insert_new = sqlite_insert_new();
    vec![
        // Diacritics are kept, as PostgreSQL's `simple` configuration keeps them.
        "CREATE VIRTUAL TABLE \"activity_fts\" USING fts5(\"content\", \"activity_id\" UNINDEXED, \
         \"id_key\", tokenize = 'unicode61 remove_diacritics 0')"
            .to_owned(),
        sqlite_insert_trigger(),
        format!(
            "CREATE TRIGGER \"activity_fts_delete\" AFTER DELETE ON \"agent_activities\" BEGIN \
             {SQLITE_DELETE_OLD} END"
        ),
        // Activities are append-only, but a correction of the searched text must not leave
        // the index stale.
        format!(
            "CREATE TRIGGER \"activity_fts_update\" AFTER UPDATE OF \"name\", \"error_message\", \
             \"payload\" ON \"agent_activities\" BEGIN {SQLITE_DELETE_OLD} {insert_new} END"
        ),
        format!(
            "INSERT INTO \"activity_fts\" (\"content\", \"activity_id\", \"id_key\") SELECT {}, \
             a.\"id\", hex(a.\"id\") FROM \"agent_activities\" AS a",
            sqlite_document("a")
        ),
    ]
}

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS \"activity_fts_update\"",
    "DROP TRIGGER IF EXISTS \"activity_fts_delete\"",
    "DROP TRIGGER IF EXISTS \"activity_fts_insert\"",
    "DROP TABLE IF EXISTS \"activity_fts\"",
];

async fn run_all<S: AsRef<str>>(
    manager: &SchemaManager<'_>,
    statements: &[S],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql.as_ref()).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_org_run")
                    .table(AgentActivities::Table)
                    .col(AgentActivities::OrgId)
                    .col(AgentActivities::RunId)
                    .to_owned(),
            )
            .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => run_all(manager, POSTGRES_UP).await,
            DbBackend::Sqlite => run_all(manager, &sqlite_up()).await,
            other => Err(DbErr::Migration(format!(
                "full-text search is built for SQLite and PostgreSQL, not {other:?}"
            ))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Postgres => run_all(manager, POSTGRES_DOWN).await?,
            DbBackend::Sqlite => run_all(manager, SQLITE_DOWN).await?,
            _ => {}
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_activities_org_run")
                    .table(AgentActivities::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AgentActivities {
    Table,
    OrgId,
    RunId,
}
