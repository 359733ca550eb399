//! The application shell: provides the [`Session`] and the [`ViewerContext`] to every page and
//! owns the client routes: `/login`, the signed-in sections (`/`, `/agents`, `/tasks`,
//! `/my-tasks`, `/settings`, `/agents/:id`, `/runs/:id`, `/analytics`, `/alerts`, `/audit`),
//! the sign-up, invitation and OAuth pages, and a not-found view for anything else.

use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::components::header::AppHeader;
use crate::pages::{
    accept_invitation::AcceptInvitationPage, agent_detail::AgentDetailPage,
    analytics::AnalyticsPage, oauth_complete::OAuthCompletePage, run_trace::RunTracePage,
    sign_up::SignUpPage,
};
use crate::pages::{
    agents::AgentsPage, login::LoginPage, my_tasks::MyTasksPage, not_found::NotFound,
    overview::OverviewPage, settings::SettingsPage, tasks::TasksPage,
};
use crate::pages::{alerts::AlertsPage, audit::AuditPage};
use crate::session::Session;
use crate::viewer::ViewerContext;

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    let session = Session::load();
    provide_context(session);
    ViewerContext::provide(session);

    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/") view=|| view! { <SignedIn><OverviewPage/></SignedIn> }/>
                <Route path=path!("/agents") view=|| view! { <SignedIn><AgentsPage/></SignedIn> }/>
                <Route path=path!("/tasks") view=|| view! { <SignedIn><TasksPage/></SignedIn> }/>
                <Route path=path!("/my-tasks") view=|| view! { <SignedIn><MyTasksPage/></SignedIn> }/>
                <Route path=path!("/settings") view=|| view! { <SignedIn><SettingsPage/></SignedIn> }/>
                <Route path=path!("/agents/:id") view=|| view! { <SignedIn><AgentDetailPage/></SignedIn> }/>
                <Route path=path!("/runs/:id") view=|| view! { <SignedIn><RunTracePage/></SignedIn> }/>
                <Route path=path!("/analytics") view=|| view! { <SignedIn><AnalyticsPage/></SignedIn> }/>
                <Route path=path!("/alerts") view=|| view! { <SignedIn><AlertsPage/></SignedIn> }/>
                <Route path=path!("/audit") view=|| view! { <SignedIn><AuditPage/></SignedIn> }/>
                <Route path=path!("/signup") view=SignUpPage/>
                <Route path=path!("/accept-invitation") view=AcceptInvitationPage/>
                <Route path=path!("/oauth/complete") view=OAuthCompletePage/>
            </Routes>
        </Router>
    }
}

/// A signed-in page: the top bar with the navigation, then the page. Without a stored token
/// (including when a request finds it expired and clears it) sends the browser to `/login`.
#[component]
fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let session = Session::use_context();
    view! {
        <Show when=move || session.is_signed_in() fallback=|| view! { <Redirect path="/login"/> }>
            <AppHeader/>
            {children()}
        </Show>
    }
}
