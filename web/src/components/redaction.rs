//! Settings → PII redaction: the built-in rules (each can be turned off) and the
//! organization's own patterns (added and removed), applied to activities ingested from then
//! on. Every change sends the whole list (`updateRedactionSettings` replaces it).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::http;
use crate::api::ops::{UpdateRedactionSettings, org_settings, update_redaction_settings};
use crate::components::data_table::DataTable;
use crate::remote::Changes;
use crate::session::Session;

type Settings = Option<org_settings::ResponseData>;
type Rule = org_settings::OrgSettingsRedactionSettingsRules;

/// One change to the rules.
#[derive(Debug, Clone, PartialEq)]
enum Edit {
    /// Turn a built-in rule off, or back on.
    Toggle(String),
    /// Remove one of the organization's patterns.
    Remove(String),
    /// Add a pattern (name, regular expression).
    Add(String, String),
}

/// The PII redaction section.
#[component]
pub fn RedactionSection(settings: RwSignal<Settings>, changes: Changes) -> impl IntoView {
    let session = Session::use_context();
    let name = RwSignal::new(String::new());
    let pattern = RwSignal::new(String::new());

    let apply =
        move |edit: Edit| {
            let rules = settings
                .with_untracked(|s| s.as_ref().map(|s| s.redaction_settings.rules.clone()))
                .unwrap_or_default();
            let (disabled, extra) = edited(&rules, &edit);
            let input =
                update_redaction_settings::UpdateRedactionSettingsInput {
                    disabled_rules: Some(disabled),
                    extra_patterns: Some(
                        extra
                            .into_iter()
                            .map(|(name, pattern)| {
                                update_redaction_settings::RedactionPatternInput { name, pattern }
                            })
                            .collect(),
                    ),
                };
            let added = matches!(edit, Edit::Add(..));
            changes.run(
                http::execute::<UpdateRedactionSettings>(
                    session,
                    update_redaction_settings::Variables { input },
                ),
                move |_| {
                    if added {
                        name.set(String::new());
                        pattern.set(String::new());
                    }
                },
            );
        };
    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        apply(Edit::Add(
            name.get_untracked().trim().to_owned(),
            pattern.get_untracked(),
        ));
    };

    let rows = move || {
        settings.with(|s| s.as_ref().map(|s| s.redaction_settings.rules.clone())).unwrap_or_default().into_iter().map(|rule| {
            let rule_name = rule.name.clone();
            let what = rule.description.clone().or(rule.pattern.clone()).unwrap_or_default();
            let control = if rule.built_in {
                view! {
                    <label class="toggle">
                        <input
                            type="checkbox"
                            prop:checked=rule.enabled
                            disabled=move || changes.pending.get()
                            on:change=move |_| apply(Edit::Toggle(rule_name.clone()))
                        />
                        {if rule.enabled { "on" } else { "off" }}
                    </label>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="button small danger" disabled=move || changes.pending.get() on:click=move |_| apply(Edit::Remove(rule_name.clone()))>"Remove"</button>
                }.into_any()
            };
            view! {
                <tr class="redaction-row" data-rule=rule.name.clone()>
                    <td><code>{rule.name.clone()}</code></td>
                    <td>{if rule.built_in { "built in" } else { "added" }}</td>
                    <td class="redaction-what">{what}</td>
                    <td class="row-actions">{control}</td>
                </tr>
            }
        }).collect_view()
    };

    view! {
        <section class="card" aria-labelledby="redaction-title">
            <div class="section-head"><h2 id="redaction-title">"PII redaction"</h2></div>
            <p class="muted">"Matches become [REDACTED:NAME] before an activity is stored or shown. Changes apply to activities ingested from then on."</p>
            <form class="inline-form" on:submit=add>
                <label for="pattern-name">"Replace with"</label>
                <input id="pattern-name" type="text" required maxlength="32" placeholder="e.g. ORDER_ID" bind:value=name/>
                <label for="pattern-regex">"Regular expression"</label>
                <input id="pattern-regex" type="text" required maxlength="500" placeholder="e.g. ORD-[0-9]{6}" bind:value=pattern/>
                <button type="submit" class="button primary" disabled=move || changes.pending.get()>"Add pattern"</button>
            </form>
            {changes.error_view()}
            <DataTable headers=&["Rule", "Kind", "Catches", "Applied"]>{rows}</DataTable>
        </section>
    }
}

/// The built-in rules to turn off and the organization's patterns after `edit`.
fn edited(rules: &[Rule], edit: &Edit) -> (Vec<String>, Vec<(String, String)>) {
    let mut disabled = Vec::new();
    let mut extra = Vec::new();
    for rule in rules {
        let named = |n: &String| *n == rule.name;
        if rule.built_in {
            let toggled = matches!(edit, Edit::Toggle(n) if named(n));
            if rule.enabled == toggled {
                disabled.push(rule.name.clone());
            }
        } else if !matches!(edit, Edit::Remove(n) if named(n)) {
            extra.push((rule.name.clone(), rule.pattern.clone().unwrap_or_default()));
        }
    }
    if let Edit::Add(name, pattern) = edit {
        extra.push((name.clone(), pattern.clone()));
    }
    (disabled, extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, built_in: bool, enabled: bool) -> Rule {
        Rule {
            name: name.into(),
            built_in,
            enabled,
            pattern: (!built_in).then(|| format!("{name}-[0-9]+")),
            description: built_in.then(|| "something".into()),
        }
    }

    #[test]
    fn an_edit_sends_the_whole_list_changed_once() {
        let rules = [
            rule("EMAIL", true, true),
            rule("PHONE", true, false),
            rule("ORDER", false, true),
        ];
        let off = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let order = ("ORDER".to_owned(), "ORDER-[0-9]+".to_owned());

        let (disabled, extra) = edited(&rules, &Edit::Toggle("EMAIL".into()));
        assert_eq!(
            (disabled, extra.clone()),
            (off(&["EMAIL", "PHONE"]), vec![order.clone()])
        );
        let (disabled, _) = edited(&rules, &Edit::Toggle("PHONE".into()));
        assert_eq!(disabled, Vec::<String>::new());
        let (disabled, extra) = edited(&rules, &Edit::Remove("ORDER".into()));
        assert_eq!((disabled, extra), (off(&["PHONE"]), vec![]));
        let (_, extra) = edited(&rules, &Edit::Add("TICKET".into(), "T-[0-9]+".into()));
        assert_eq!(extra, vec![order, ("TICKET".into(), "T-[0-9]+".into())]);
    }
}
