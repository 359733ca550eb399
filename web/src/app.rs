//! The application shell: provides the [`Session`] to every page and owns the client routes
//! (`/login`, `/`, and a not-found view for anything else).

use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::pages::{login::LoginPage, not_found::NotFound, overview::OverviewPage};
use crate::session::Session;

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    provide_context(Session::load());

    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/") view=|| view! { <RequireSession><OverviewPage/></RequireSession> }/>
            </Routes>
        </Router>
    }
}

/// Shows its children only while a token is stored; otherwise (including when a request
/// finds the token expired and clears it) sends the browser to `/login`.
#[component]
fn RequireSession(children: ChildrenFn) -> impl IntoView {
    let session = Session::use_context();
    view! {
        <Show when=move || session.is_signed_in() fallback=|| view! { <Redirect path="/login"/> }>
            {children()}
        </Show>
    }
}
