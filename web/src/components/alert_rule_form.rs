//! The form that creates an alert rule, or edits one: name, kind, the agent watched, and the
//! inputs the kind takes (threshold, window, pattern), whether firing opens a task.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::alert_rules::{self, Draft, RULE_KINDS};
use crate::api::http;
use crate::api::ops::{
    AlertKind, CreateAlertRule, UpdateAlertRule, alerts_data, create_alert_rule, update_alert_rule,
};
use crate::remote::Changes;
use crate::session::Session;

/// The rule being edited, or `None` for a new one.
pub type Editing = RwSignal<Option<alerts_data::AlertsDataAlertRules>>;

/// The rule form. `agents` fill the agent choice; `editing` switches it to a rule's edit.
#[component]
pub fn AlertRuleForm(
    agents: Signal<Vec<(String, String)>>,
    editing: Editing,
    changes: Changes,
) -> impl IntoView {
    let session = Session::use_context();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(AlertKind::ErrorRate);
    let agent = RwSignal::new(String::new());
    let threshold = RwSignal::new(String::new());
    let window = RwSignal::new(String::new());
    let pattern = RwSignal::new(String::new());
    let open_task = RwSignal::new(false);

    // Editing a rule fills the form with it; finishing empties it.
    Effect::new(move || {
        let rule = editing.get();
        name.set(rule.as_ref().map(|r| r.name.clone()).unwrap_or_default());
        kind.set(rule.as_ref().map_or(AlertKind::ErrorRate, |r| r.kind));
        agent.set(
            rule.as_ref()
                .and_then(|r| r.agent_id.clone())
                .unwrap_or_default(),
        );
        threshold.set(
            rule.as_ref()
                .and_then(|r| r.threshold.clone())
                .unwrap_or_default(),
        );
        window.set(
            rule.as_ref()
                .and_then(|r| r.window_minutes)
                .map(|w| w.to_string())
                .unwrap_or_default(),
        );
        pattern.set(
            rule.as_ref()
                .and_then(|r| r.pattern.clone())
                .unwrap_or_default(),
        );
        open_task.set(rule.as_ref().is_some_and(|r| r.open_task));
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let draft = Draft {
            threshold: threshold.get_untracked(),
            window: window.get_untracked(),
            pattern: pattern.get_untracked(),
        };
        let checked = match alert_rules::check(kind.get_untracked(), &draft) {
            Ok(checked) => checked,
            Err(reason) => return changes.refuse(reason),
        };
        let done = move |_| editing.set(None);
        match editing.get_untracked() {
            Some(rule) => {
                let input = update_alert_rule::AlertRulePatch {
                    name: Some(name.get_untracked().trim().to_owned()),
                    threshold: checked.threshold,
                    window_minutes: checked.window_minutes,
                    pattern: checked.pattern,
                    open_task: Some(open_task.get_untracked()),
                    enabled: None,
                };
                let variables = update_alert_rule::Variables { id: rule.id, input };
                changes.run(http::execute::<UpdateAlertRule>(session, variables), done);
            }
            None => {
                let input = create_alert_rule::AlertRuleInput {
                    name: name.get_untracked().trim().to_owned(),
                    kind: kind.get_untracked(),
                    agent_id: Some(agent.get_untracked()).filter(|a| !a.is_empty()),
                    threshold: checked.threshold,
                    window_minutes: checked.window_minutes,
                    pattern: checked.pattern,
                    open_task: open_task.get_untracked(),
                    enabled: None,
                };
                let variables = create_alert_rule::Variables { input };
                changes.run(
                    http::execute::<CreateAlertRule>(session, variables),
                    move |_| {
                        name.set(String::new());
                    },
                );
            }
        }
    };

    let editing_now = move || editing.with(Option::is_some);
    view! {
        <form class="rule-form" on:submit=submit>
            <div class="field">
                <label for="rule-name">"Rule name"</label>
                <input id="rule-name" type="text" required maxlength="100" bind:value=name/>
            </div>
            <div class="field">
                <label for="rule-kind">"Watch"</label>
                <select
                    id="rule-kind"
                    disabled=editing_now
                    on:change=move |ev| {
                        if let Ok(k) = event_target_value(&ev).parse() {
                            kind.set(k);
                        }
                    }
                >
                    {RULE_KINDS.iter().map(|k| view! {
                        <option value=k.api_name() selected=move || kind.get() == *k>{alert_rules::kind_label(*k)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="rule-agent">"Agent"</label>
                <select id="rule-agent" disabled=editing_now on:change=move |ev| agent.set(event_target_value(&ev))>
                    <option value="" selected=move || agent.with(String::is_empty)>"Every agent"</option>
                    {move || agents.get().into_iter().map(|(id, label)| {
                        let value = id.clone();
                        view! { <option value=value selected=move || agent.with(|a| *a == id)>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            {move || alert_rules::threshold_label(kind.get()).map(|label| view! {
                <div class="field">
                    <label for="rule-threshold">{label}</label>
                    <input id="rule-threshold" type="text" inputmode="decimal" required bind:value=threshold/>
                </div>
            })}
            {move || alert_rules::window_label(kind.get()).map(|label| view! {
                <div class="field">
                    <label for="rule-window">{label}</label>
                    <input id="rule-window" type="text" inputmode="numeric" placeholder="default" bind:value=window/>
                </div>
            })}
            {move || alert_rules::takes_pattern(kind.get()).then(|| view! {
                <div class="field">
                    <label for="rule-pattern">"Error message pattern"</label>
                    <input id="rule-pattern" type="text" required maxlength="500" bind:value=pattern/>
                </div>
            })}
            <label class="toggle">
                <input type="checkbox" bind:checked=open_task/>
                "Open a task for the agent when it fires"
            </label>
            <div class="form-buttons">
                <button type="submit" class="button primary" disabled=move || changes.pending.get()>
                    {move || if editing_now() { "Save rule" } else { "Create rule" }}
                </button>
                {move || editing_now().then(|| view! {
                    <button type="button" class="button ghost" on:click=move |_| editing.set(None)>"Cancel"</button>
                })}
            </div>
            {changes.error_view()}
        </form>
    }
}
