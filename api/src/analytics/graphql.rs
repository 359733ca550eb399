//! The GraphQL face of analytics: `Query.analytics { costs, forecast, performance, tasks }`.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use entity::OrgId;

use super::service::{
    self, CostForecast, CostGroupBy, CostReport, PerformanceReport, TaskReport, Window,
};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt as _;

/// The organization's analytics, read from rollups written at ingest. Windows are whole UTC
/// days; by default from the first of this month to the end of today, at most 366 days.
pub struct Analytics {
    org: OrgId,
}

#[Object]
impl Analytics {
    /// Costs, tokens and volume in the window, in total and grouped by agent, model or day.
    /// Activities of unknown cost are counted in `unpriced`, never as $0.
    async fn costs(
        &self,
        ctx: &Context<'_>,
        group_by: CostGroupBy,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<CostReport> {
        let window = Window::days(from, to, crate::time::now())?;
        service::costs(ctx.state()?, self.org, window, group_by).await
    }

    /// This month's known cost so far and a month-end projection with a 95% interval.
    async fn forecast(&self, ctx: &Context<'_>) -> ApiResult<CostForecast> {
        service::forecast(ctx.state()?, self.org, crate::time::now()).await
    }

    /// Volume, error rate, throughput and latency percentiles of the organization and of each
    /// agent over the window.
    async fn performance(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<PerformanceReport> {
        let window = Window::days(from, to, crate::time::now())?;
        service::performance(ctx.state()?, self.org, window).await
    }

    /// Human tasks created in the window: by status and type, completion rate and times.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<TaskReport> {
        let window = Window::days(from, to, crate::time::now())?;
        service::tasks(ctx.state()?, self.org, window).await
    }
}

#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// Costs, forecast and task outcomes of the organization (every member, read keys).
    async fn analytics(&self, ctx: &Context<'_>) -> ApiResult<Analytics> {
        let viewer = ctx.authorize("Query.analytics")?;
        Ok(Analytics { org: viewer.org_id })
    }
}
