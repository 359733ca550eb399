//! `/runs/:id`: a run as a trace: every span, depth first and indented by depth, with a bar
//! placing it on the run's time axis; each span opens to its prompt, response, tool
//! arguments and result (its payload), model, tokens, cost and duration. Failed spans are
//! marked.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::http;
use crate::api::ops::{ActivityStatus, RunTrace, run_trace};
use crate::components::charts::scale::{decimal, fixed, usd};
use crate::components::loaded::loaded;
use crate::format;
use crate::session::Session;

/// Indentation per level of the tree, in pixels.
const INDENT_PX: i64 = 16;

/// Where a span's bar sits on the run's axis, in tenths of a percent of the run's length:
/// its left edge and its width (at least 0.5% so an instant span stays visible).
fn bar(run_start: f64, run_end: f64, start: f64, end: f64) -> (i64, i64) {
    let length = (run_end - run_start).max(1.0);
    let at = |t: f64| (((t - run_start) / length).clamp(0.0, 1.0) * 1_000.0).round() as i64;
    let left = at(start).min(995);
    let width = (at(end.max(start)) - left).max(5);
    (left, width.min(1_000 - left))
}

/// A CSS percentage from tenths of a percent: `123` → `12.3%`.
fn pct(tenths: i64) -> String {
    format!("{}%", fixed(tenths as f64 / 10.0, 1))
}

/// The run page.
#[component]
pub fn RunTracePage() -> impl IntoView {
    let session = Session::use_context();
    let params = use_params_map();
    let run = LocalResource::new(move || {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        http::execute::<RunTrace>(session, run_trace::Variables { id })
    });
    let body = loaded(run, "the run", |data: run_trace::ResponseData| {
        match data.run {
            None => view! {
                <section class="card">
                    <p class="muted placeholder">"This organization has no run with this id."</p>
                </section>
            }
            .into_any(),
            Some(run) => view! { <Trace run=run/> }.into_any(),
        }
    });
    view! { <main class="page page-run">{body}</main> }
}

/// The run's summary and its span tree.
#[component]
fn Trace(run: run_trace::RunTraceRun) -> impl IntoView {
    let start = format::epoch_ms(&run.started_at);
    let end = start + run.duration_ms as f64;
    let title = run
        .root_span_name
        .clone()
        .unwrap_or_else(|| "Run".to_owned());
    let agent = run
        .agent
        .map(|a| a.name)
        .unwrap_or_else(|| run.agent_id.clone());
    let spans = run
        .spans
        .into_iter()
        .map(|span| view! { <SpanRow span=span run_start=start run_end=end/> })
        .collect_view();
    let (status_class, status) = if run.error_count > 0 {
        ("status status-error", format!("{} failed", run.error_count))
    } else {
        ("status status-active", "OK".to_owned())
    };
    let unpriced = (run.unpriced_span_count > 0)
        .then(|| format!(" ({} spans of unknown cost)", run.unpriced_span_count));
    view! {
        <section class="card" aria-labelledby="run-title">
            <div class="section-head">
                <h1 id="run-title">{title}</h1>
                <span class=status_class>{status}</span>
                <span class="spacer"></span>
                <a href=format!("/agents/{}", run.agent_id)>{agent}</a>
            </div>
            <p class="muted run-summary">
                {format!(
                    "Started {} · {} · {} spans · {} tokens · {}",
                    format::local_time(&run.started_at),
                    format::duration(run.duration_ms),
                    run.span_count,
                    run.tokens.total,
                    usd(decimal(&run.total_cost_usd)),
                )}
                {unpriced}
            </p>
            {run.spans_truncated.then(|| view! {
                <p class="notice">"This run has more spans than one page shows: the earliest are listed."</p>
            })}
            <div class="trace" role="list">{spans}</div>
        </section>
    }
}

/// One span: a summary line (name, bar, duration, cost) that opens to its details.
#[component]
fn SpanRow(span: run_trace::RunTraceRunSpans, run_start: f64, run_end: f64) -> impl IntoView {
    let a = span.activity;
    let start = format::epoch_ms(a.started_at.as_deref().unwrap_or(&a.timestamp));
    let end = match (&a.ended_at, a.duration_ms) {
        (Some(ended), _) => format::epoch_ms(ended),
        (None, Some(ms)) => start + ms as f64,
        (None, None) => start,
    };
    let (left, width) = bar(run_start, run_end, start, end);
    let failed = a.status == ActivityStatus::Error;
    let name = a
        .name
        .clone()
        .unwrap_or_else(|| format::activity_type(a.type_).to_owned());
    let duration = a.duration_ms.map(format::duration).unwrap_or_default();
    let cost = match (&a.cost_usd, a.unpriced) {
        (Some(c), _) => usd(decimal(c)),
        (None, true) => "unpriced".to_owned(),
        (None, false) => String::new(),
    };
    let subtree_cost = usd(decimal(&span.total_cost_usd));
    let fields = payload_fields(&a.payload)
        .into_iter()
        .map(|(key, value)| view! { <dt>{key}</dt><dd><pre>{value}</pre></dd> })
        .collect_view();
    let tokens = match (a.input_tokens, a.output_tokens) {
        (None, None) => None,
        (i, o) => Some(format!("{} in / {} out", i.unwrap_or(0), o.unwrap_or(0))),
    };
    view! {
        <details
            class="span"
            class:row-error=failed
            role="listitem"
            data-span-id=a.id
            style=format!("--indent: {}px", span.depth * INDENT_PX)
        >
            <summary>
                <span class="span-name">
                    {failed.then(|| view! { <span class="span-failed" title="failed">"✕ "</span> })}
                    {name}
                </span>
                <span class="span-track" aria-hidden="true">
                    <span class="span-bar" style=format!("left: {}; width: {}", pct(left), pct(width))></span>
                </span>
                <span class="span-duration">{duration}</span>
                <span class="span-cost">{cost}</span>
            </summary>
            <dl class="span-details">
                <dt>"Type"</dt><dd>{format::activity_type(a.type_)}</dd>
                {a.model.map(|m| view! { <dt>"Model"</dt><dd>{m}</dd> })}
                {tokens.map(|t| view! { <dt>"Tokens"</dt><dd>{t}</dd> })}
                <dt>"Cost with nested spans"</dt><dd>{subtree_cost}</dd>
                {a.error_message.map(|e| view! { <dt>"Error"</dt><dd class="log-error">{e}</dd> })}
                {fields}
            </dl>
        </details>
    }
}

/// The payload's top-level fields (prompt, response, arguments, result…), each pretty
/// printed; a payload that is not an object is one field.
fn payload_fields(payload: &serde_json::Value) -> Vec<(String, String)> {
    let pretty = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    match payload {
        serde_json::Value::Object(map) if !map.is_empty() => {
            map.iter().map(|(k, v)| (k.clone(), pretty(v))).collect()
        }
        serde_json::Value::Object(_) | serde_json::Value::Null => Vec::new(),
        other => vec![("Payload".to_owned(), pretty(other))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_share_the_run_axis() {
        assert_eq!(bar(0.0, 1_000.0, 0.0, 1_000.0), (0, 1_000));
        assert_eq!(bar(0.0, 1_000.0, 250.0, 500.0), (250, 250));
        // An instant span stays visible, and nothing spills past the end.
        assert_eq!(bar(0.0, 1_000.0, 1_000.0, 1_000.0), (995, 5));
        assert_eq!(bar(0.0, 1_000.0, -50.0, 2_000.0), (0, 1_000));
        assert_eq!(pct(123), "12.3%");
    }

    #[test]
    fn payload_fields_are_listed_one_by_one() {
        let mut fields = payload_fields(&serde_json::json!({ "prompt": "hi", "args": { "q": 1 } }));
        fields.sort();
        assert_eq!(
            fields,
            [
                ("args".to_owned(), "{\n  \"q\": 1\n}".to_owned()),
                ("prompt".to_owned(), "hi".to_owned())
            ]
        );
        assert!(payload_fields(&serde_json::json!({})).is_empty());
        assert_eq!(payload_fields(&serde_json::json!(3))[0].1, "3");
    }
}
