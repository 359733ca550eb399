//! `/agents/:id`: one agent over a chosen window: its figures, charts of throughput and
//! errors, latency percentiles (p50/p95/p99) and cost over time, its latest runs (each
//! leading to its trace), and its activity log, latest first or matching a full-text search,
//! page by page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use crate::api::http;
use crate::api::ops::{
    ActivityStatus, ActivityType, AgentActivities, AgentDetail, SearchActivities, agent_activities,
    agent_detail, search_activities,
};
use crate::components::charts::scale::{decimal, percent, usd};
use crate::components::charts::{Chart, ChartData, Kind, Series, Unit};
use crate::components::loaded::loaded;
use crate::components::window_picker::WindowPicker;
use crate::format;
use crate::session::Session;
use crate::time_window::{Window, point_label};

/// Activities per page of the log.
const LOG_PAGE: i64 = 20;
/// The most points a chart draws; finer series are merged into this many steps.
const MAX_POINTS: usize = 96;
/// How much of a payload a log line shows.
const PAYLOAD_PREVIEW: usize = 160;

/// The agent page.
#[component]
pub fn AgentDetailPage() -> impl IntoView {
    let session = Session::use_context();
    let params = use_params_map();
    let agent_id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let window = RwSignal::new(Window::Day);
    let detail = LocalResource::new(move || {
        let variables = agent_detail::Variables {
            id: agent_id.get(),
            window: Some(agent_detail::MetricsWindowInput {
                from: Some(window.get().from()),
                to: None,
            }),
        };
        http::execute::<AgentDetail>(session, variables)
    });
    let body = loaded(
        detail,
        "the agent",
        move |data: agent_detail::ResponseData| match data.agent {
            None => view! {
                <section class="card">
                    <p class="muted placeholder">"This organization has no agent with this id."</p>
                </section>
            }
            .into_any(),
            Some(agent) => view! {
                <AgentHeader agent=agent.clone() window=window/>
                <MetricCharts metrics=agent.metrics window=window.get_untracked()/>
                <RunsSection runs=data.runs.nodes/>
            }
            .into_any(),
        },
    );
    view! {
        <main class="page page-agent">
            {body}
            <ActivityLog agent_id=agent_id/>
        </main>
    }
}

/// Name, type, status, the window buttons and the window's figures.
#[component]
fn AgentHeader(agent: agent_detail::AgentDetailAgent, window: RwSignal<Window>) -> impl IntoView {
    let m = agent.metrics;
    let latency = |ms: Option<f64>| {
        ms.map_or_else(|| "–".to_owned(), |ms| format::duration(ms.round() as i64))
    };
    let error_rate = m.error_rate.map_or_else(|| "–".to_owned(), percent);
    view! {
        <section class="card" aria-labelledby="agent-title">
            <div class="section-head">
                <h1 id="agent-title">{agent.name}</h1>
                <span class="tag">{format::agent_type(agent.type_)}</span>
                <span class=format!("status status-{}", format::css_name(agent.status.storage_name()))>
                    {format::agent_status(agent.status)}
                </span>
                <span class="spacer"></span>
                <WindowPicker window=window options=&Window::ALL/>
            </div>
            <dl class="figures">
                <div class="figure"><dt>"Activities"</dt><dd class="figure-value">{m.activities}</dd></div>
                <div class="figure"><dt>"Errors"</dt><dd class="figure-value">{m.errors}</dd><dd class="muted">{error_rate}</dd></div>
                <div class="figure"><dt>"Cost"</dt><dd class="figure-value">{usd(decimal(&m.cost_usd))}</dd>
                    {(m.unpriced > 0).then(|| view! { <dd class="muted">{format!("{} of unknown cost", m.unpriced)}</dd> })}
                </div>
                <div class="figure"><dt>"p50 / p95 / p99"</dt><dd class="figure-value figure-small">
                    {format!("{} / {} / {}", latency(m.latency.p50_ms), latency(m.latency.p95_ms), latency(m.latency.p99_ms))}
                </dd></div>
            </dl>
        </section>
    }
}

/// The three charts of the window's series, merged into at most [`MAX_POINTS`] steps.
#[component]
fn MetricCharts(metrics: agent_detail::AgentDetailAgentMetrics, window: Window) -> impl IntoView {
    let points = metrics.series;
    let size = points.len().div_ceil(MAX_POINTS).max(1);
    let chunks: Vec<&[agent_detail::AgentDetailAgentMetricsSeries]> = points.chunks(size).collect();
    let categories: Vec<String> = chunks
        .iter()
        .map(|c| point_label(&c[0].at, window != Window::Hour))
        .collect();
    let sum = |f: fn(&agent_detail::AgentDetailAgentMetricsSeries) -> f64| -> Vec<Option<f64>> {
        chunks.iter().map(|c| Some(c.iter().map(f).sum())).collect()
    };
    // A merged step shows its slowest minute: the percentiles of minutes cannot be averaged.
    let worst =
        |f: fn(&agent_detail::AgentDetailAgentMetricsSeries) -> Option<f64>| -> Vec<Option<f64>> {
            chunks
                .iter()
                .map(|c| c.iter().filter_map(f).reduce(f64::max))
                .collect()
        };
    let chart = |label: &str, unit: Unit, series: Vec<Series>| ChartData {
        label: label.to_owned(),
        unit,
        categories: categories.clone(),
        series,
    };
    let throughput = chart(
        "Activities and errors per step",
        Unit::Count,
        vec![
            Series::new("activities", sum(|p| p.activities as f64)),
            Series::new("errors", sum(|p| p.errors as f64)),
        ],
    );
    let latency = chart(
        "Latency percentiles per step",
        Unit::Ms,
        vec![
            Series::new("p50", worst(|p| p.p50_ms)),
            Series::new("p95", worst(|p| p.p95_ms)),
            Series::new("p99", worst(|p| p.p99_ms)),
        ],
    );
    let cost = chart(
        "Cost per step",
        Unit::Usd,
        vec![Series::new("cost", sum(|p| decimal(&p.cost_usd)))],
    );
    view! {
        <section class="card chart-grid" aria-label="Charts">
            <Chart title="Throughput and errors" kind=Kind::Line data=Signal::stored(throughput)/>
            <Chart title="Latency (p50, p95, p99)" kind=Kind::Line data=Signal::stored(latency)/>
            <Chart title="Cost" kind=Kind::StackedBars data=Signal::stored(cost)/>
        </section>
    }
}

/// The agent's latest runs.
#[component]
fn RunsSection(runs: Vec<agent_detail::AgentDetailRunsNodes>) -> impl IntoView {
    let rows = runs
        .into_iter()
        .map(|run| {
            let name = run
                .root_span_name
                .clone()
                .unwrap_or_else(|| "run".to_owned());
            view! {
                <tr class="run-row" class:row-error={run.error_count > 0}>
                    <td><a href=format!("/runs/{}", run.id)>{name}</a></td>
                    <td>{format::local_time(&run.started_at)}</td>
                    <td class="num">{format::duration(run.duration_ms)}</td>
                    <td class="num">{run.span_count}</td>
                    <td class="num">{run.error_count}</td>
                    <td class="num">{usd(decimal(&run.total_cost_usd))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="runs-title">
            <div class="section-head"><h2 id="runs-title">"Runs"</h2></div>
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Run"</th>
                            <th scope="col">"Started"</th>
                            <th scope="col" class="num">"Duration"</th>
                            <th scope="col" class="num">"Spans"</th>
                            <th scope="col" class="num">"Errors"</th>
                            <th scope="col" class="num">"Cost"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// One line of the activity log (from either query).
#[derive(Debug, Clone, PartialEq)]
struct LogRow {
    id: String,
    kind: ActivityType,
    name: Option<String>,
    failed: bool,
    cost_usd: Option<String>,
    duration_ms: Option<i64>,
    timestamp: String,
    run_id: Option<String>,
    payload: String,
    error: Option<String>,
}

/// The two queries give two types with the same fields; one macro maps both.
macro_rules! log_row_from {
    ($($source:ty),+) => {$(
        impl From<$source> for LogRow {
            fn from(a: $source) -> Self {
                LogRow {
                    id: a.id,
                    kind: a.type_,
                    name: a.name,
                    failed: a.status == ActivityStatus::Error,
                    cost_usd: a.cost_usd,
                    duration_ms: a.duration_ms,
                    timestamp: a.timestamp,
                    run_id: a.run_id,
                    payload: preview(&a.payload.to_string(), PAYLOAD_PREVIEW),
                    error: a.error_message,
                }
            }
        }
    )+};
}

log_row_from!(agent_activities::LogEntry, search_activities::LogEntry);

/// The first `max` characters of `text`, with `…` when cut.
fn preview(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// What the log holds: the rows so far, the cursor of the next page, and how loading went.
#[derive(Debug, Clone, Default, PartialEq)]
struct Log {
    rows: Vec<LogRow>,
    next: Option<String>,
    loading: bool,
    problem: Option<String>,
}

/// The activity log with its search box and "Load more".
#[component]
fn ActivityLog(agent_id: Memo<String>) -> impl IntoView {
    let session = Session::use_context();
    let log = RwSignal::new(Log::default());
    let typed = RwSignal::new(String::new());
    // The words searched for; empty: the latest activities.
    let searched = RwSignal::new(String::new());
    // Which first page the log is on: an answer for an older search or agent is dropped.
    let generation = StoredValue::new(0_u32);

    // Loads the page after `after` (the first page when `None`) of the current search.
    let fetch = move |after: Option<String>| {
        let (agent_id, words) = (agent_id.get_untracked(), searched.get_untracked());
        if after.is_none() {
            generation.update_value(|g| *g += 1);
        }
        let asked_in = generation.get_value();
        log.update(|l| {
            l.loading = true;
            if after.is_none() {
                l.rows.clear();
            }
        });
        spawn_local(async move {
            // Both queries answer a page of the same connection shape.
            macro_rules! page {
                ($connection:expr) => {{
                    let c = $connection;
                    let info = c.page_info;
                    let next = info.has_next_page.then_some(info.end_cursor).flatten();
                    (
                        c.nodes.into_iter().map(LogRow::from).collect::<Vec<_>>(),
                        next,
                    )
                }};
            }
            let first = Some(LOG_PAGE);
            let page = if words.trim().is_empty() {
                let variables = agent_activities::Variables {
                    agent_id,
                    first,
                    after,
                };
                http::execute::<AgentActivities>(session, variables)
                    .await
                    .map(|d| page!(d.activities))
            } else {
                let variables = search_activities::Variables {
                    agent_id,
                    query: words,
                    first,
                    after,
                };
                http::execute::<SearchActivities>(session, variables)
                    .await
                    .map(|d| page!(d.search_activities))
            };
            if generation.try_get_value() != Some(asked_in) {
                return;
            }
            log.try_update(|l| {
                l.loading = false;
                match page {
                    Ok((rows, next)) => {
                        l.rows.extend(rows);
                        l.next = next;
                        l.problem = None;
                    }
                    Err(e) => l.problem = Some(e.to_string()),
                }
            });
        });
    };
    Effect::new(move |_| {
        agent_id.track();
        searched.track();
        fetch(None);
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        searched.set(typed.get_untracked());
    };
    let more = move |_| fetch(log.with_untracked(|l| l.next.clone()));
    let rows = move || {
        log.with(|l| l.rows.clone())
            .into_iter()
            .map(|row| view! { <LogLine row=row/> })
            .collect_view()
    };
    let status = move || {
        log.with(|l| {
            if let Some(problem) = &l.problem {
                view! { <p class="notice" role="alert">{problem.clone()}</p> }.into_any()
            } else if l.loading {
                view! { <p class="muted placeholder">"Loading activities…"</p> }.into_any()
            } else if l.rows.is_empty() {
                let text = if searched.with(|s| s.trim().is_empty()) {
                    "No activity yet."
                } else {
                    "No activity matches this search."
                };
                view! { <p class="muted placeholder">{text}</p> }.into_any()
            } else {
                ().into_any()
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="log-title">
            <div class="section-head">
                <h2 id="log-title">"Activity log"</h2>
                <span class="spacer"></span>
                <form class="search-form" role="search" on:submit=submit>
                    <label for="log-search" class="visually-hidden">"Search activities"</label>
                    <input
                        id="log-search"
                        type="search"
                        placeholder="Search names, errors, payloads"
                        prop:value=typed
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                    <button type="submit" class="button small">"Search"</button>
                </form>
            </div>
            <ol class="log-list">{rows}</ol>
            {status}
            <Show when=move || log.with(|l| l.next.is_some() && !l.loading)>
                <button type="button" class="button small" on:click=more>"Load more"</button>
            </Show>
        </section>
    }
}

/// One activity of the log: time, type, name, duration, cost, run, and its payload.
#[component]
fn LogLine(row: LogRow) -> impl IntoView {
    let type_class = format::css_name(row.kind.storage_name());
    view! {
        <li class="log-item" class:row-error=row.failed data-activity-id=row.id>
            <time class="feed-time" datetime=row.timestamp.clone()>{format::local_time(&row.timestamp)}</time>
            <span class=format!("tag tag-{type_class}")>{format::activity_type(row.kind)}</span>
            <strong>{row.name}</strong>
            <span class="feed-meta">
                {row.duration_ms.map(|ms| view! { <span>{format::duration(ms)}</span> })}
                {row.cost_usd.map(|c| view! { <span class="feed-cost">{usd(decimal(&c))}</span> })}
                {row.run_id.map(|id| view! { <a href=format!("/runs/{id}")>"trace"</a> })}
            </span>
            {row.error.map(|e| view! { <p class="log-error">{e}</p> })}
            <code class="log-payload">{row.payload}</code>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::preview;

    #[test]
    fn previews_cut_on_a_character() {
        assert_eq!(preview("héllo", 2), "hé…");
        assert_eq!(preview("hi", 5), "hi");
    }
}
