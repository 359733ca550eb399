//! The signed-in state: the access token, the refresh token and when the access token
//! expires, kept in `localStorage` (under [`TOKEN_KEY`], [`REFRESH_KEY`], [`EXPIRES_KEY`]) so
//! a reload stays signed in; the access token is mirrored in a signal so the UI reacts when
//! it changes. Exchanging the refresh token is [`crate::api::http`]'s job.

use leptos::prelude::*;

/// The `localStorage` key of the access token.
pub const TOKEN_KEY: &str = "humanaios.token";
/// The `localStorage` key of the refresh token (valid once; `refreshSession` issues the next).
pub const REFRESH_KEY: &str = "humanaios.refresh";
/// The `localStorage` key of when the access token expires (milliseconds since the epoch).
pub const EXPIRES_KEY: &str = "humanaios.expires";
/// How long before the access token expires it is refreshed, so a request sent just before
/// the deadline does not arrive just after it.
const REFRESH_MARGIN_MS: i64 = 60_000;

/// What a sign-in (`logIn`, `signUp`, `acceptInvitation`, `refreshSession`, OAuth) issues.
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// Every operation answering an `AuthPayload` selects the same three fields; one macro maps
/// each generated payload type into [`Tokens`].
#[macro_export]
macro_rules! tokens_from {
    ($($payload:path),+ $(,)?) => {$(
        impl From<$payload> for $crate::session::Tokens {
            fn from(p: $payload) -> Self {
                $crate::session::Tokens {
                    access_token: p.access_token,
                    refresh_token: p.refresh_token,
                    expires_in: p.expires_in,
                }
            }
        }
    )+};
}

/// The current session, shared through Leptos context. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<String>>,
}

impl Session {
    /// Reads the stored token (if any) into a new session.
    pub fn load() -> Self {
        let token = read(TOKEN_KEY);
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

    /// The stored refresh token, if the sign-in issued one.
    pub fn refresh_token(&self) -> Option<String> {
        read(REFRESH_KEY).filter(|t| !t.is_empty())
    }

    /// Whether the access token expires within the refresh margin (or already has).
    pub fn refresh_due(&self) -> bool {
        let expires_at = read(EXPIRES_KEY).and_then(|ms| ms.parse().ok());
        refresh_due(expires_at, js_sys::Date::now() as i64)
    }

    /// Stores a freshly issued session.
    pub fn sign_in(&self, tokens: Tokens) {
        // Whole milliseconds: formatting and parsing floats would add to the .wasm.
        let expires_at = js_sys::Date::now() as i64 + tokens.expires_in * 1000;
        if let Some(s) = storage() {
            // A full or disabled storage only costs the user a sign-in after reload.
            let _ = s.set_item(TOKEN_KEY, &tokens.access_token);
            let _ = s.set_item(REFRESH_KEY, &tokens.refresh_token);
            let _ = s.set_item(EXPIRES_KEY, &expires_at.to_string());
        }
        self.token.try_set(Some(tokens.access_token));
    }

    /// Forgets the session (log out, or the server no longer accepts it).
    pub fn sign_out(&self) {
        if let Some(s) = storage() {
            for key in [TOKEN_KEY, REFRESH_KEY, EXPIRES_KEY] {
                let _ = s.remove_item(key);
            }
        }
        self.token.try_set(None);
    }
}

/// Whether a token expiring at `expires_at_ms` should be refreshed at `now_ms`. An unknown
/// expiry (a session stored before refresh tokens) is left to the server to refuse.
fn refresh_due(expires_at_ms: Option<i64>, now_ms: i64) -> bool {
    expires_at_ms.is_some_and(|at| at - REFRESH_MARGIN_MS <= now_ms)
}

fn read(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::refresh_due;

    #[test]
    fn a_token_is_refreshed_a_minute_before_it_expires() {
        let now = 1_000_000;
        assert!(!refresh_due(Some(now + 61_000), now));
        assert!(refresh_due(Some(now + 59_000), now));
        assert!(refresh_due(Some(now - 1), now), "already expired");
        assert!(
            !refresh_due(None, now),
            "unknown expiry: let the server say"
        );
    }
}
