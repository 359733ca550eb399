//! `/login`: email + password → `logIn` → token stored → overview. Shows the server's error
//! message when sign-in fails.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;

use crate::api::http;
use crate::api::ops::{LogIn, log_in};
use crate::session::Session;

/// The sign-in form.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = Session::use_context();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        let input = log_in::LogInInput {
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            let result = http::execute::<LogIn>(session, log_in::Variables { input }).await;
            pending.try_set(false);
            match result {
                // Storing the token flips the session, and the redirect below takes us to `/`.
                Ok(data) => session.sign_in(data.log_in.access_token),
                Err(e) => {
                    error.try_set(Some(e.to_string()));
                }
            }
        });
    };

    view! {
        // Signed in (now or already): the overview is where to be.
        {move || session.is_signed_in().then(|| view! { <Redirect path="/"/> })}
        <main class="auth">
            <form class="card auth-card" on:submit=on_submit>
                <h1 class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "HumanAIOS"
                </h1>
                <p class="muted">"Sign in to your organization's dashboard."</p>
                <label for="email">"Email"</label>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="username"
                    required
                    bind:value=email
                />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    bind:value=password
                />
                {move || {
                    error.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })
                }}
                <button
                    type="submit"
                    class="button primary"
                    class:busy=move || pending.get()
                    disabled=move || pending.get()
                >
                    "Sign in"
                </button>
            </form>
        </main>
    }
}
