//! Metrics from per-agent, per-minute rollups: written at ingest in the ingest's
//! transaction ([`apply`]), read for any window at a cost that grows with the minutes in it,
//! not with the activities ([`load`]): counts, error rate, throughput, exact cost, tokens,
//! and latency percentiles from a histogram that merges.

pub mod graphql;
pub mod histogram;
pub mod read;
pub mod rest;
pub mod sums;
mod tables;
pub mod window;
mod write;

use chrono::{DateTime, Utc};
use entity::OrgId;

pub use read::{Metrics, Scope};
pub use write::apply;

use crate::error::ApiResult;
use crate::state::AppState;

/// Metrics of `scope` in `org` from `from` to `to` (see [`window::Window::new`] for the
/// defaults and limits). Shared by GraphQL and REST.
pub async fn load(
    state: &AppState,
    org: OrgId,
    scope: Scope,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> ApiResult<Metrics> {
    let window = window::Window::new(from, to, crate::time::now())?;
    read::metrics(&state.db, org, scope, window).await
}
