//! Analytics over the daily rollups: costs grouped by agent, model or day; a month-end cost
//! forecast; human task outcomes. Windows are whole UTC days (the rollups' grain).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike as _, Duration, NaiveDate, Utc};
use entity::{OrgId, TaskStatus, TaskType, Usd, agent, human_task, latency_daily, usage_daily};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, Func, SimpleExpr};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait as _, EntityTrait as _, QueryFilter as _, QueryResult,
    QuerySelect as _, QueryTrait as _, Select,
};
use serde::Serialize;
use uuid::Uuid;

use super::rollup::day_of;
use crate::activities::tokens::TokenTotals;
use crate::error::{ApiError, ApiResult};
use crate::rollups::histogram::Histogram;
use crate::rollups::sums::Sums;
use crate::state::AppState;

/// Longest window analytics read.
pub const MAX_WINDOW_DAYS: i64 = 366;

/// The days a report covers: `[from, to)`, both at midnight UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    /// Midnight UTC of the first day.
    pub from: DateTime<Utc>,
    /// Midnight UTC after the last day.
    pub to: DateTime<Utc>,
}

impl Window {
    /// Whole UTC days covering `from..to`; by default from the first of this month to the end
    /// of today.
    pub fn days(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> ApiResult<Window> {
        let today = day_of(now);
        let from = day_of(from.unwrap_or_else(|| month_start(now)));
        let to = match to {
            // The day holding the last instant before `to`, included.
            Some(to) => day_of(to - Duration::microseconds(1)) + Duration::days(1),
            None => today + Duration::days(1),
        };
        if to <= from {
            return Err(ApiError::invalid("to", "must be after from"));
        }
        if to - from > Duration::days(MAX_WINDOW_DAYS) {
            return Err(ApiError::invalid(
                "from",
                format!("the window may span at most {MAX_WINDOW_DAYS} days"),
            ));
        }
        Ok(Window { from, to })
    }
}

/// Midnight UTC of the first day of `now`'s month.
fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(now.year(), now.month(), 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(now)
}

/// What `costs` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CostGroupBy {
    Agent,
    Model,
    Day,
}

/// Cost and volume of a set of activities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct CostTotals {
    /// Exact sum of the known costs, in US dollars.
    pub cost_usd: Decimal,
    pub activities: i64,
    /// Activities with a known cost.
    pub priced: i64,
    /// Activities whose cost is unknown (their model has no price): not in `costUsd`, and
    /// never counted as $0.
    pub unpriced: i64,
    pub errors: i64,
    pub tokens: TokenTotals,
    /// Paid human labour: the budgets of human tasks completed in the window (by the day they
    /// were completed), exact, in US dollars. Not part of `costUsd`, which is agent spend.
    pub human_cost_usd: Decimal,
    /// Completed human tasks with a budget, counted in `humanCostUsd`.
    pub human_tasks: i64,
}

impl CostTotals {
    fn add_labour(&mut self, budget: Usd) {
        self.human_cost_usd += budget.amount();
        self.human_tasks += 1;
    }

    /// Agent spend and paid labour together, for ordering groups.
    fn all_spend(&self) -> Decimal {
        self.cost_usd + self.human_cost_usd
    }
}

impl From<Sums> for CostTotals {
    fn from(s: Sums) -> Self {
        CostTotals {
            cost_usd: Usd::from_nanos(s.cost_nanos).amount(),
            activities: s.activities,
            priced: s.priced,
            unpriced: s.unpriced,
            errors: s.errors,
            tokens: TokenTotals::new(
                s.input_tokens,
                s.output_tokens,
                s.cache_read_tokens,
                s.cache_write_tokens,
                s.reasoning_tokens,
            ),
            human_cost_usd: Decimal::ZERO,
            human_tasks: 0,
        }
    }
}

/// One group of a cost report: exactly one of `agentId`, `model`, `day` is set, after
/// `groupBy` (`model` is null for activities that named none).
#[derive(Debug, Clone, PartialEq, Serialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct CostGroup {
    pub agent_id: Option<Uuid>,
    /// The agent's name, for display.
    pub agent_name: Option<String>,
    pub model: Option<String>,
    pub day: Option<DateTime<Utc>>,
    pub totals: CostTotals,
}

/// Costs over a window, in total and by group (most expensive first; by day, oldest first
/// with every day present).
#[derive(Debug, Clone, PartialEq, Serialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct CostReport {
    pub window: Window,
    pub group_by: CostGroupBy,
    pub totals: CostTotals,
    pub groups: Vec<CostGroup>,
}

impl Serialize for CostGroupBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            CostGroupBy::Agent => "AGENT",
            CostGroupBy::Model => "MODEL",
            CostGroupBy::Day => "DAY",
        })
    }
}

/// The organization's costs in `window`, grouped.
pub async fn costs(
    state: &AppState,
    org: OrgId,
    window: Window,
    group_by: CostGroupBy,
) -> ApiResult<CostReport> {
    let key = match group_by {
        CostGroupBy::Agent => usage_daily::Column::AgentId,
        CostGroupBy::Model => usage_daily::Column::Model,
        CostGroupBy::Day => usage_daily::Column::Day,
    };
    let select = summed(in_window(org, window))
        .column_as(key, "key")
        .group_by(key);
    let rows = state.db.query_all(&select.into_query()).await?;
    let mut totals = Sums::default();
    let mut groups = Vec::with_capacity(rows.len());
    for row in &rows {
        let sums = read_sums(row)?;
        totals.add(&sums);
        let mut group = CostGroup {
            agent_id: None,
            agent_name: None,
            model: None,
            day: None,
            totals: sums.into(),
        };
        match group_by {
            CostGroupBy::Agent => group.agent_id = Some(row.try_get::<Uuid>("", "key")?),
            CostGroupBy::Model => {
                group.model = Some(row.try_get::<String>("", "key")?).filter(|m| !m.is_empty())
            }
            CostGroupBy::Day => group.day = Some(row.try_get::<DateTime<Utc>>("", "key")?),
        }
        groups.push(group);
    }
    let mut totals: CostTotals = totals.into();
    for (agent_id, completed_at, budget) in paid_labour(state, org, window).await? {
        totals.add_labour(budget);
        let key = |g: &CostGroup| match group_by {
            CostGroupBy::Agent => g.agent_id == Some(agent_id),
            CostGroupBy::Day => g.day == Some(day_of(completed_at)),
            // Labour has no model: it shows in the report's totals only.
            CostGroupBy::Model => false,
        };
        let group = match groups.iter_mut().position(|g| key(g)) {
            Some(i) => &mut groups[i],
            None if group_by == CostGroupBy::Model => continue,
            None => {
                groups.push(CostGroup {
                    agent_id: (group_by == CostGroupBy::Agent).then_some(agent_id),
                    agent_name: None,
                    model: None,
                    day: (group_by == CostGroupBy::Day).then(|| day_of(completed_at)),
                    totals: CostTotals::default(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        group.totals.add_labour(budget);
    }
    match group_by {
        CostGroupBy::Day => groups = every_day(window, groups),
        _ => groups.sort_by(|a, b| {
            b.totals
                .all_spend()
                .cmp(&a.totals.all_spend())
                .then(b.totals.activities.cmp(&a.totals.activities))
        }),
    }
    if group_by == CostGroupBy::Agent {
        let names = agent_names(state, org).await?;
        for group in &mut groups {
            group.agent_name = group.agent_id.and_then(|id| names.get(&id).cloned());
        }
    }
    Ok(CostReport {
        window,
        group_by,
        totals,
        groups,
    })
}

/// (agent, completed at, budget) of each human task with a budget completed in `window`.
async fn paid_labour(
    state: &AppState,
    org: OrgId,
    window: Window,
) -> ApiResult<Vec<(Uuid, DateTime<Utc>, Usd)>> {
    use entity::human_task::{Column, Entity};
    let rows: Vec<(Uuid, Option<DateTime<Utc>>, Option<Usd>)> = Entity::find()
        .select_only()
        .column(Column::AgentId)
        .column(Column::CompletedAt)
        .column(Column::BudgetUsd)
        .filter(Column::OrgId.eq(org.0))
        .filter(Column::Status.eq(entity::TaskStatus::Completed))
        .filter(Column::CompletedAt.gte(window.from))
        .filter(Column::CompletedAt.lt(window.to))
        .filter(Column::BudgetUsd.is_not_null())
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(agent, at, budget)| Some((agent, at?, budget?)))
        .collect())
}

/// `groups` (one per day with activity) with a zero group for each day without, oldest first.
fn every_day(window: Window, groups: Vec<CostGroup>) -> Vec<CostGroup> {
    let mut by_day: BTreeMap<DateTime<Utc>, CostGroup> = groups
        .into_iter()
        .filter_map(|g| g.day.map(|day| (day, g)))
        .collect();
    let mut day = window.from;
    while day < window.to {
        by_day.entry(day).or_insert_with(|| CostGroup {
            agent_id: None,
            agent_name: None,
            model: None,
            day: Some(day),
            totals: CostTotals::default(),
        });
        day += Duration::days(1);
    }
    by_day.into_values().collect()
}

/// The organization's agent names by id.
async fn agent_names(state: &AppState, org: OrgId) -> ApiResult<BTreeMap<Uuid, String>> {
    Ok(agent::Entity::find()
        .select_only()
        .column(agent::Column::Id)
        .column(agent::Column::Name)
        .filter(agent::Column::OrgId.eq(org.0))
        .into_tuple::<(Uuid, String)>()
        .all(&state.db)
        .await?
        .into_iter()
        .collect())
}

/// The organization's usage rows in `window`.
fn in_window(org: OrgId, window: Window) -> Select<usage_daily::Entity> {
    usage_daily::Entity::find()
        .filter(usage_daily::Column::OrgId.eq(org.0))
        .filter(usage_daily::Column::Day.gte(window.from))
        .filter(usage_daily::Column::Day.lt(window.to))
}

/// The summed columns, as `CAST(SUM(c) AS BIGINT)` (PostgreSQL sums BIGINTs as NUMERIC).
const SUMMED: [(usage_daily::Column, &str); 12] = [
    (usage_daily::Column::Activities, "activities"),
    (usage_daily::Column::Errors, "errors"),
    (usage_daily::Column::CostNanos, "cost_nanos"),
    (usage_daily::Column::Priced, "priced"),
    (usage_daily::Column::Unpriced, "unpriced"),
    (usage_daily::Column::InputTokens, "input_tokens"),
    (usage_daily::Column::OutputTokens, "output_tokens"),
    (usage_daily::Column::CacheReadTokens, "cache_read_tokens"),
    (usage_daily::Column::CacheWriteTokens, "cache_write_tokens"),
    (usage_daily::Column::ReasoningTokens, "reasoning_tokens"),
    (usage_daily::Column::DurationCount, "duration_count"),
    (usage_daily::Column::DurationSumMs, "duration_sum_ms"),
];

/// `select` reduced to the sums of [`SUMMED`].
pub fn summed(select: Select<usage_daily::Entity>) -> Select<usage_daily::Entity> {
    SUMMED
        .iter()
        .fold(select.select_only(), |select, (column, alias)| {
            select.column_as(crate::db::exact_sum(*column), *alias)
        })
}

/// The sums [`summed`] selected (a group with no rows sums to zero).
pub fn read_sums(row: &QueryResult) -> ApiResult<Sums> {
    let get =
        |alias: &str| -> ApiResult<i64> { Ok(row.try_get::<Option<i64>>("", alias)?.unwrap_or(0)) };
    Ok(Sums {
        activities: get("activities")?,
        errors: get("errors")?,
        cost_nanos: get("cost_nanos")?,
        priced: get("priced")?,
        unpriced: get("unpriced")?,
        input_tokens: get("input_tokens")?,
        output_tokens: get("output_tokens")?,
        cache_read_tokens: get("cache_read_tokens")?,
        cache_write_tokens: get("cache_write_tokens")?,
        reasoning_tokens: get("reasoning_tokens")?,
        duration_count: get("duration_count")?,
        duration_sum_ms: get("duration_sum_ms")?,
    })
}

/// Where this month's cost is heading.
#[derive(Debug, Clone, PartialEq, Serialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct CostForecast {
    /// Midnight UTC of the month's first day.
    pub month: DateTime<Utc>,
    /// Known cost so far this month.
    pub month_to_date_usd: Decimal,
    /// Activities this month whose cost is unknown (not in any figure here).
    pub unpriced_activities: i64,
    /// Month-to-date plus the mean daily cost times the days left.
    pub projected_usd: Decimal,
    /// A 95% interval around the projection, from the spread of the daily costs (days taken
    /// as independent); the lower end is never below month-to-date.
    pub low_usd: Decimal,
    pub high_usd: Decimal,
    /// Complete days the daily mean and spread come from (up to 28, from the first day with
    /// activity).
    pub days_observed: i32,
}

/// Days of history the forecast learns from.
const FORECAST_HISTORY_DAYS: i64 = 28;

/// This month's cost so far and where it is heading, from the daily series.
pub async fn forecast(state: &AppState, org: OrgId, now: DateTime<Utc>) -> ApiResult<CostForecast> {
    let today = day_of(now);
    let month = month_start(now);
    let history_from = (today - Duration::days(FORECAST_HISTORY_DAYS)).min(month);
    let window = Window {
        from: history_from,
        to: today + Duration::days(1),
    };
    let select = summed(in_window(org, window))
        .column_as(usage_daily::Column::Day, "key")
        .group_by(usage_daily::Column::Day);
    let mut daily: BTreeMap<DateTime<Utc>, Sums> = BTreeMap::new();
    for row in state.db.query_all(&select.into_query()).await? {
        daily.insert(row.try_get("", "key")?, read_sums(&row)?);
    }
    let mut month_to_date = Sums::default();
    for sums in daily.range(month..) {
        month_to_date.add(sums.1);
    }
    // Complete days from the first one with activity (an org that started last week has no
    // zero-cost history before that), up to yesterday.
    let series: Vec<f64> = match daily.keys().next() {
        Some(first) => {
            let from = (*first).max(today - Duration::days(FORECAST_HISTORY_DAYS));
            let mut day = from;
            let mut series = Vec::new();
            while day < today {
                series.push(daily.get(&day).map_or(0, |s| s.cost_nanos) as f64);
                day += Duration::days(1);
            }
            series
        }
        None => Vec::new(),
    };
    let projection = project(month_to_date.cost_nanos as f64, &series, days_left(now));
    let usd = |nanos: f64| Usd::from_nanos(nanos.round() as i64).amount();
    Ok(CostForecast {
        month,
        month_to_date_usd: usd(month_to_date.cost_nanos as f64),
        unpriced_activities: month_to_date.unpriced,
        projected_usd: usd(projection.expected),
        low_usd: usd(projection.low),
        high_usd: usd(projection.high),
        days_observed: series.len() as i32,
    })
}

/// Days (fractional: the rest of today counts) from `now` to the end of its month.
fn days_left(now: DateTime<Utc>) -> f64 {
    let next_month = if now.month() == 12 {
        NaiveDate::from_ymd_opt(now.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(now.year(), now.month() + 1, 1)
    };
    next_month
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|end| (end.and_utc() - now).num_seconds() as f64 / 86_400.0)
        .unwrap_or(0.0)
}

/// A projection and its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub expected: f64,
    pub low: f64,
    pub high: f64,
}

/// `so_far` plus `days_left` days like those of `series`: the mean per day, and a 95%
/// interval of ±1.96 standard deviations of a sum of that many independent days.
pub fn project(so_far: f64, series: &[f64], days_left: f64) -> Projection {
    if series.is_empty() {
        return Projection {
            expected: so_far,
            low: so_far,
            high: so_far,
        };
    }
    let n = series.len() as f64;
    let mean = series.iter().sum::<f64>() / n;
    let variance = if series.len() > 1 {
        series.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let expected = so_far + mean * days_left;
    let half_width = 1.96 * variance.sqrt() * days_left.sqrt();
    Projection {
        expected,
        low: (expected - half_width).max(so_far),
        high: expected + half_width,
    }
}

/// Volume, errors and latency of a set of activities over a window.
#[derive(Debug, Clone, PartialEq, Serialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct Performance {
    pub activities: i64,
    pub errors: i64,
    /// `errors ÷ activities`; null without activity.
    pub error_rate: Option<f64>,
    /// Activities per minute over the whole window.
    pub throughput_per_minute: f64,
    /// Activities that reported a duration.
    pub measured: i64,
    pub average_ms: Option<f64>,
    /// Percentiles from the daily latency histograms, within 3.125% of the exact value;
    /// null when no duration was reported.
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

impl Performance {
    fn of(sums: &Sums, latency: &Histogram, window: Window) -> Self {
        let minutes = (window.to - window.from).num_minutes().max(1) as f64;
        Performance {
            activities: sums.activities,
            errors: sums.errors,
            error_rate: (sums.activities > 0).then(|| sums.errors as f64 / sums.activities as f64),
            throughput_per_minute: sums.activities as f64 / minutes,
            measured: sums.duration_count,
            average_ms: (sums.duration_count > 0)
                .then(|| sums.duration_sum_ms as f64 / sums.duration_count as f64),
            p50_ms: latency.percentile(0.50),
            p95_ms: latency.percentile(0.95),
            p99_ms: latency.percentile(0.99),
        }
    }
}

/// The organization's performance and each agent's, over whole UTC days. (Minute by minute
/// detail of one agent is `Agent.metrics`.)
#[derive(Debug, Clone, PartialEq, Serialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceReport {
    pub window: Window,
    pub overall: Performance,
    /// Agents with activity in the window, busiest first.
    pub agents: Vec<AgentPerformance>,
}

/// One agent's performance.
#[derive(Debug, Clone, PartialEq, Serialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct AgentPerformance {
    pub agent_id: Uuid,
    pub agent_name: Option<String>,
    pub performance: Performance,
}

/// Performance in `window` from the daily rollups: two grouped reads, whatever the volume.
pub async fn performance(
    state: &AppState,
    org: OrgId,
    window: Window,
) -> ApiResult<PerformanceReport> {
    let select = summed(in_window(org, window))
        .column_as(usage_daily::Column::AgentId, "key")
        .group_by(usage_daily::Column::AgentId);
    let mut per_agent: BTreeMap<Uuid, (Sums, Histogram)> = BTreeMap::new();
    for row in state.db.query_all(&select.into_query()).await? {
        per_agent.entry(row.try_get("", "key")?).or_default().0 = read_sums(&row)?;
    }
    let buckets: Vec<(Uuid, i32, i64)> = latency_daily::Entity::find()
        .select_only()
        .column(latency_daily::Column::AgentId)
        .column(latency_daily::Column::Bucket)
        .column_as(crate::db::exact_sum(latency_daily::Column::Count), "count")
        .filter(latency_daily::Column::OrgId.eq(org.0))
        .filter(latency_daily::Column::Day.gte(window.from))
        .filter(latency_daily::Column::Day.lt(window.to))
        .group_by(latency_daily::Column::AgentId)
        .group_by(latency_daily::Column::Bucket)
        .into_tuple()
        .all(&state.db)
        .await?;
    for (agent, bucket, count) in buckets {
        if let (Ok(bucket), Ok(count)) = (u16::try_from(bucket), u64::try_from(count)) {
            per_agent.entry(agent).or_default().1.add(bucket, count);
        }
    }
    let names = agent_names(state, org).await?;
    let (mut all_sums, mut all_latency) = (Sums::default(), Histogram::default());
    let mut agents: Vec<AgentPerformance> = per_agent
        .into_iter()
        .map(|(agent_id, (sums, latency))| {
            all_sums.add(&sums);
            all_latency.merge(&latency);
            AgentPerformance {
                agent_id,
                agent_name: names.get(&agent_id).cloned(),
                performance: Performance::of(&sums, &latency, window),
            }
        })
        .collect();
    agents.sort_by_key(|a| std::cmp::Reverse(a.performance.activities));
    Ok(PerformanceReport {
        window,
        overall: Performance::of(&all_sums, &all_latency, window),
        agents,
    })
}

/// Human task outcomes over a window (by creation time).
#[derive(Debug, Clone, PartialEq, Serialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct TaskReport {
    pub window: Window,
    /// Tasks created in the window.
    pub created: i64,
    pub by_status: Vec<TaskStatusCount>,
    pub by_type: Vec<TaskTypeCount>,
    /// Completed ÷ (completed + failed); null when none has finished.
    pub completion_rate: Option<f64>,
    /// Minutes from creation to completion of the completed tasks: median and 90th
    /// percentile; null when none completed.
    pub median_minutes_to_complete: Option<f64>,
    pub p90_minutes_to_complete: Option<f64>,
    /// Sum of the budgets of the tasks created in the window.
    pub budget_usd: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, async_graphql::SimpleObject)]
pub struct TaskStatusCount {
    pub status: TaskStatus,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, async_graphql::SimpleObject)]
pub struct TaskTypeCount {
    #[serde(rename = "type")]
    #[graphql(name = "type")]
    pub task_type: TaskType,
    pub count: i64,
}

/// Most completed tasks whose durations feed the percentiles (the newest).
const MAX_COMPLETION_SAMPLES: u64 = 100_000;

/// Task outcomes for tasks created in `window`.
pub async fn tasks(state: &AppState, org: OrgId, window: Window) -> ApiResult<TaskReport> {
    let scoped = || {
        human_task::Entity::find()
            .filter(human_task::Column::OrgId.eq(org.0))
            .filter(human_task::Column::CreatedAt.gte(window.from))
            .filter(human_task::Column::CreatedAt.lt(window.to))
    };
    let counted: SimpleExpr =
        Func::cast_as(Func::count(Expr::cust("*")), Alias::new("BIGINT")).into();
    let by_status: Vec<(TaskStatus, i64)> = scoped()
        .select_only()
        .column(human_task::Column::Status)
        .column_as(counted.clone(), "count")
        .group_by(human_task::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    let by_type: Vec<(TaskType, i64)> = scoped()
        .select_only()
        .column(human_task::Column::TaskType)
        .column_as(counted, "count")
        .group_by(human_task::Column::TaskType)
        .into_tuple()
        .all(&state.db)
        .await?;
    let budget: Option<i64> = scoped()
        .select_only()
        .column_as(
            crate::db::exact_sum(human_task::Column::BudgetUsd),
            "budget",
        )
        .into_tuple()
        .one(&state.db)
        .await?
        .flatten();
    let mut durations: Vec<f64> = scoped()
        .select_only()
        .column(human_task::Column::CreatedAt)
        .column(human_task::Column::CompletedAt)
        .filter(human_task::Column::Status.eq(TaskStatus::Completed))
        .filter(human_task::Column::CompletedAt.is_not_null())
        .limit(MAX_COMPLETION_SAMPLES)
        .into_tuple::<(DateTime<Utc>, Option<DateTime<Utc>>)>()
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|(created, completed)| {
            completed.map(|done| (done - created).num_milliseconds() as f64 / 60_000.0)
        })
        .collect();
    durations.sort_by(f64::total_cmp);
    let count_of = |status| {
        by_status
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n)
    };
    let (completed, failed) = (
        count_of(TaskStatus::Completed),
        count_of(TaskStatus::Failed),
    );
    let percentile = |q| (!durations.is_empty()).then(|| crate::stats::quantile(&durations, q));
    Ok(TaskReport {
        window,
        created: by_status.iter().map(|(_, n)| n).sum(),
        completion_rate: (completed + failed > 0)
            .then(|| completed as f64 / (completed + failed) as f64),
        median_minutes_to_complete: percentile(0.5),
        p90_minutes_to_complete: percentile(0.9),
        budget_usd: Usd::from_nanos(budget.unwrap_or(0)).amount(),
        by_status: by_status
            .into_iter()
            .map(|(status, count)| TaskStatusCount { status, count })
            .collect(),
        by_type: by_type
            .into_iter()
            .map(|(task_type, count)| TaskTypeCount { task_type, count })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn windows_are_whole_utc_days_and_bounded() {
        let now = at("2026-11-25T10:30:00Z");
        let w = Window::days(None, None, now).unwrap();
        assert_eq!(w.from, at("2026-11-01T00:00:00Z"));
        assert_eq!(w.to, at("2026-11-26T00:00:00Z"));
        let w = Window::days(
            Some(at("2026-11-03T12:00:00Z")),
            Some(at("2026-11-05T00:00:00Z")),
            now,
        )
        .unwrap();
        assert_eq!(
            (w.from, w.to),
            (at("2026-11-03T00:00:00Z"), at("2026-11-05T00:00:00Z"))
        );
        assert!(Window::days(Some(now), Some(now - Duration::days(1)), now).is_err());
        assert!(Window::days(Some(now - Duration::days(400)), None, now).is_err());
    }

    #[test]
    fn a_steady_series_projects_exactly_and_a_noisy_one_widens_the_interval() {
        let steady = project(100.0, &[10.0; 10], 5.0);
        assert_eq!(
            (steady.expected, steady.low, steady.high),
            (150.0, 150.0, 150.0)
        );
        let noisy = project(100.0, &[0.0, 20.0, 0.0, 20.0], 4.0);
        assert_eq!(noisy.expected, 140.0);
        assert!(noisy.low < 140.0 && noisy.high > 140.0);
        assert!((noisy.high - 140.0 - 1.96 * (400.0f64 / 3.0).sqrt() * 2.0).abs() < 1e-9);
        let none = project(7.0, &[], 3.0);
        assert_eq!((none.expected, none.low, none.high), (7.0, 7.0, 7.0));
    }

    #[test]
    fn the_low_end_never_falls_below_what_was_already_spent() {
        let p = project(100.0, &[0.0, 1000.0], 1.0);
        assert_eq!(p.low, 100.0);
    }

    #[test]
    fn days_left_counts_the_rest_of_today() {
        assert!((days_left(at("2026-11-30T12:00:00Z")) - 0.5).abs() < 1e-9);
        assert!((days_left(at("2026-12-31T00:00:00Z")) - 1.0).abs() < 1e-9);
    }
}
