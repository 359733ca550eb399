//! Any path the dashboard does not know: a short note and a way back.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The not-found view.
#[component]
pub fn NotFound() -> impl IntoView {
    let path = use_location().pathname;
    view! {
        <main class="auth">
            <div class="card auth-card not-found">
                <h1>"Page not found"</h1>
                <p class="muted">"There is nothing at " <code>{move || path.get()}</code> "."</p>
                <a class="button primary" href="/">"Go to the overview"</a>
            </div>
        </main>
    }
}
