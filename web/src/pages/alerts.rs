//! `/alerts`: the organization's alert rules (operators create, edit, enable or disable and
//! delete them), the alerts that fired — live through `alertFired` — and, for admins, the
//! webhooks alerts are posted to with their deliveries.

use leptos::prelude::*;

use crate::alert_rules;
use crate::api::http;
use crate::api::ops::{
    AlertFired, AlertKind, AlertsData, DeleteAlertRule, UpdateAlertRule, alert_fired, alerts_data,
    delete_alert_rule, update_alert_rule,
};
use crate::api::ws::{self, Link, WsEvent};
use crate::components::alert_rule_form::AlertRuleForm;
use crate::components::data_table::DataTable;
use crate::components::link_badge::LinkBadge;
use crate::components::webhooks::WebhooksSection;
use crate::format;
use crate::permissions::Action;
use crate::remote::{Changes, latest, load_state};
use crate::session::Session;
use crate::viewer::ViewerContext;

/// How many fired alerts (and agents, for their names) the page loads.
const LISTED: i64 = 50;

/// An alert that fired, from the page's query or the live stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    id: String,
    rule_name: String,
    kind: AlertKind,
    agent_id: String,
    observed: String,
    message: String,
    fired_at: String,
    resolved_at: Option<String>,
    firing: bool,
}

/// The `AlertFields` fragment comes once per operation; one macro maps both.
macro_rules! fired_from {
    ($($module:ident),+) => {$(
        impl From<$module::AlertFields> for Fired {
            fn from(a: $module::AlertFields) -> Self {
                Fired {
                    id: a.id,
                    rule_name: a.rule_name,
                    kind: a.kind,
                    agent_id: a.agent_id,
                    observed: a.observed,
                    message: a.message,
                    fired_at: a.fired_at,
                    resolved_at: a.resolved_at,
                    firing: a.firing,
                }
            }
        }
    )+};
}

fired_from!(alerts_data, alert_fired);

/// The alerts page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let session = Session::use_context();
    let viewer = ViewerContext::use_context();
    let resource = LocalResource::new(move || {
        http::execute::<AlertsData>(
            session,
            alerts_data::Variables {
                first: Some(LISTED),
            },
        )
    });
    let data = latest(resource);
    let changes = Changes::new(move || resource.refetch());
    let editing = RwSignal::new(None);
    let fired = RwSignal::new(Vec::<Fired>::new());
    Effect::new(move || {
        if let Some(d) = data.get() {
            fired.set(d.alerts.nodes.into_iter().map(Fired::from).collect());
        }
    });

    let (link, set_link) = signal(Link::Connecting);
    let mut been_live = false;
    let subscription = ws::subscribe::<AlertFired>(session, alert_fired::Variables, move |event| {
        match event {
            // Back after a drop: what fired meanwhile comes with a reload.
            WsEvent::Link(state) => {
                if state == Link::Live {
                    if been_live {
                        resource.refetch();
                    }
                    been_live = true;
                }
                set_link.try_set(state);
            }
            WsEvent::Data(d) => {
                fired.try_update(|list| add_fired(list, d.alert_fired.into()));
            }
            WsEvent::Error(_) => {}
        }
    });
    on_cleanup(move || subscription.abort());

    let operates = move || viewer.can(Action::ManageAlerts);
    let agents = Signal::derive(move || {
        data.with(|d| {
            d.as_ref()
                .map(|d| {
                    d.agents
                        .nodes
                        .iter()
                        .map(|a| (a.id.clone(), a.name.clone()))
                        .collect()
                })
                .unwrap_or_default()
        })
    });
    let agent_name = move |id: &str| {
        agents.with(|list: &Vec<(String, String)>| {
            list.iter()
                .find(|(a, _)| a == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| id.to_owned())
        })
    };

    let set_enabled = move |id: String, enabled: bool| {
        let input = update_alert_rule::AlertRulePatch {
            name: None,
            threshold: None,
            window_minutes: None,
            pattern: None,
            open_task: None,
            enabled: Some(enabled),
        };
        let variables = update_alert_rule::Variables { id, input };
        changes.run(http::execute::<UpdateAlertRule>(session, variables), |_| {});
    };
    let delete = move |id: String| {
        let variables = delete_alert_rule::Variables { id };
        changes.run(http::execute::<DeleteAlertRule>(session, variables), |_| {});
    };

    let rules = move || {
        let rules = data
            .with(|d| d.as_ref().map(|d| d.alert_rules.clone()))
            .unwrap_or_default();
        if rules.is_empty() {
            return view! { <p class="muted placeholder">"No alert rules yet."</p> }.into_any();
        }
        let rows = rules.into_iter().map(|rule| {
            let what = alert_rules::describe(rule.kind, rule.threshold.as_deref(), rule.window_minutes, rule.pattern.as_deref());
            let agent = rule.agent_id.as_deref().map(agent_name).unwrap_or_else(|| "every agent".to_owned());
            let (id, id2) = (rule.id.clone(), rule.id.clone());
            let enabled = rule.enabled;
            let edited = rule.clone();
            view! {
                <tr class="rule-row" data-enabled=enabled.to_string()>
                    <td>{rule.name.clone()}</td>
                    <td>{what}{rule.open_task.then_some(" · opens a task")}</td>
                    <td>{agent}</td>
                    <td>{if enabled { "enabled" } else { "disabled" }}</td>
                    <td class="row-actions">
                        {operates().then(|| view! {
                            <button type="button" class="button small" on:click=move |_| editing.set(Some(edited.clone()))>"Edit"</button>
                            <button type="button" class="button small" disabled=move || changes.pending.get() on:click=move |_| set_enabled(id.clone(), !enabled)>
                                {if enabled { "Disable" } else { "Enable" }}
                            </button>
                            <button type="button" class="button small danger" disabled=move || changes.pending.get() on:click=move |_| delete(id2.clone())>"Delete"</button>
                        })}
                    </td>
                </tr>
            }
        }).collect_view();
        view! {
            <DataTable headers=&["Rule", "Fires when", "Agent", "State"] actions=true>{rows}</DataTable>
        }
        .into_any()
    };

    let fired_list = move || {
        let list = fired.get();
        if list.is_empty() {
            return view! { <p class="muted placeholder">"No alert has fired."</p> }.into_any();
        }
        view! {
            <ol class="alert-list">
                {list.into_iter().map(|a| view! {
                    <li class="alert-item" data-firing=a.firing.to_string()>
                        <span class=if a.firing { "badge badge-off" } else { "badge" }>
                            {if a.firing { "firing" } else { "resolved" }}
                        </span>
                        <strong class="alert-rule">{a.rule_name.clone()}</strong>
                        <span class="muted">{format!("{} · {}", alert_rules::kind_label(a.kind), agent_name(&a.agent_id))}</span>
                        <span class="alert-message">{a.message.clone()}</span>
                        <span class="muted">{format!("observed {}", a.observed)}</span>
                        <time class="muted">{format::local_time(&a.fired_at)}</time>
                        {a.resolved_at.map(|at| view! { <span class="muted">{format!("resolved {}", format::local_time(&at))}</span> })}
                    </li>
                }).collect_view()}
            </ol>
        }.into_any()
    };

    view! {
        <main class="page page-single">
            <h1>"Alerts"</h1>
            {load_state(resource, "alerts")}
            <section class="card" aria-labelledby="fired-title">
                <div class="section-head">
                    <h2 id="fired-title">"Fired alerts"</h2>
                    <LinkBadge link=link/>
                </div>
                {fired_list}
            </section>
            <section class="card" aria-labelledby="rules-title">
                <div class="section-head"><h2 id="rules-title">"Rules"</h2></div>
                {move || operates().then(|| view! { <AlertRuleForm agents=agents editing=editing changes=changes/> })}
                {rules}
            </section>
            {move || viewer.can(Action::ManageWebhooks).then(|| view! { <WebhooksSection/> })}
        </main>
    }
}

/// Adds an alert that just fired at the top, or replaces the one with its id.
fn add_fired(list: &mut Vec<Fired>, alert: Fired) {
    list.retain(|a| a.id != alert.id);
    list.insert(0, alert);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(id: &str, firing: bool) -> Fired {
        Fired {
            id: id.into(),
            rule_name: "errors".into(),
            kind: AlertKind::ErrorRate,
            agent_id: "a".into(),
            observed: "0.5".into(),
            message: "m".into(),
            fired_at: "t".into(),
            resolved_at: None,
            firing,
        }
    }

    #[test]
    fn a_fired_alert_goes_on_top_once() {
        let mut list = vec![alert("1", false), alert("2", true)];
        add_fired(&mut list, alert("3", true));
        add_fired(&mut list, alert("2", false));
        let ids: Vec<_> = list.iter().map(|a| (a.id.as_str(), a.firing)).collect();
        assert_eq!(ids, [("2", false), ("3", true), ("1", false)]);
    }
}
