//! `/settings`: the organization's settings an admin manages from the dashboard; so far the
//! API keys. Others see why there is nothing for them, not a button they cannot use.

use leptos::prelude::*;

use crate::components::api_keys::ApiKeysSection;
use crate::components::error_state::ErrorState;
use crate::permissions::Action;
use crate::viewer::ViewerContext;

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
        Some(Ok(_)) if viewer.can(Action::ManageApiKeys) => view! { <ApiKeysSection/> }.into_any(),
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
