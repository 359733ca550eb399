//! `/accept-invitation?token=…`: the link an admin's invitation produces. The invited person
//! chooses a password (`acceptInvitation`) or signs in with Google or GitHub, which redeems
//! the invitation too, and lands in the organization with the invited role.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::http;
use crate::api::ops::{AcceptInvitation, accept_invitation};
use crate::components::auth_form::{AuthCard, Field, Submission};
use crate::session::{Session, Tokens};

/// The invitation form.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let session = Session::use_context();
    let token = use_query_map()
        .with_untracked(|q| q.get("token"))
        .unwrap_or_default();
    let password = RwSignal::new(String::new());
    let submission = Submission::new();
    if token.is_empty() {
        submission.fail("This link has no invitation in it. Open the link you were sent.".into());
    }

    let invitation = token.clone();
    let on_submit = move || {
        let input = accept_invitation::AcceptInvitationInput {
            token: invitation.clone(),
            password: password.get_untracked(),
        };
        submission.run(async move {
            let data =
                http::execute::<AcceptInvitation>(session, accept_invitation::Variables { input })
                    .await?;
            Ok(Tokens::from(data.accept_invitation))
        });
    };

    view! {
        <AuthCard
            intro="You are invited to join an organization. Choose a password to accept."
            submit="Join"
            submission=submission
            on_submit=on_submit
            invitation=token
            footer=|| view! { "Already a member? " <A href="/login">"Sign in"</A> }
        >
            <Field id="password" label="Password (at least 10 characters)" kind="password" autocomplete="new-password" value=password/>
        </AuthCard>
    }
}
