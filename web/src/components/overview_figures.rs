//! The overview's figures: cost today and this month with the month-end forecast and its
//! interval, error rate and p95 latency of the last hour, open tasks by status, and the
//! alerts firing now (new ones arrive live through `alertFired`).

use std::collections::HashMap;

use leptos::prelude::*;

use crate::api::ops::{AlertFired, OverviewFigures, TaskStatus, alert_fired, overview_figures};
use crate::api::ws::{self, WsEvent};
use crate::api::{ApiError, http};
use crate::components::charts::scale::{decimal, percent, usd};
use crate::components::loaded::loaded;
use crate::format;
use crate::session::Session;
use crate::time_window::minutes_ago;

/// Statuses of a task that is not finished, in the order of its lifecycle.
const OPEN: [TaskStatus; 4] = [
    TaskStatus::Pending,
    TaskStatus::Approved,
    TaskStatus::Assigned,
    TaskStatus::InProgress,
];
/// Tasks opened this long ago count (the report's window is at most 366 days).
const TASK_HORIZON_MINUTES: i64 = 365 * 24 * 60;

/// A firing alert as the overview lists it (from the query or the subscription).
#[derive(Debug, Clone, PartialEq)]
pub struct FiringAlert {
    pub id: String,
    pub rule: String,
    pub agent_id: String,
    pub message: String,
    pub fired_at: String,
}

/// The query and the subscription give two types with the same fields; one macro maps both.
macro_rules! firing_alert_from {
    ($($source:ty),+) => {$(
        impl From<$source> for FiringAlert {
            fn from(a: $source) -> Self {
                FiringAlert {
                    id: a.id,
                    rule: a.rule_name,
                    agent_id: a.agent_id,
                    message: a.message,
                    fired_at: a.fired_at,
                }
            }
        }
    )+};
}

firing_alert_from!(overview_figures::AlertFields, alert_fired::AlertFields);

/// The `OverviewFigures` query, run again whenever `reload` changes.
pub fn load_figures(
    reload: RwSignal<u32>,
) -> LocalResource<Result<overview_figures::ResponseData, ApiError>> {
    let session = Session::use_context();
    LocalResource::new(move || {
        reload.track();
        let variables = overview_figures::Variables {
            tasks_from: Some(minutes_ago(TASK_HORIZON_MINUTES)),
        };
        http::execute::<OverviewFigures>(session, variables)
    })
}

/// The figures card and the alerts card.
#[component]
pub fn OverviewFiguresSection(
    figures: LocalResource<Result<overview_figures::ResponseData, ApiError>>,
    agent_names: Memo<HashMap<String, String>>,
) -> impl IntoView {
    let session = Session::use_context();
    // Alerts that fired since the page opened, newest first.
    let live_alerts = RwSignal::new(Vec::<FiringAlert>::new());
    let subscription = ws::subscribe::<AlertFired>(session, alert_fired::Variables, move |event| {
        if let WsEvent::Data(data) = event {
            let alert = FiringAlert::from(data.alert_fired);
            live_alerts.try_update(|list| {
                if !list.iter().any(|a| a.id == alert.id) {
                    list.insert(0, alert);
                }
            });
            figures.refetch();
        }
    });
    on_cleanup(move || subscription.abort());

    let body = loaded(figures, "figures", figure_grid);
    let alerts = move || {
        let mut list = live_alerts.get();
        if let Some(Ok(data)) = figures.get() {
            for alert in data.alerts.nodes {
                let alert = FiringAlert::from(alert);
                if !list.iter().any(|a| a.id == alert.id) {
                    list.push(alert);
                }
            }
        }
        list
    };
    let alert_list = move || {
        let list = alerts();
        if list.is_empty() {
            return view! { <p class="muted placeholder">"No alerts firing."</p> }.into_any();
        }
        list.into_iter()
            .map(|alert| {
                let agent = agent_names
                    .with(|names| names.get(&alert.agent_id).cloned())
                    .unwrap_or_else(|| alert.agent_id.clone());
                view! {
                    <li class="alert-item" data-alert-id=alert.id>
                        <strong>{alert.rule}</strong>
                        " · " {agent} " · "
                        <time datetime=alert.fired_at.clone()>{format::local_time(&alert.fired_at)}</time>
                        <p>{alert.message}</p>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    let count = move || alerts().len();

    view! {
        <section class="card figures-card" aria-labelledby="figures-title">
            <div class="section-head">
                <h2 id="figures-title">"At a glance"</h2>
            </div>
            {body}
        </section>
        <section class="card alerts-card" aria-labelledby="alerts-title">
            <div class="section-head">
                <h2 id="alerts-title">"Firing alerts"</h2>
                <span class="count">{count}</span>
            </div>
            <ul class="alert-list">{alert_list}</ul>
        </section>
    }
}

/// The figures of one answer.
fn figure_grid(data: overview_figures::ResponseData) -> impl IntoView {
    let analytics = data.analytics;
    // Only days with activity have a group: the last one is not today when today had none.
    let now = minutes_ago(0);
    let today = analytics
        .costs
        .groups
        .iter()
        .find(|g| is_utc_day(g.day.as_deref(), &now))
        .map(|g| usd(decimal(&g.totals.cost_usd)))
        .unwrap_or_else(|| usd(0.0));
    let forecast = analytics.forecast;
    let projection = format!(
        "Forecast {} ({} – {}) from {} days",
        usd(decimal(&forecast.projected_usd)),
        usd(decimal(&forecast.low_usd)),
        usd(decimal(&forecast.high_usd)),
        forecast.days_observed
    );
    let unpriced = (forecast.unpriced_activities > 0).then(|| {
        format!(
            "{} activities of unknown cost",
            forecast.unpriced_activities
        )
    });
    let metrics = data.org_metrics;
    let error_rate = metrics
        .error_rate
        .map(percent)
        .unwrap_or_else(|| "–".into());
    let p95 = metrics
        .latency
        .p95_ms
        .map(|ms| format::duration(ms.round() as i64))
        .unwrap_or_else(|| "–".into());
    let tasks = OPEN
        .iter()
        .map(|status| {
            let count = analytics
                .tasks
                .by_status
                .iter()
                .find(|c| c.status == *status)
                .map_or(0, |c| c.count);
            view! {
                <li data-status=status.storage_name()>
                    <span class="figure-small">{count}</span>
                    " " {format::task_status(*status)}
                </li>
            }
        })
        .collect_view();
    view! {
        <dl class="figures">
            <div class="figure" data-figure="today">
                <dt>"Cost today (UTC)"</dt>
                <dd class="figure-value">{today}</dd>
            </div>
            <div class="figure" data-figure="month">
                <dt>"This month"</dt>
                <dd class="figure-value">{usd(decimal(&forecast.month_to_date_usd))}</dd>
                <dd class="muted">{projection}</dd>
                {unpriced.map(|text| view! { <dd class="muted">{text}</dd> })}
            </div>
            <div class="figure" data-figure="error-rate">
                <dt>"Error rate, last hour"</dt>
                <dd class="figure-value">{error_rate}</dd>
                <dd class="muted">{format!("{} activities", metrics.activities)}</dd>
            </div>
            <div class="figure" data-figure="p95">
                <dt>"p95 latency, last hour"</dt>
                <dd class="figure-value">{p95}</dd>
            </div>
            <div class="figure" data-figure="tasks">
                <dt>"Open tasks"</dt>
                <dd>
                    <ul class="task-counts">{tasks}</ul>
                </dd>
            </div>
        </dl>
    }
}

/// Whether a day group's start (`day`, RFC 3339 in UTC) is the UTC day of `now` (RFC 3339).
fn is_utc_day(day: Option<&str>, now: &str) -> bool {
    match (day.and_then(|d| d.get(..10)), now.get(..10)) {
        (Some(day), Some(today)) => day == today,
        _ => false,
    }
}

#[cfg(test)]
mod day_tests {
    use super::is_utc_day;

    #[test]
    fn only_the_group_of_the_current_utc_day_is_today() {
        let now = "2026-11-25T17:30:00.000Z";
        assert!(is_utc_day(Some("2026-11-25T00:00:00+00:00"), now));
        assert!(!is_utc_day(Some("2026-11-24T00:00:00+00:00"), now));
        assert!(!is_utc_day(None, now));
    }
}
