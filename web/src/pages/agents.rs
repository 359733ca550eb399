//! `/agents`: every agent of the organization (up to [`AGENTS_SHOWN`]) with its framework and
//! status.

use leptos::prelude::*;

use crate::components::agents_table::{AgentsSection, load_agents};

/// How many agents the page lists (the API's page cap).
const AGENTS_SHOWN: i64 = 100;

/// The agents page.
#[component]
pub fn AgentsPage() -> impl IntoView {
    let agents = load_agents(AGENTS_SHOWN);
    view! {
        <main class="page">
            <AgentsSection agents=agents/>
        </main>
    }
}
