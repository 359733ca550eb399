//! The GraphQL face of metrics: `Agent.metrics(window)` and `Query.orgMetrics(window)`.

use async_graphql::{Context, InputObject, Object};
use chrono::{DateTime, Utc};

use super::{Metrics, Scope};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt as _;

/// A time window. Metrics are kept per minute, so it widens to whole minutes; it may span
/// at most 90 days.
#[derive(InputObject, Debug, Default, Clone, Copy)]
pub struct MetricsWindowInput {
    /// Start (inclusive); 60 minutes before `to` when absent.
    pub from: Option<DateTime<Utc>>,
    /// End (exclusive); now when absent.
    pub to: Option<DateTime<Utc>>,
}

/// The metrics of `scope` in the caller's organization (the caller is authorized already).
pub async fn resolve(
    ctx: &Context<'_>,
    scope: Scope,
    window: Option<MetricsWindowInput>,
) -> ApiResult<Metrics> {
    let viewer = ctx.viewer()?;
    let window = window.unwrap_or_default();
    super::load(ctx.state()?, viewer.org_id, scope, window.from, window.to).await
}

#[derive(Default)]
pub struct MetricsQuery;

#[Object]
impl MetricsQuery {
    /// Counts, errors, cost, tokens and latency of all the organization's agents over a
    /// window (the last hour by default).
    async fn org_metrics(
        &self,
        ctx: &Context<'_>,
        window: Option<MetricsWindowInput>,
    ) -> ApiResult<Metrics> {
        ctx.authorize("Query.orgMetrics")?;
        resolve(ctx, Scope::Org, window).await
    }
}
