//! `/settings`: what an admin manages from the dashboard — the organization's name and plan,
//! members and invitations, model price overrides, PII redaction rules, and the API keys.
//! Others see why there is nothing for them, not a button they cannot use.

use leptos::prelude::*;

use crate::api::http;
use crate::api::ops::{OrgSettings, org_settings};
use crate::components::api_keys::ApiKeysSection;
use crate::components::error_state::ErrorState;
use crate::components::members::MembersSection;
use crate::components::org_settings::{OrganizationSection, PricesSection};
use crate::components::redaction::RedactionSection;
use crate::permissions::Action;
use crate::remote::{Changes, latest, load_state};
use crate::session::Session;
use crate::viewer::ViewerContext;

/// How many members and invitations the page lists (the API's page cap).
const LISTED: i64 = 100;

/// The settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let viewer = ViewerContext::use_context();
    let body = move || match viewer.resource.get() {
        None => view! { <p class="muted placeholder">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! {
            <ErrorState message=e.to_string() retry=move || viewer.resource.refetch()/>
        }
        .into_any(),
        Some(Ok(_)) if viewer.can(Action::ManageApiKeys) => view! {
            <AdminSettings/>
            <ApiKeysSection/>
        }
        .into_any(),
        Some(Ok(_)) => view! {
            <section class="card">
                <p class="muted">"Only admins manage the organization's settings and API keys."</p>
            </section>
        }
        .into_any(),
    };
    view! {
        <main class="page page-single">
            <h1>"Settings"</h1>
            {body}
        </main>
    }
}

/// Every section but the API keys, from one `OrgSettings` query reloaded after each change.
#[component]
fn AdminSettings() -> impl IntoView {
    let session = Session::use_context();
    let resource = LocalResource::new(move || {
        http::execute::<OrgSettings>(
            session,
            org_settings::Variables {
                first: Some(LISTED),
            },
        )
    });
    let settings = latest(resource);
    let changes = move || Changes::new(move || resource.refetch());
    view! {
        {load_state(resource, "settings")}
        <Show when=move || settings.with(Option::is_some)>
            <OrganizationSection settings=settings changes=changes()/>
            <MembersSection settings=settings changes=changes()/>
            <PricesSection settings=settings changes=changes()/>
            <RedactionSection settings=settings changes=changes()/>
        </Show>
    }
}
