//! Alerts → Webhooks (admins): where alerts are posted, adding one (its signing secret shown
//! once) and removing one, and a webhook's deliveries with their status, attempts and last
//! error.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::http;
use crate::api::ops::{
    CreateWebhook, DeleteWebhook, DeliveryStatus, WebhookDeliveries, Webhooks, create_webhook,
    delete_webhook, webhook_deliveries, webhooks,
};
use crate::components::data_table::DataTable;
use crate::format;
use crate::remote::{Changes, latest, load_state};
use crate::session::Session;

/// How many deliveries are listed.
const DELIVERIES: i64 = 20;

/// The webhooks section.
#[component]
pub fn WebhooksSection() -> impl IntoView {
    let session = Session::use_context();
    let resource =
        LocalResource::new(move || http::execute::<Webhooks>(session, webhooks::Variables));
    let hooks = latest(resource);
    let changes = Changes::new(move || resource.refetch());
    let url = RwSignal::new(String::new());
    let secret = RwSignal::new(None::<String>);
    let shown = RwSignal::new(None::<String>);

    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = create_webhook::WebhookInput {
            url: url.get_untracked().trim().to_owned(),
        };
        changes.run(
            http::execute::<CreateWebhook>(session, create_webhook::Variables { input }),
            move |data| {
                url.set(String::new());
                secret.set(Some(data.create_webhook.secret));
            },
        );
    };
    let remove = move |id: String| {
        changes.run(
            http::execute::<DeleteWebhook>(session, delete_webhook::Variables { id }),
            |_| {},
        );
    };

    let rows = move || {
        hooks.get().map(|d| d.webhooks).unwrap_or_default().into_iter().map(|hook| {
            let (id, id2) = (hook.id.clone(), hook.id.clone());
            view! {
                <tr class="webhook-row">
                    <td><code>{hook.url.clone()}</code></td>
                    <td>{if hook.enabled { "enabled" } else { "disabled" }}</td>
                    <td class="row-actions">
                        <button type="button" class="button small" on:click=move |_| shown.set(Some(id.clone()))>"Deliveries"</button>
                        <button type="button" class="button small danger" disabled=move || changes.pending.get() on:click=move |_| remove(id2.clone())>"Remove"</button>
                    </td>
                </tr>
            }
        }).collect_view()
    };

    view! {
        <section class="card" aria-labelledby="webhooks-title">
            <div class="section-head"><h2 id="webhooks-title">"Webhooks"</h2></div>
            <p class="muted">"Each alert is posted to every webhook, signed with its secret (X-HumanAIOS-Signature)."</p>
            <form class="inline-form" on:submit=add>
                <label for="webhook-url">"URL"</label>
                <input id="webhook-url" type="url" required placeholder="https://example.com/hooks/humanaios" bind:value=url/>
                <button type="submit" class="button primary" disabled=move || changes.pending.get()>"Add webhook"</button>
            </form>
            {changes.error_view()}
            {move || secret.get().map(|s| view! {
                <div class="secret" role="status">
                    <p><strong>"Signing secret"</strong>" — copy it now; it will not be shown again."</p>
                    <code class="secret-value">{s}</code>
                    <button type="button" class="button small" on:click=move |_| secret.set(None)>"Done"</button>
                </div>
            })}
            {load_state(resource, "webhooks")}
            <DataTable headers=&["URL", "State"] actions=true>{rows}</DataTable>
            {move || shown.get().map(|id| view! { <Deliveries webhook_id=id/> })}
        </section>
    }
}

/// One webhook's deliveries, newest first.
#[component]
fn Deliveries(webhook_id: String) -> impl IntoView {
    let session = Session::use_context();
    let resource = LocalResource::new(move || {
        let variables = webhook_deliveries::Variables {
            webhook_id: webhook_id.clone(),
            first: Some(DELIVERIES),
        };
        http::execute::<WebhookDeliveries>(session, variables)
    });
    let list = move || {
        let nodes = resource.get()?.ok()?.webhook_deliveries.nodes;
        if nodes.is_empty() {
            return Some(
                view! { <p class="muted placeholder">"Nothing delivered yet."</p> }.into_any(),
            );
        }
        Some(
            view! {
                <DataTable headers=&["Created", "Status", "Attempts", "Last error"]>
                            {nodes.into_iter().map(|d| view! {
                                <tr class="delivery-row">
                                    <td>{format::local_time(&d.created_at)}</td>
                                    <td>{delivery_status(d.status, d.last_status_code)}</td>
                                    <td class="num">{d.attempts}</td>
                                    <td>{d.last_error.unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </DataTable>
            }
            .into_any(),
        )
    };
    view! {
        <h3>"Deliveries"</h3>
        {load_state(resource, "deliveries")}
        {list}
    }
}

/// "delivered (HTTP 200)", "failed (HTTP 500)", "pending".
fn delivery_status(status: DeliveryStatus, code: Option<i64>) -> String {
    let word = match status {
        DeliveryStatus::Pending => "pending",
        DeliveryStatus::Delivered => "delivered",
        DeliveryStatus::Failed => "failed",
    };
    match code {
        Some(code) => format!("{word} (HTTP {code})"),
        None => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_says_how_it_went() {
        assert_eq!(
            delivery_status(DeliveryStatus::Failed, Some(500)),
            "failed (HTTP 500)"
        );
        assert_eq!(delivery_status(DeliveryStatus::Pending, None), "pending");
    }
}
