//! The top bar of signed-in pages: product, organization name, who is signed in, "Log out",
//! and the navigation below them.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::nav::Nav;
use crate::session::Session;
use crate::viewer::ViewerContext;

/// The top bar, from the viewer loaded once per sign-in.
#[component]
pub fn AppHeader() -> impl IntoView {
    let session = Session::use_context();
    let viewer = ViewerContext::use_context().resource;
    let org_name = move || match viewer.get() {
        None => "…".to_owned(),
        Some(Ok(data)) => data.viewer.organization.name,
        Some(Err(_)) => "Organization unavailable".to_owned(),
    };
    let who = move || {
        viewer.get().and_then(Result::ok).map(|data| {
            let role = data.viewer.role.storage_name();
            match data.viewer.user {
                Some(user) => format!("{} · {role}", user.email),
                None => role.to_owned(),
            }
        })
    };
    let error = move || {
        viewer
            .get()
            .and_then(Result::err)
            .filter(ApiError::is_transient)
            .map(|e| view! { <div class="banner" role="alert">{e.to_string()}</div> })
    };

    view! {
        <header class="topbar">
            <div class="topbar-inner">
                <span class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">"HumanAIOS"</span>
                </span>
                <span class="org-name" title="Organization">{org_name}</span>
                <span class="spacer"></span>
                <span class="who muted">{who}</span>
                <button type="button" class="button ghost" on:click=move |_| leptos::task::spawn_local(crate::api::http::log_out(session))>
                    "Log out"
                </button>
            </div>
            <Nav/>
        </header>
        {error}
    }
}
