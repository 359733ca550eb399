//! `/`: the organization at a glance: cost, forecast, error rate, latency, open tasks and
//! firing alerts, the agents table and the live activity feed. The feed keeps itself up to
//! date, and new activity reloads the figures (at most every [`FIGURES_REFRESH_MS`]).

use std::collections::HashMap;

use leptos::prelude::*;

use crate::components::agents_table::{AgentsSection, load_agents};
use crate::components::live_feed::LiveFeed;
use crate::components::overview_figures::{OverviewFiguresSection, load_figures};

/// How many agents the table shows.
const AGENTS_SHOWN: i64 = 50;
/// The least time between two reloads of the agents triggered by unknown agents in the feed.
const AGENT_REFRESH_MS: f64 = 15_000.0;
/// How long after new activity the figures are reloaded (activity arriving meanwhile rides
/// along), so a busy organization costs one query per this period, not one per event.
const FIGURES_REFRESH_MS: u32 = 2_000;

/// The overview page (only rendered with a session, see `app::SignedIn`).
#[component]
pub fn OverviewPage() -> impl IntoView {
    let agents = load_agents(AGENTS_SHOWN);
    // Agent id → name, so feed entries can say who did what.
    let agent_names = Memo::new(move |_| {
        agents
            .map(|result| {
                result
                    .as_ref()
                    .map(|data| {
                        data.agents
                            .nodes
                            .iter()
                            .map(|a| (a.id.clone(), a.name.clone()))
                            .collect::<HashMap<_, _>>()
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    });

    // An activity from an agent we have not listed is usually a newly connected agent: reload
    // the list, at most every AGENT_REFRESH_MS (an org with more agents than the table shows
    // would otherwise reload on every event).
    let last_refresh = StoredValue::new(0.0_f64);
    let on_unknown_agent = Callback::new(move |()| {
        let now = js_sys::Date::now();
        if now - last_refresh.get_value() >= AGENT_REFRESH_MS {
            last_refresh.set_value(now);
            agents.refetch();
        }
    });

    // Bumped to reload the figures; a signal (not `refetch`) so a timer that fires after the
    // page is gone does nothing.
    let reload = RwSignal::new(0_u32);
    let figures = load_figures(reload);
    let refresh_due = StoredValue::new(false);
    let on_activity = Callback::new(move |()| {
        if !refresh_due.get_value() {
            refresh_due.set_value(true);
            gloo_timers::callback::Timeout::new(FIGURES_REFRESH_MS, move || {
                refresh_due.try_update_value(|due| *due = false);
                reload.try_update(|n| *n += 1);
            })
            .forget();
        }
    });

    view! {
        <main class="page page-overview">
            <OverviewFiguresSection figures=figures agent_names=agent_names/>
            <AgentsSection agents=agents/>
            <LiveFeed
                agent_names=agent_names
                on_unknown_agent=on_unknown_agent
                on_activity=on_activity
            />
        </main>
    }
}
