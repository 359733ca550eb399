//! `/agents`: every agent of the organization (up to [`AGENTS_SHOWN`]) with its framework,
//! status and last hour: a sparkline of its activity per minute, its activities and errors.
//! One request for all of them (`Agent.metrics` nested in `agents`). Each row leads to the
//! agent's page.

use leptos::prelude::*;

use crate::api::http;
use crate::api::ops::{AgentsActivity, agents_activity};
use crate::components::agents_table::agent_cells;
use crate::components::charts::Sparkline;
use crate::components::loaded::loaded;
use crate::session::Session;

/// How many agents the page lists (the API's page cap).
const AGENTS_SHOWN: i64 = 100;

/// The agents page.
#[component]
pub fn AgentsPage() -> impl IntoView {
    let session = Session::use_context();
    let agents = LocalResource::new(move || {
        http::execute::<AgentsActivity>(
            session,
            agents_activity::Variables {
                first: Some(AGENTS_SHOWN),
            },
        )
    });
    let count = move || {
        agents
            .get()
            .and_then(Result::ok)
            .map(|data| data.agents.nodes.len().to_string())
    };
    let body = loaded(agents, "agents", |data: agents_activity::ResponseData| {
        if data.agents.nodes.is_empty() {
            return view! {
                <p class="muted placeholder">
                    "No agents yet. Connect one with the MCP proxy or the SDK and it appears here."
                </p>
            }
            .into_any();
        }
        view! {
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Last hour"</th>
                            <th scope="col" class="num">"Activities"</th>
                            <th scope="col" class="num">"Errors"</th>
                        </tr>
                    </thead>
                    <tbody>{data.agents.nodes.into_iter().map(agent_row).collect_view()}</tbody>
                </table>
            </div>
        }
        .into_any()
    });

    view! {
        <main class="page">
            <section class="card" aria-labelledby="agents-title">
                <div class="section-head">
                    <h2 id="agents-title">"Agents"</h2>
                    <span class="count">{count}</span>
                </div>
                {body}
            </section>
        </main>
    }
}

fn agent_row(agent: agents_activity::AgentsActivityAgentsNodes) -> impl IntoView {
    let values: Vec<f64> = agent
        .metrics
        .series
        .iter()
        .map(|p| p.activities as f64)
        .collect();
    let label = format!("{}'s activities per minute, last hour", agent.name);
    view! {
        <tr class="agent-row" data-agent-id=agent.id.clone()>
            {agent_cells(agent.id.clone(), agent.name, agent.type_, agent.status)}
            <td>
                <Sparkline label=label values=values/>
            </td>
            <td class="num">{agent.metrics.activities}</td>
            <td class="num">{agent.metrics.errors}</td>
        </tr>
    }
}
