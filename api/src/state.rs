//! What every request handler shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::activities::group_commit::GroupCommitter;
use crate::auth::jwt::TokenKeys;
use crate::config::Config;
use crate::events::EventBus;
use crate::limits::RateLimits;
use crate::runs::search_index::SearchIndexer;

/// Shared server state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub tokens: Arc<TokenKeys>,
    pub bus: Arc<dyn EventBus>,
    pub limits: Arc<RateLimits>,
    /// Where ingest batches wait to be committed together.
    pub ingest: GroupCommitter,
    /// Keeps SQLite's full-text index up to date after ingest commits.
    pub search_index: SearchIndexer,
    /// The optional LLM that refines what the detection rules flag.
    pub classifier: Option<Arc<crate::tasks::detect::Classifier>>,
    /// Cancelled when the server begins to stop. Requests held open for long (an MCP
    /// `wait_for_human_task`) end early on it, so that a graceful stop, which waits for
    /// every request in flight, does not wait for them.
    pub stopping: tokio_util::sync::CancellationToken,
}
