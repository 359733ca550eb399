//! [`ViewerContext`]: who is signed in, loaded once per sign-in and shared by the header, the
//! navigation and every page that hides what the viewer's role cannot use.

use leptos::prelude::*;

use crate::api::ops::{Role, Viewer, viewer};
use crate::api::{ApiError, http};
use crate::permissions::{self, Action};
use crate::session::Session;

/// The `Viewer` query's result, reloaded whenever the session's token changes.
#[derive(Clone, Copy)]
pub struct ViewerContext {
    pub resource: LocalResource<Result<viewer::ResponseData, ApiError>>,
}

impl ViewerContext {
    /// Creates the context (in [`crate::app::App`]) and provides it.
    pub fn provide(session: Session) {
        let resource = LocalResource::new(move || {
            let signed_in = session.token().is_some();
            async move {
                if !signed_in {
                    // The login page has nothing to ask the server.
                    return Err(ApiError::Unauthenticated("Sign in first.".to_owned()));
                }
                http::execute::<Viewer>(session, viewer::Variables).await
            }
        });
        provide_context(ViewerContext { resource });
    }

    /// The context provided by [`crate::app::App`].
    pub fn use_context() -> Self {
        expect_context::<ViewerContext>()
    }

    /// The viewer's role, once known (reactive).
    pub fn role(&self) -> Option<Role> {
        self.resource
            .get()
            .and_then(Result::ok)
            .map(|data| data.viewer.role)
    }

    /// The signed-in member's id (`None` while loading, or for an API key).
    pub fn user_id(&self) -> Option<String> {
        self.resource
            .get()
            .and_then(Result::ok)
            .and_then(|data| data.viewer.user)
            .map(|user| user.id)
    }

    /// [`ViewerContext::user_id`] without subscribing the caller to changes.
    pub fn user_id_untracked(&self) -> Option<String> {
        self.resource
            .get_untracked()
            .and_then(Result::ok)
            .and_then(|data| data.viewer.user)
            .map(|user| user.id)
    }

    /// Whether the viewer may do `action`; `false` until the role is known, so no button
    /// appears that might be refused.
    pub fn can(&self, action: Action) -> bool {
        self.role()
            .is_some_and(|role| permissions::allows(role, action))
    }
}
