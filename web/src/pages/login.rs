//! `/login`: email + password → `logIn` → session stored → overview; the Google and GitHub
//! buttons when the server offers them; the reason when an OAuth sign-in came back refused
//! (`?error=CODE`); links to sign up.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::http;
use crate::api::ops::{LogIn, log_in};
use crate::components::auth_form::{AuthCard, Field, Submission, oauth_error};
use crate::session::{Session, Tokens};

/// The sign-in form.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = Session::use_context();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submission = Submission::new();
    if let Some(code) = use_query_map().with_untracked(|q| q.get("error")) {
        submission.fail(oauth_error(&code));
    }

    let on_submit = move || {
        let input = log_in::LogInInput {
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        submission.run(async move {
            let data = http::execute::<LogIn>(session, log_in::Variables { input }).await?;
            Ok(Tokens::from(data.log_in))
        });
    };

    view! {
        <AuthCard
            intro="Sign in to your organization's dashboard."
            submit="Sign in"
            submission=submission
            on_submit=on_submit
            footer=|| view! { "New to HumanAIOS? " <A href="/signup">"Create an organization"</A> }
        >
            <Field id="email" label="Email" kind="email" autocomplete="username" value=email/>
            <Field id="password" label="Password" kind="password" autocomplete="current-password" value=password/>
        </AuthCard>
    }
}
