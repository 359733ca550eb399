//! The "Live activity" section: the latest activities (backfilled over HTTP), then every new
//! one from the `activityFeed` subscription, newest first, with Pause/Resume and filters by
//! agent and by type.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::http;
use crate::api::ops::ActivityType;
use crate::api::ops::{ActivityFeed, RecentActivities, activity_feed, recent_activities};
use crate::api::ws::{self, Link, WsEvent};
use crate::components::link_badge::LinkBadge;
use crate::feed::{Feed, FeedEntry, FeedFilter};
use crate::format;
use crate::session::Session;

/// How many recent activities fill the feed on load and after each reconnect.
const BACKFILL: i64 = 20;

/// The live feed; `agent_names` maps agent ids to names, `on_unknown_agent` is called when a
/// live activity names an agent that is not in the map, `on_activity` on every live activity.
#[component]
pub fn LiveFeed(
    agent_names: Memo<HashMap<String, String>>,
    on_unknown_agent: Callback<()>,
    #[prop(optional)] on_activity: Option<Callback<()>>,
) -> impl IntoView {
    let session = Session::use_context();
    let feed = RwSignal::new(Feed::default());
    let (link, set_link) = signal(Link::Connecting);
    let problem = RwSignal::new(None::<String>);

    // The latest activities, merged in (duplicates are dropped by the feed). Run on load and
    // after every (re)connection, so nothing recorded while the socket was down is missed.
    let backfill = move || {
        spawn_local(async move {
            let variables = recent_activities::Variables {
                first: Some(BACKFILL),
            };
            match http::execute::<RecentActivities>(session, variables).await {
                Ok(data) => {
                    feed.try_update(|f| {
                        f.add(data.activities.nodes.into_iter().map(FeedEntry::from))
                    });
                    problem.try_set(None);
                }
                Err(e) => {
                    problem.try_set(Some(e.to_string()));
                }
            }
        })
    };
    backfill();

    let subscription = ws::subscribe::<ActivityFeed>(
        session,
        activity_feed::Variables,
        move |event| match event {
            WsEvent::Link(state) => {
                // Live again: fetch what happened while disconnected. Dropped: the HTTP request
                // tells whether the server is down or the token expired (which signs out).
                if matches!(state, Link::Live | Link::Reconnecting { .. }) {
                    backfill();
                }
                set_link.try_set(state);
            }
            WsEvent::Data(data) => {
                let entry = FeedEntry::from(data.activity_feed);
                let known = agent_names
                    .try_with_untracked(|names| names.contains_key(&entry.agent_id))
                    .unwrap_or(true);
                if !known {
                    on_unknown_agent.run(());
                }
                feed.try_update(|f| f.add([entry]));
                if let Some(on_activity) = on_activity {
                    on_activity.run(());
                }
            }
            WsEvent::Error(message) => {
                problem.try_set(Some(message));
            }
        },
    );
    on_cleanup(move || subscription.abort());

    let filter = RwSignal::new(FeedFilter::default());
    let toggle = move |_| feed.update(|f| if f.is_paused() { f.resume() } else { f.pause() });
    let toggle_label = move || {
        let held = filter.with(|filter| feed.with(|f| f.held_matching(filter)));
        match (feed.with(Feed::is_paused), held) {
            (false, _) => "Pause".to_owned(),
            (true, 0) => "Resume".to_owned(),
            (true, n) => format!("Resume ({n} new)"),
        }
    };
    let visible = move || filter.with(|filter| feed.with(|f| f.visible(filter)));

    view! {
        <section class="card" aria-labelledby="feed-title">
            <div class="section-head">
                <h2 id="feed-title">"Live activity"</h2>
                <LinkBadge link=link/>
                <span class="spacer"></span>
                <button
                    type="button"
                    class="button small"
                    aria-pressed=move || feed.with(Feed::is_paused).to_string()
                    on:click=toggle
                >
                    {toggle_label}
                </button>
            </div>
            {move || problem.get().map(|message| view! { <p class="notice" role="alert">{message}</p> })}
            <FeedFilters filter=filter agent_names=agent_names/>
            <ol class="feed-list">
                <For
                    each=visible
                    key=|entry| entry.id.clone()
                    children=move |entry| view! { <FeedItem entry=entry agent_names=agent_names/> }
                />
            </ol>
            {move || {
                let empty = feed.with(|f| f.entries().is_empty());
                let hidden = !empty && visible().is_empty();
                (empty || hidden)
                    .then(|| {
                        let text = if empty {
                            "No activity yet. Events appear here the moment agents report them."
                        } else {
                            "No activity matches these filters."
                        };
                        view! { <p class="muted placeholder">{text}</p> }
                    })
            }}
        </section>
    }
}

/// The agent and type pickers; changing them filters what is shown (and what Resume counts).
#[component]
fn FeedFilters(
    filter: RwSignal<FeedFilter>,
    agent_names: Memo<HashMap<String, String>>,
) -> impl IntoView {
    let agents = move || {
        let mut agents: Vec<(String, String)> = agent_names.get().into_iter().collect();
        agents.sort_by(|a, b| a.1.cmp(&b.1));
        agents
            .into_iter()
            .map(|(id, name)| view! { <option value=id>{name}</option> })
            .collect_view()
    };
    let types = ActivityType::ALL
        .iter()
        .map(|t| view! { <option value=t.storage_name()>{format::activity_type(*t)}</option> })
        .collect_view();
    let pick_agent = move |ev| {
        let id = event_target_value(&ev);
        filter.update(|f| f.agent_id = (!id.is_empty()).then_some(id));
    };
    let pick_type = move |ev| {
        let name = event_target_value(&ev);
        let kind = ActivityType::ALL
            .iter()
            .copied()
            .find(|t| t.storage_name() == name);
        filter.update(|f| f.kind = kind);
    };
    view! {
        <div class="feed-filters">
            <label>
                "Agent "
                <select
                    id="feed-agent"
                    prop:value=move || filter.with(|f| f.agent_id.clone().unwrap_or_default())
                    on:change=pick_agent
                >
                    <option value="">"All agents"</option>
                    {agents}
                </select>
            </label>
            <label>
                "Type "
                <select id="feed-type" on:change=pick_type>
                    <option value="">"All types"</option>
                    {types}
                </select>
            </label>
        </div>
    }
}

/// One activity: time, agent, type, and cost/duration when known.
#[component]
fn FeedItem(entry: FeedEntry, agent_names: Memo<HashMap<String, String>>) -> impl IntoView {
    let type_class = format::css_name(entry.kind.storage_name());
    let agent_id = entry.agent_id.clone();
    let agent = move || {
        agent_names
            .with(|names| names.get(&agent_id).cloned())
            .unwrap_or_else(|| short_id(&agent_id))
    };
    view! {
        <li class=format!("feed-item type-{type_class}") data-activity-id=entry.id.clone()>
            <time class="feed-time" datetime=entry.timestamp.clone()>
                {format::local_time(&entry.timestamp)}
            </time>
            <span class="feed-agent" title=entry.agent_id.clone()>{agent}</span>
            <span class=format!("feed-type tag tag-{type_class}")>
                {format::activity_type(entry.kind)}
            </span>
            <span class="feed-meta">
                {entry.duration_ms.map(format::duration)}
                {entry.cost_usd.as_deref().map(|c| view! { <span class="feed-cost">{format::usd(c)}</span> })}
            </span>
        </li>
    }
}

/// The end of an id, enough to tell agents apart at a glance (the start of a v7 UUID is a
/// timestamp, shared by agents created around the same time).
fn short_id(id: &str) -> String {
    match id.char_indices().rev().nth(7) {
        Some((start, _)) if start > 0 => format!("…{}", &id[start..]),
        _ => id.to_owned(),
    }
}
