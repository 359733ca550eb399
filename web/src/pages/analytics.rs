//! `/analytics`: where the money and the time go over a window: cost by agent and by model,
//! agent spend beside paid human labour day by day (a stacked chart), performance overall
//! and per agent, and human task outcomes: completion rate and times.

use leptos::prelude::*;

use crate::api::http;
use crate::api::ops::{AnalyticsReport, analytics_report};
use crate::components::charts::scale::{decimal, fixed, percent, usd};
use crate::components::charts::{Chart, ChartData, Kind, Series, Unit};
use crate::components::loaded::loaded;
use crate::components::window_picker::WindowPicker;
use crate::format;
use crate::session::Session;
use crate::time_window::{Window, day_label};

/// The windows the page offers (reports are whole days).
const WINDOWS: [Window; 2] = [Window::Week, Window::Month];

/// The analytics page.
#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let session = Session::use_context();
    let window = RwSignal::new(Window::Month);
    let report = LocalResource::new(move || {
        let variables = analytics_report::Variables {
            from: Some(window.get().from()),
        };
        http::execute::<AnalyticsReport>(session, variables)
    });
    let body = loaded(
        report,
        "analytics",
        |data: analytics_report::ResponseData| {
            let a = data.analytics;
            view! {
                <CostSection by_agent=a.by_agent by_model=a.by_model by_day=a.by_day/>
                <PerformanceSection performance=a.performance/>
                <TasksSection tasks=a.tasks/>
            }
        },
    );
    view! {
        <main class="page page-analytics">
            <div class="section-head">
                <h1>"Analytics"</h1>
                <span class="spacer"></span>
                <WindowPicker window=window options=&WINDOWS/>
            </div>
            {body}
        </main>
    }
}

/// A two-column table of names and amounts, with a bar showing each one's share of the
/// largest.
fn share_table(caption: &'static str, rows: Vec<(String, f64, i64)>) -> impl IntoView {
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let body = rows
        .into_iter()
        .map(|(name, cost, activities)| {
            let share = if max > 0.0 { cost / max * 100.0 } else { 0.0 };
            view! {
                <tr class="cost-row">
                    <th scope="row">{name}</th>
                    <td class="share-cell" aria-hidden="true">
                        <span class="share-bar" style=format!("width: {}%", fixed(share, 1))></span>
                    </td>
                    <td class="num">{usd(cost)}</td>
                    <td class="num">{activities}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table cost-table">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col"><span class="visually-hidden">"Share"</span></th>
                        <th scope="col" class="num">"Cost"</th>
                        <th scope="col" class="num">"Activities"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

/// Totals, the by-day chart, and the by-agent and by-model tables.
#[component]
fn CostSection(
    by_agent: analytics_report::AnalyticsReportAnalyticsByAgent,
    by_model: analytics_report::AnalyticsReportAnalyticsByModel,
    by_day: analytics_report::AnalyticsReportAnalyticsByDay,
) -> impl IntoView {
    let totals = by_agent.totals;
    let days = ChartData {
        label: "Agent spend and human labour by day".to_owned(),
        unit: Unit::Usd,
        categories: by_day
            .groups
            .iter()
            .map(|g| g.day.as_deref().map(day_label).unwrap_or_default())
            .collect(),
        series: vec![
            Series::new(
                "agents",
                by_day
                    .groups
                    .iter()
                    .map(|g| Some(decimal(&g.totals.cost_usd)))
                    .collect(),
            ),
            Series::new(
                "human labour",
                by_day
                    .groups
                    .iter()
                    .map(|g| Some(decimal(&g.totals.human_cost_usd)))
                    .collect(),
            ),
        ],
    };
    let agents: Vec<(String, f64, i64)> = by_agent
        .groups
        .into_iter()
        .map(|g| {
            let name = g
                .agent_name
                .or(g.agent_id)
                .unwrap_or_else(|| "–".to_owned());
            (name, decimal(&g.totals.cost_usd), g.totals.activities)
        })
        .collect();
    let models: Vec<(String, f64, i64)> = by_model
        .groups
        .into_iter()
        .map(|g| {
            let name = g.model.unwrap_or_else(|| "(no model)".to_owned());
            (name, decimal(&g.totals.cost_usd), g.totals.activities)
        })
        .collect();
    view! {
        <section class="card" aria-labelledby="cost-title">
            <div class="section-head"><h2 id="cost-title">"Cost"</h2></div>
            <dl class="figures">
                <div class="figure" data-figure="agent-spend">
                    <dt>"Agent spend"</dt>
                    <dd class="figure-value">{usd(decimal(&totals.cost_usd))}</dd>
                    <dd class="muted">{format!("{} activities, {} tokens", totals.activities, totals.tokens.total)}</dd>
                    {(totals.unpriced > 0).then(|| view! { <dd class="muted">{format!("{} of unknown cost", totals.unpriced)}</dd> })}
                </div>
                <div class="figure" data-figure="human-labour">
                    <dt>"Human labour"</dt>
                    <dd class="figure-value">{usd(decimal(&totals.human_cost_usd))}</dd>
                    <dd class="muted">{format!("{} paid tasks completed", totals.human_tasks)}</dd>
                </div>
            </dl>
            <Chart title="By day" kind=Kind::StackedBars data=Signal::stored(days)/>
            <div class="two-columns">
                {share_table("By agent", agents)}
                {share_table("By model", models)}
            </div>
        </section>
    }
}

/// One performance line: activities, errors, error rate and latency percentiles.
macro_rules! perf_cells {
    ($p:expr) => {{
        let p = $p;
        let ms = |v: Option<f64>| {
            v.map_or_else(|| "–".to_owned(), |v| format::duration(v.round() as i64))
        };
        view! {
            <td class="num">{p.activities}</td>
            <td class="num">{p.errors}</td>
            <td class="num">{p.error_rate.map_or_else(|| "–".to_owned(), percent)}</td>
            <td class="num">{ms(p.p50_ms)}</td>
            <td class="num">{ms(p.p95_ms)}</td>
            <td class="num">{ms(p.p99_ms)}</td>
        }
    }};
}

/// The organization's performance and each agent's.
#[component]
fn PerformanceSection(
    performance: analytics_report::AnalyticsReportAnalyticsPerformance,
) -> impl IntoView {
    let agents = performance
        .agents
        .into_iter()
        .map(|a| {
            let name = a.agent_name.unwrap_or(a.agent_id);
            view! { <tr><th scope="row">{name}</th>{perf_cells!(a.performance)}</tr> }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="perf-title">
            <div class="section-head"><h2 id="perf-title">"Performance"</h2></div>
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Agent"</th>
                            <th scope="col" class="num">"Activities"</th>
                            <th scope="col" class="num">"Errors"</th>
                            <th scope="col" class="num">"Error rate"</th>
                            <th scope="col" class="num">"p50"</th>
                            <th scope="col" class="num">"p95"</th>
                            <th scope="col" class="num">"p99"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <tr class="total-row"><th scope="row">"All agents"</th>{perf_cells!(performance.overall)}</tr>
                        {agents}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Human tasks created in the window: how many, how they ended and how long they took.
#[component]
fn TasksSection(tasks: analytics_report::AnalyticsReportAnalyticsTasks) -> impl IntoView {
    let minutes =
        |m: Option<f64>| m.map_or_else(|| "–".to_owned(), |m| format!("{} min", fixed(m, 0)));
    let statuses = tasks
        .by_status
        .into_iter()
        .filter(|c| c.count > 0)
        .map(|c| view! { <li>{format!("{} {}", c.count, format::task_status(c.status))}</li> })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="tasks-title">
            <div class="section-head"><h2 id="tasks-title">"Human tasks"</h2></div>
            <dl class="figures">
                <div class="figure"><dt>"Created"</dt><dd class="figure-value">{tasks.created}</dd>
                    <dd><ul class="task-counts">{statuses}</ul></dd></div>
                <div class="figure"><dt>"Completion rate"</dt>
                    <dd class="figure-value">{tasks.completion_rate.map_or_else(|| "–".to_owned(), percent)}</dd></div>
                <div class="figure"><dt>"Time to complete"</dt>
                    <dd class="figure-value figure-small">{format!("median {}", minutes(tasks.median_minutes_to_complete))}</dd>
                    <dd class="muted">{format!("90th percentile {}", minutes(tasks.p90_minutes_to_complete))}</dd></div>
                <div class="figure"><dt>"Budgets"</dt><dd class="figure-value">{usd(decimal(&tasks.budget_usd))}</dd></div>
            </dl>
        </section>
    }
}
