//! The signed-in state: the access token, kept in `localStorage` under [`TOKEN_KEY`] so a
//! reload stays signed in, and mirrored in a signal so the UI reacts when it changes.

use leptos::prelude::*;

/// The `localStorage` key of the access token.
pub const TOKEN_KEY: &str = "humanaios.token";

/// The current access token, shared through Leptos context. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<String>>,
}

impl Session {
    /// Reads the stored token (if any) into a new session.
    pub fn load() -> Self {
        let token = storage().and_then(|s| s.get_item(TOKEN_KEY).ok().flatten());
        Session {
            token: RwSignal::new(token.filter(|t| !t.is_empty())),
        }
    }

    /// The session provided by [`crate::app::App`].
    pub fn use_context() -> Self {
        expect_context::<Session>()
    }

    /// Whether a token is stored (reactive).
    pub fn is_signed_in(&self) -> bool {
        self.token.with(Option::is_some)
    }

    /// The token (reactive: whoever reads it runs again when someone signs in or out).
    pub fn token(&self) -> Option<String> {
        self.token.get()
    }

    /// The token for a request, without subscribing the caller to changes.
    pub fn token_untracked(&self) -> Option<String> {
        self.token.try_get_untracked().flatten()
    }

    /// Stores a freshly issued token.
    pub fn sign_in(&self, token: String) {
        if let Some(s) = storage() {
            // A full or disabled storage only costs the user a sign-in after reload.
            let _ = s.set_item(TOKEN_KEY, &token);
        }
        self.token.try_set(Some(token));
    }

    /// Forgets the token (log out, or the server no longer accepts it).
    pub fn sign_out(&self) {
        if let Some(s) = storage() {
            let _ = s.remove_item(TOKEN_KEY);
        }
        self.token.try_set(None);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
