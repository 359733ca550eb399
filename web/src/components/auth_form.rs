//! What the sign-in, sign-up and invitation pages share: the card with the product's name,
//! labelled fields, the submit button with its pending and error states, and the Google and
//! GitHub buttons the server offers.

use std::future::Future;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;

use crate::api::ops::{AuthProvider, SignInProviders, sign_in_providers};
use crate::api::{ApiError, http};
use crate::session::{Session, Tokens};

/// A form's request in flight and its last error.
#[derive(Clone, Copy)]
pub struct Submission {
    session: Session,
    pending: RwSignal<bool>,
    error: RwSignal<Option<String>>,
}

impl Submission {
    /// A form's submission, for the page's session (taken from context, so call this while
    /// the page is being built).
    pub fn new() -> Self {
        Submission {
            session: Session::use_context(),
            pending: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Runs `request` unless one is already running; the session it returns is stored, which
    /// sends the page to the overview.
    pub fn run(self, request: impl Future<Output = Result<Tokens, ApiError>> + 'static) {
        if self.pending.get_untracked() {
            return;
        }
        self.pending.set(true);
        self.error.set(None);
        spawn_local(async move {
            let result = request.await;
            self.pending.try_set(false);
            match result {
                Ok(tokens) => self.session.sign_in(tokens),
                Err(e) => {
                    self.error.try_set(Some(e.to_string()));
                }
            }
        });
    }

    /// Shows `message` as the form's error (e.g. one the URL carried back).
    pub fn fail(self, message: String) {
        self.error.set(Some(message));
    }
}

/// The card of an auth page: heading, `intro`, the fields (`children`), the error, the
/// submit button labelled `submit`, the provider buttons (carrying `invitation`, if any), and
/// `footer` (links to the other auth pages).
#[component]
pub fn AuthCard(
    intro: &'static str,
    submit: &'static str,
    submission: Submission,
    on_submit: impl Fn() + 'static,
    #[prop(optional)] invitation: Option<String>,
    children: Children,
    #[prop(into)] footer: ViewFn,
) -> impl IntoView {
    let session = Session::use_context();
    let pending = submission.pending;
    view! {
        // Signed in (now or already): the overview is where to be.
        {move || session.is_signed_in().then(|| view! { <Redirect path="/"/> })}
        <main class="auth">
            <form
                class="card auth-card"
                on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    on_submit();
                }
            >
                <h1 class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "HumanAIOS"
                </h1>
                <p class="muted">{intro}</p>
                {children()}
                {move || {
                    submission
                        .error
                        .get()
                        .map(|message| view! { <p class="form-error" role="alert">{message}</p> })
                }}
                <button
                    type="submit"
                    class="button primary"
                    class:busy=move || pending.get()
                    disabled=move || pending.get()
                >
                    {submit}
                </button>
                <ProviderButtons invitation=invitation/>
                <p class="auth-links muted">{footer.run()}</p>
            </form>
        </main>
    }
}

/// A labelled input bound to `value`.
#[component]
pub fn Field(
    id: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id name=id type=kind autocomplete=autocomplete required bind:value=value/>
    }
}

/// "Continue with Google/GitHub" links for the providers the server has configured; they
/// start the server's OAuth flow, which comes back to `/oauth/complete`.
#[component]
fn ProviderButtons(invitation: Option<String>) -> impl IntoView {
    let session = Session::use_context();
    let providers = LocalResource::new(move || async move {
        http::execute::<SignInProviders>(session, sign_in_providers::Variables)
            .await
            .map(|data| data.sign_in_providers)
            // No buttons is the right answer when the server cannot say.
            .unwrap_or_default()
    });
    move || {
        let buttons = providers
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|provider| {
                let (path, name) = provider_path(provider)?;
                let href = start_url(path, invitation.as_deref());
                Some(view! {
                    <a class="button provider" href=href rel="external">
                        {format!("Continue with {name}")}
                    </a>
                })
            })
            .collect::<Vec<_>>();
        (!buttons.is_empty()).then(|| view! { <div class="providers">{buttons}</div> })
    }
}

/// The server's path segment and the display name of an OAuth provider (`None`: email).
fn provider_path(provider: AuthProvider) -> Option<(&'static str, &'static str)> {
    match provider {
        AuthProvider::Google => Some(("google", "Google")),
        AuthProvider::Github => Some(("github", "GitHub")),
        AuthProvider::Email => None,
    }
}

/// Where a provider's sign-in starts; an invitation token rides along to be redeemed.
fn start_url(provider: &str, invitation: Option<&str>) -> String {
    let base = format!("/api/v1/auth/oauth/{provider}/start");
    match invitation {
        Some(token) => format!(
            "{base}?invitation={}",
            String::from(js_sys::encode_uri_component(token))
        ),
        None => base,
    }
}

/// The sentence for an error code the OAuth callback sends back (`/login?error=CODE`).
pub fn oauth_error(code: &str) -> String {
    match code {
        "EMAIL_NOT_VERIFIED" => {
            "The provider has not verified your email address, so it cannot sign you in."
        }
        "OAUTH_STATE_INVALID" => "That sign-in link expired or was already used. Please try again.",
        "INVITATION_INVALID" => "The invitation is no longer valid. Ask for a new one.",
        _ => "The sign-in with the provider did not complete. Please try again.",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_oauth_providers_get_a_button() {
        assert_eq!(provider_path(AuthProvider::Email), None);
        assert_eq!(
            provider_path(AuthProvider::Github),
            Some(("github", "GitHub"))
        );
        assert_eq!(start_url("google", None), "/api/v1/auth/oauth/google/start");
    }

    #[test]
    fn oauth_errors_read_as_sentences() {
        assert!(oauth_error("EMAIL_NOT_VERIFIED").contains("verified"));
        assert!(oauth_error("SOMETHING_NEW").contains("did not complete"));
    }
}
