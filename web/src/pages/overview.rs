//! `/`: the organization at a glance: agents table and live activity feed. Loads the agents
//! once; the feed keeps itself up to date.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::components::agents_table::{AgentsSection, load_agents};
use crate::components::live_feed::LiveFeed;

/// How many agents the table shows.
const AGENTS_SHOWN: i64 = 50;
/// The least time between two reloads of the agents triggered by unknown agents in the feed.
const AGENT_REFRESH_MS: f64 = 15_000.0;

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

    view! {
        <main class="page page-overview">
            <AgentsSection agents=agents/>
            <LiveFeed agent_names=agent_names on_unknown_agent=on_unknown_agent/>
        </main>
    }
}
