//! A section's body while its query runs: "Loading …", the error with a retry, or the
//! content. Every page reads its resources through this, so each one has the same three
//! states.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::error_state::ErrorState;

/// The view of `resource`: a loading line naming `what`, its error, or `ready(data)`.
pub fn loaded<T, V>(
    resource: LocalResource<Result<T, ApiError>>,
    what: &'static str,
    ready: impl Fn(T) -> V + Copy + Send + Sync + 'static,
) -> impl Fn() -> AnyView + Copy + Send + Sync + 'static
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    move || match resource.get() {
        None => view! { <p class="muted placeholder">"Loading " {what} "…"</p> }.into_any(),
        Some(Err(e)) => {
            view! { <ErrorState message=e.to_string() retry=move || resource.refetch()/> }
                .into_any()
        }
        Some(Ok(data)) => ready(data).into_any(),
    }
}
