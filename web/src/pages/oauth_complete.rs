//! `/oauth/complete`: where the server's OAuth callback sends the browser after a Google or
//! GitHub sign-in, with the session in the URL fragment (which never reaches a server). The
//! session is stored and the fragment dropped from the address bar.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::session::{Session, Tokens};

/// Stores the session from the fragment, then shows the overview (or the login page when
/// the fragment holds none).
#[component]
pub fn OAuthCompletePage() -> impl IntoView {
    let session = Session::use_context();
    let location = web_sys::window().map(|w| w.location());
    let fragment = location.and_then(|l| l.hash().ok()).unwrap_or_default();
    let target = match parse_fragment(&fragment) {
        Some(tokens) => {
            session.sign_in(tokens);
            "/"
        }
        None => "/login?error=OAUTH_FAILED",
    };
    view! { <Redirect path=target/> }
}

/// `#accessToken=…&refreshToken=…&expiresIn=…&refreshExpiresIn=…` → the session.
fn parse_fragment(fragment: &str) -> Option<Tokens> {
    let mut access_token = None;
    let mut refresh_token = None;
    let mut expires_in = None;
    for pair in fragment.trim_start_matches('#').split('&') {
        match pair.split_once('=') {
            Some(("accessToken", v)) if !v.is_empty() => access_token = Some(v.to_owned()),
            Some(("refreshToken", v)) if !v.is_empty() => refresh_token = Some(v.to_owned()),
            Some(("expiresIn", v)) => expires_in = v.parse().ok(),
            _ => {}
        }
    }
    Some(Tokens {
        access_token: access_token?,
        refresh_token: refresh_token?,
        expires_in: expires_in?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_carries_the_session() {
        let tokens =
            parse_fragment("#accessToken=a.b.c&refreshToken=r1&expiresIn=900&refreshExpiresIn=1")
                .unwrap();
        assert_eq!(tokens.access_token, "a.b.c");
        assert_eq!(tokens.refresh_token, "r1");
        assert_eq!(tokens.expires_in, 900);
        assert_eq!(parse_fragment("#accessToken=a&expiresIn=900"), None);
        assert_eq!(parse_fragment(""), None);
    }
}
