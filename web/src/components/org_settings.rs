//! Settings → Organization and Model prices: the organization's name and plan, and every
//! model's price as ingest applies it, where the organization's overrides (its settings'
//! `prices`) can be set and removed.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::{Map, Value, json};

use crate::api::http;
use crate::api::ops::{Plan, UpdateOrganization, org_settings, update_organization};
use crate::components::data_table::DataTable;
use crate::decimal::is_decimal;
use crate::remote::Changes;
use crate::session::Session;
use crate::viewer::ViewerContext;

type Settings = Option<org_settings::ResponseData>;

/// Sends `input` as `updateOrganization`.
fn update(
    changes: Changes,
    session: Session,
    viewer: ViewerContext,
    input: update_organization::UpdateOrganizationInput,
) {
    changes.run(
        http::execute::<UpdateOrganization>(session, update_organization::Variables { input }),
        // The header shows the name and plan too.
        move |_| viewer.resource.refetch(),
    );
}

/// The organization section: name and plan.
#[component]
pub fn OrganizationSection(settings: RwSignal<Settings>, changes: Changes) -> impl IntoView {
    let session = Session::use_context();
    let viewer = ViewerContext::use_context();
    let (name0, plan0) = settings
        .with_untracked(|s| {
            s.as_ref().map(|s| {
                (
                    s.viewer.organization.name.clone(),
                    s.viewer.organization.plan,
                )
            })
        })
        .unwrap_or((String::new(), Plan::Free));
    let name = RwSignal::new(name0);
    let plan = RwSignal::new(plan0);
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = update_organization::UpdateOrganizationInput {
            name: Some(name.get_untracked().trim().to_owned()),
            plan: Some(plan.get_untracked()),
            settings: None,
        };
        update(changes, session, viewer, input);
    };
    view! {
        <section class="card" aria-labelledby="org-title">
            <div class="section-head"><h2 id="org-title">"Organization"</h2></div>
            <form class="inline-form" on:submit=save>
                <label for="org-name">"Organization"</label>
                <input id="org-name" type="text" required maxlength="100" bind:value=name/>
                <label for="org-plan">"Plan"</label>
                <select id="org-plan" on:change=move |ev| {
                    if let Ok(p) = event_target_value(&ev).parse() {
                        plan.set(p);
                    }
                }>
                    {Plan::ALL.iter().map(|p| view! {
                        <option value=p.api_name() selected=*p == plan0>{p.storage_name()}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button primary" disabled=move || changes.pending.get()>"Save"</button>
            </form>
            {changes.error_view()}
        </section>
    }
}

/// The model prices section.
#[component]
pub fn PricesSection(settings: RwSignal<Settings>, changes: Changes) -> impl IntoView {
    let session = Session::use_context();
    let viewer = ViewerContext::use_context();
    let model = RwSignal::new(String::new());
    let input = RwSignal::new(String::new());
    let output = RwSignal::new(String::new());

    let set_price = move |name: String, price: Option<(String, String)>| {
        let current = settings
            .with_untracked(|s| s.as_ref().map(|s| s.viewer.organization.settings.clone()))
            .unwrap_or(Value::Null);
        let input = update_organization::UpdateOrganizationInput {
            name: None,
            plan: None,
            settings: Some(with_price(current, &name, price)),
        };
        update(changes, session, viewer, input);
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (i, o) = (input.get_untracked(), output.get_untracked());
        if !is_decimal(&i) || !is_decimal(&o) {
            changes.refuse("Prices are US dollars per million tokens, e.g. 3 or 0.25.");
            return;
        }
        set_price(
            model.get_untracked().trim().to_owned(),
            Some((i.trim().to_owned(), o.trim().to_owned())),
        );
    };

    let rows = move || {
        settings.with(|s| s.as_ref().map(|s| s.model_prices.clone())).unwrap_or_default().into_iter().map(|p| {
            let own = p.source == org_settings::PriceSource::ORGANIZATION;
            let name = p.model.clone();
            view! {
                <tr class="price-row" data-source=if own { "override" } else { "listed" }>
                    <td><code>{p.model.clone()}</code></td>
                    <td>{if own { "override" } else { "list price" }}</td>
                    <td class="num">{format!("${}", p.input)}</td>
                    <td class="num">{format!("${}", p.output)}</td>
                    <td class="row-actions">
                        {own.then(|| view! {
                            <button type="button" class="button small" disabled=move || changes.pending.get() on:click=move |_| set_price(name.clone(), None)>"Use list price"</button>
                        })}
                    </td>
                </tr>
            }
        }).collect_view()
    };

    view! {
        <section class="card" aria-labelledby="prices-title">
            <div class="section-head"><h2 id="prices-title">"Model prices"</h2></div>
            <p class="muted">"US dollars per million tokens, as ingest prices activities now. An override replaces a model's list price (or prices a model the list lacks) from the next activity on."</p>
            <form class="inline-form price-form" on:submit=submit>
                <label for="price-model">"Model"</label>
                <input id="price-model" type="text" required maxlength="200" bind:value=model/>
                <label for="price-input">"Input"</label>
                <input id="price-input" type="text" inputmode="decimal" required bind:value=input/>
                <label for="price-output">"Output"</label>
                <input id="price-output" type="text" inputmode="decimal" required bind:value=output/>
                <button type="submit" class="button primary" disabled=move || changes.pending.get()>"Set price"</button>
            </form>
            {changes.error_view()}
            <DataTable headers=&["Model", "Source", "Input", "Output"] actions=true>{rows}</DataTable>
        </section>
    }
}

/// `settings` with `model`'s override set to `(input, output)`, or removed; every other
/// setting (redaction rules among them) kept, since `updateOrganization` replaces the whole
/// object.
fn with_price(settings: Value, model: &str, price: Option<(String, String)>) -> Value {
    let mut settings = match settings {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let mut prices = match settings.remove("prices") {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    match price {
        Some((input, output)) => {
            prices.insert(
                model.to_owned(),
                json!({ "input": input, "output": output }),
            );
        }
        None => {
            prices.remove(model);
        }
    }
    if !prices.is_empty() {
        settings.insert("prices".to_owned(), Value::Object(prices));
    }
    Value::Object(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_override_keeps_every_other_setting() {
        let settings = json!({ "redaction": { "disabled": ["EMAIL"] },
                               "prices": { "a": { "input": "1", "output": "2" } } });
        let set = with_price(settings, "b", Some(("3".into(), "15".into())));
        assert_eq!(set["redaction"], json!({ "disabled": ["EMAIL"] }));
        assert_eq!(set["prices"]["a"], json!({ "input": "1", "output": "2" }));
        assert_eq!(set["prices"]["b"], json!({ "input": "3", "output": "15" }));
        let removed = with_price(with_price(set, "a", None), "b", None);
        assert_eq!(removed, json!({ "redaction": { "disabled": ["EMAIL"] } }));
        assert_eq!(
            with_price(Value::Null, "m", Some(("1".into(), "1".into())))["prices"]["m"]["input"],
            "1"
        );
    }
}
