//! Metrics over a window, read from the per-minute rollups: two grouped queries (sums per
//! series point, latency buckets per series point), whatever the number of activities.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use entity::{AgentId, OrgId, Usd};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

use super::histogram::Histogram;
use super::sums::{self, Sums};
use super::tables::Rollup;
use super::window::Window;
use crate::activities::tokens::TokenTotals;
use crate::error::{ApiError, ApiResult};

/// What happened over a window, from per-minute rollups. The window is whole minutes.
#[derive(Debug, Clone, PartialEq, SimpleObject, Serialize)]
#[graphql(name = "AgentMetrics")]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Start of the window (inclusive), on a minute.
    pub from: DateTime<Utc>,
    /// End of the window (exclusive), on a minute.
    pub to: DateTime<Utc>,
    /// Activities in the window, by their `timestamp`.
    pub activities: i64,
    /// Activities whose status is `ERROR`.
    pub errors: i64,
    /// `errors / activities`; `null` without activities.
    pub error_rate: Option<f64>,
    /// Activities per minute over the whole window.
    pub throughput_per_minute: f64,
    /// Exact sum of the known costs in US dollars (unpriced activities are not in it).
    pub cost_usd: Decimal,
    /// Activities with a known cost.
    pub priced: i64,
    /// Activities whose model or tokens no price covers: their cost is unknown, not $0.
    pub unpriced: i64,
    pub tokens: TokenTotals,
    pub latency: Latency,
    /// Minutes each series point covers: the finest of 1, 2, 5, 10, 15, 30, 60, 120, 180,
    /// 360, 720 and 1440 that keeps the series within 1,440 points.
    pub step_minutes: i64,
    /// The window step by step, oldest first, every step present (zeros when idle).
    pub series: Vec<MetricsPoint>,
}

/// Durations of the activities that reported one. Percentiles come from a log-linear
/// histogram and are within 3.125% of the exact (nearest-rank) value; `null` when no
/// activity in the window reported a duration.
#[derive(Debug, Clone, Copy, PartialEq, SimpleObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Latency {
    /// Activities with a duration.
    pub measured: i64,
    /// Exact mean.
    pub average_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// One step of the series.
#[derive(Debug, Clone, PartialEq, SimpleObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsPoint {
    /// Where the step starts.
    pub at: DateTime<Utc>,
    pub activities: i64,
    pub errors: i64,
    /// Exact sum of the step's known costs.
    pub cost_usd: Decimal,
    /// `null` when no activity in the step reported a duration (so are `p50Ms` and
    /// `p99Ms`).
    pub p95_ms: Option<f64>,
    /// The step's median duration.
    pub p50_ms: Option<f64>,
    /// The step's 99th percentile duration.
    pub p99_ms: Option<f64>,
}

/// Whose activities to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole organization.
    Org,
    /// One agent (the caller has checked that it is the organization's).
    Agent(AgentId),
}

/// Metrics of `scope` in `org` over `window`.
pub async fn metrics(
    db: &impl ConnectionTrait,
    org: OrgId,
    scope: Scope,
    window: Window,
) -> ApiResult<Metrics> {
    let points = usize::try_from(window.points()).unwrap_or_default();
    let mut totals = vec![Sums::default(); points];
    let mut histograms = vec![Histogram::default(); points];

    let query = per_point(Rollup::AgentMinute, &[], &sums::COLUMNS, org, scope, window);
    let rows = PointSums::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    for row in rows {
        totals[slot_of(row.point, points)?] = row.sums;
    }

    let query = per_point(
        Rollup::AgentMinuteLatency,
        &[Rollup::Bucket],
        &[Rollup::Count],
        org,
        scope,
        window,
    );
    let rows = PointBucket::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    for row in rows {
        // A bucket this version does not know (negative or past the layout) is skipped.
        if let Ok(bucket) = u16::try_from(row.bucket) {
            let count = u64::try_from(row.count).unwrap_or(0);
            histograms[slot_of(row.point, points)?].add(bucket, count);
        }
    }

    Ok(summarize(window, &totals, &histograms))
}

/// The name of the series-point column.
const POINT: &str = "point";

/// `SELECT (minute - from) / step AS point, group…, SUM(sum) AS sum… FROM table` over the
/// window's minutes of `scope`, `GROUP BY point, group…`. The point is integer division on
/// both backends; each sum is cast back to BIGINT, which PostgreSQL would otherwise widen to
/// NUMERIC.
fn per_point(
    table: Rollup,
    group: &[Rollup],
    sums: &[Rollup],
    org: OrgId,
    scope: Scope,
    window: Window,
) -> SelectStatement {
    let mut query = Query::select();
    query
        .from(table)
        .expr_as(
            Expr::col(Rollup::Minute)
                .sub(window.from)
                .div(window.step()),
            Alias::new(POINT),
        )
        .columns(group.iter().copied())
        .and_where(Expr::col(Rollup::OrgId).eq(org.0))
        .and_where(Expr::col(Rollup::Minute).gte(window.from))
        .and_where(Expr::col(Rollup::Minute).lt(window.to))
        .group_by_col(Alias::new(POINT))
        .group_by_columns(group.iter().copied());
    for &col in sums {
        query.expr_as(crate::db::exact_sum(col), col);
    }
    if let Scope::Agent(agent) = scope {
        query.and_where(Expr::col(Rollup::AgentId).eq(agent.0));
    }
    query
}

/// The index of series point `point`; the query's filters keep it below `points`.
fn slot_of(point: i64, points: usize) -> ApiResult<usize> {
    usize::try_from(point)
        .ok()
        .filter(|p| *p < points)
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "rollup row outside its window (point {point})"
            ))
        })
}

/// One series point's sums.
#[derive(Debug, FromQueryResult)]
struct PointSums {
    point: i64,
    #[sea_orm(nested)]
    sums: Sums,
}

/// One series point's count in one latency bucket.
#[derive(Debug, FromQueryResult)]
struct PointBucket {
    point: i64,
    bucket: i32,
    count: i64,
}

/// Totals, percentiles and the series from the per-point sums and histograms.
fn summarize(window: Window, sums: &[Sums], histograms: &[Histogram]) -> Metrics {
    let mut total = Sums::default();
    let mut histogram = Histogram::default();
    let mut series = Vec::with_capacity(sums.len());
    for (index, (point, point_histogram)) in sums.iter().zip(histograms).enumerate() {
        total.add(point);
        histogram.merge(point_histogram);
        series.push(MetricsPoint {
            at: window.point_start(index as i64),
            activities: point.activities,
            errors: point.errors,
            cost_usd: Usd::from_nanos(point.cost_nanos).amount(),
            p95_ms: point_histogram.percentile(0.95),
            p50_ms: point_histogram.percentile(0.5),
            p99_ms: point_histogram.percentile(0.99),
        });
    }
    let (from, to) = window.bounds();
    Metrics {
        from,
        to,
        activities: total.activities,
        errors: total.errors,
        error_rate: (total.activities > 0).then(|| total.errors as f64 / total.activities as f64),
        throughput_per_minute: total.activities as f64 / window.minutes() as f64,
        cost_usd: Usd::from_nanos(total.cost_nanos).amount(),
        priced: total.priced,
        unpriced: total.unpriced,
        tokens: TokenTotals::new(
            total.input_tokens,
            total.output_tokens,
            total.cache_read_tokens,
            total.cache_write_tokens,
            total.reasoning_tokens,
        ),
        latency: Latency {
            measured: total.duration_count,
            average_ms: (total.duration_count > 0)
                .then(|| total.duration_sum_ms as f64 / total.duration_count as f64),
            p50_ms: histogram.percentile(0.50),
            p95_ms: histogram.percentile(0.95),
            p99_ms: histogram.percentile(0.99),
        },
        step_minutes: window.step(),
        series,
    }
}
