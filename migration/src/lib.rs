//! Schema migrations. Every migration runs unchanged on SQLite and PostgreSQL: column types
//! come from sea-query's portable builders, never from backend-specific SQL. The one
//! exception is full-text search (`m20261125_000012`), which each backend builds its own way.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_core;
mod m20261125_000002_refresh_tokens;
mod m20261125_000003_api_key_scopes;
mod m20261125_000004_audit_log;
mod m20261125_000005_invitations;
mod m20261125_000006_oauth_states;
mod m20261125_000007_activity_feed_index;
mod m20261125_000008_activity_details;
mod m20261125_000009_activity_unpriced;
mod m20261125_000010_activity_redactions;
mod m20261125_000011_agent_minute_rollups;
mod m20261125_000012_runs_and_search;
mod m20261125_000013_feed_sequence;
mod m20261125_000014_usage_daily;
mod m20261125_000015_alerts;
mod m20261125_000016_latency_daily;
mod m20261125_000017_task_workflow;
mod m20261125_000018_search_index_positions;
mod m20261125_000019_mcp_tools;
mod m20261125_000020_drop_unused_activity_indexes;

pub use m20261125_000012_runs_and_search::sqlite_document as sqlite_search_document;

/// The ordered list of migrations `humanaios migrate` (and `serve`) apply.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_core::Migration),
            Box::new(m20261125_000002_refresh_tokens::Migration),
            Box::new(m20261125_000003_api_key_scopes::Migration),
            Box::new(m20261125_000004_audit_log::Migration),
            Box::new(m20261125_000005_invitations::Migration),
            Box::new(m20261125_000006_oauth_states::Migration),
            Box::new(m20261125_000007_activity_feed_index::Migration),
            Box::new(m20261125_000008_activity_details::Migration),
            Box::new(m20261125_000009_activity_unpriced::Migration),
            Box::new(m20261125_000010_activity_redactions::Migration),
            Box::new(m20261125_000011_agent_minute_rollups::Migration),
            Box::new(m20261125_000012_runs_and_search::Migration),
            Box::new(m20261125_000013_feed_sequence::Migration),
            Box::new(m20261125_000014_usage_daily::Migration),
            Box::new(m20261125_000015_alerts::Migration),
            Box::new(m20261125_000016_latency_daily::Migration),
            Box::new(m20261125_000017_task_workflow::Migration),
            Box::new(m20261125_000018_search_index_positions::Migration),
            Box::new(m20261125_000019_mcp_tools::Migration),
            Box::new(m20261125_000020_drop_unused_activity_indexes::Migration),
        ]
    }
}
