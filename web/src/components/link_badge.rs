//! The small badge beside "Live activity" that says whether events are flowing.

use leptos::prelude::*;

use crate::api::ws::Link;

/// `live`, `connecting…`, `reconnecting…` or `signed out`.
#[component]
pub fn LinkBadge(link: ReadSignal<Link>) -> impl IntoView {
    let class = move || match link.get() {
        Link::Live => "badge badge-live",
        Link::Connecting => "badge badge-wait",
        Link::Reconnecting { .. } => "badge badge-wait badge-reconnecting",
        Link::SignedOut => "badge badge-off",
    };
    let label = move || match link.get() {
        Link::Live => "live",
        Link::Connecting => "connecting…",
        Link::Reconnecting { .. } => "reconnecting…",
        Link::SignedOut => "signed out",
    };
    let title = move || match link.get() {
        Link::Reconnecting {
            retry_in_ms,
            reason,
        } => format!("{reason}; retrying in {} s", retry_in_ms.div_ceil(1_000)),
        Link::Live => "Receiving activities as they happen".to_owned(),
        _ => String::new(),
    };
    view! {
        <span class=class title=title role="status" aria-live="polite">
            <span class="dot" aria-hidden="true"></span>
            {label}
        </span>
    }
}
