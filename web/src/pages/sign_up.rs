//! `/signup`: a new organization with its first admin (`signUp`), signed in at once.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::http;
use crate::api::ops::{SignUp, sign_up};
use crate::components::auth_form::{AuthCard, Field, Submission};
use crate::session::{Session, Tokens};

/// The sign-up form.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let session = Session::use_context();
    let organization = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submission = Submission::new();

    let on_submit = move || {
        let input = sign_up::SignUpInput {
            organization_name: organization.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        submission.run(async move {
            let data = http::execute::<SignUp>(session, sign_up::Variables { input }).await?;
            Ok(Tokens::from(data.sign_up))
        });
    };

    view! {
        <AuthCard
            intro="Create an organization; you will be its admin."
            submit="Create organization"
            submission=submission
            on_submit=on_submit
            footer=|| view! { "Already a member? " <A href="/login">"Sign in"</A> }
        >
            <Field id="organization" label="Organization name" autocomplete="organization" value=organization/>
            <Field id="email" label="Email" kind="email" autocomplete="username" value=email/>
            <Field id="password" label="Password (at least 10 characters)" kind="password" autocomplete="new-password" value=password/>
        </AuthCard>
    }
}
