//! What a section shows instead of its content when loading failed: the reason and a retry.

use leptos::prelude::*;

/// An error message with a "Try again" button.
#[component]
pub fn ErrorState<F>(message: String, retry: F) -> impl IntoView
where
    F: Fn() + 'static,
{
    view! {
        <div class="error-state" role="alert">
            <p>{message}</p>
            <button type="button" class="button small" on:click=move |_| retry()>
                "Try again"
            </button>
        </div>
    }
}
