//! The "Agents" section: the organization's agents with their framework and status, each
//! leading to its page.

use leptos::prelude::*;

use crate::api::ops::{AgentStatus, AgentType, Agents, agents};
use crate::api::{ApiError, http};
use crate::components::error_state::ErrorState;
use crate::format;
use crate::session::Session;

/// The `Agents` query for the first `first` agents, newest first.
pub fn load_agents(first: i64) -> LocalResource<Result<agents::ResponseData, ApiError>> {
    let session = Session::use_context();
    LocalResource::new(move || {
        http::execute::<Agents>(session, agents::Variables { first: Some(first) })
    })
}

/// The agents table; `agents` is the result of the `Agents` query.
#[component]
pub fn AgentsSection(
    agents: LocalResource<Result<agents::ResponseData, ApiError>>,
) -> impl IntoView {
    let count = move || {
        agents
            .get()
            .and_then(Result::ok)
            .map(|data| data.agents.nodes.len().to_string())
    };
    let body = move || match agents.get() {
        None => view! { <p class="muted placeholder">"Loading agents…"</p> }.into_any(),
        Some(Err(e)) => {
            view! { <ErrorState message=e.to_string() retry=move || agents.refetch()/> }.into_any()
        }
        Some(Ok(data)) if data.agents.nodes.is_empty() => view! {
            <p class="muted placeholder">
                "No agents yet. Connect one with the MCP proxy or the SDK and it appears here."
            </p>
        }
        .into_any(),
        Some(Ok(data)) => view! {
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Status"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {data.agents.nodes.into_iter().map(agent_row).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
    };

    view! {
        <section class="card" aria-labelledby="agents-title">
            <div class="section-head">
                <h2 id="agents-title">"Agents"</h2>
                <span class="count">{count}</span>
            </div>
            {body}
        </section>
    }
}

fn agent_row(agent: agents::AgentsAgentsNodes) -> impl IntoView {
    view! {
        <tr class="agent-row" data-agent-id=agent.id.clone()>
            {agent_cells(agent.id.clone(), agent.name, agent.type_, agent.status)}
        </tr>
    }
}

/// An agent's name (leading to its page), framework and status: the first cells of a row
/// of agents.
pub fn agent_cells(
    id: String,
    name: String,
    kind: AgentType,
    status: AgentStatus,
) -> impl IntoView {
    let status_class = format!("status status-{}", format::css_name(status.storage_name()));
    view! {
        <td class="agent-name">
            <a href=format!("/agents/{id}")>{name}</a>
        </td>
        <td>{format::agent_type(kind)}</td>
        <td>
            <span class=status_class>{format::agent_status(status)}</span>
        </td>
    }
}
