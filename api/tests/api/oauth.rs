//! Google and GitHub sign-in, against a small provider started inside the test: the whole
//! dance, plus a wrong state, a replayed state, a verifier that does not match the
//! challenge, an unverified email, linking a verified email, and joining by invitation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::helpers::{Backend, TestApp, spawn_app_with};
use humanaios::on_both_backends;

const PUBLIC_URL: &str = "http://humanaios.test";

/// What the fake provider knows and says.
#[derive(Default)]
struct Provider {
    /// The PKCE challenge of the authorization request in flight.
    challenge: String,
    email: String,
    verified: bool,
}

type Shared = Arc<Mutex<Provider>>;

async fn token(
    State(provider): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let provider = provider.lock().unwrap();
    let basic = base64::engine::general_purpose::STANDARD.encode("client-id:client-secret");
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let ok = form.get("grant_type").map(String::as_str) == Some("authorization_code")
        && form.get("code").map(String::as_str) == Some("good-code")
        && form
            .get("redirect_uri")
            .is_some_and(|uri| uri.starts_with(PUBLIC_URL) && uri.ends_with("/callback"))
        && headers.get("authorization").and_then(|h| h.to_str().ok())
            == Some(&format!("Basic {basic}"))
        && !verifier.is_empty()
        && challenge == provider.challenge;
    if ok {
        (
            StatusCode::OK,
            Json(json!({ "access_token": "mock-access", "token_type": "bearer" })),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant" })),
        )
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|h| h.to_str().ok()) == Some("Bearer mock-access")
}

async fn google_user(
    State(provider): State<Shared>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let provider = provider.lock().unwrap();
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!({})));
    }
    (
        StatusCode::OK,
        Json(json!({ "sub": "1", "email": provider.email, "email_verified": provider.verified })),
    )
}

async fn github_emails(
    State(provider): State<Shared>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let provider = provider.lock().unwrap();
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!([])));
    }
    (
        StatusCode::OK,
        Json(json!([
            { "email": "noreply@users.example.com", "primary": false, "verified": true },
            { "email": provider.email, "primary": true, "verified": provider.verified },
        ])),
    )
}

async fn start_provider() -> (String, Shared) {
    let shared: Shared = Arc::default();
    let router = Router::new()
        .route("/token", post(token))
        // A token endpoint that redirects (to the real one): a client must not follow it.
        .route(
            "/moved-token",
            post(|| async { (StatusCode::TEMPORARY_REDIRECT, [("location", "/token")]) }),
        )
        .route("/userinfo", get(google_user))
        .route("/user/emails", get(github_emails))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, shared)
}

struct Flow<'a> {
    app: &'a TestApp,
    provider: &'a Shared,
    client: reqwest::Client,
}

impl Flow<'_> {
    /// Leaves for the provider and returns the `state` it was given, after checking the
    /// authorization request and handing its PKCE challenge to the fake provider.
    async fn start(&self, name: &str, query: &str) -> String {
        let response = self
            .client
            .get(
                self.app
                    .url(&format!("/api/v1/auth/oauth/{name}/start{query}")),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let params = query_params(location.split_once('?').unwrap().1);
        assert_eq!(params["response_type"], "code");
        assert_eq!(params["client_id"], "client-id");
        assert_eq!(params["code_challenge_method"], "S256");
        assert_eq!(
            params["redirect_uri"],
            format!("{PUBLIC_URL}/api/v1/auth/oauth/{name}/callback")
        );
        self.provider.lock().unwrap().challenge = params["code_challenge"].clone();
        params["state"].clone()
    }

    /// Comes back from the provider and returns where the browser is sent.
    async fn callback(&self, name: &str, state: &str) -> String {
        let response = self
            .client
            .get(self.app.url(&format!(
                "/api/v1/auth/oauth/{name}/callback?code=good-code&state={state}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302);
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    fn identity(&self, email: &str, verified: bool) {
        let mut provider = self.provider.lock().unwrap();
        provider.email = email.to_owned();
        provider.verified = verified;
    }
}

fn query_params(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), percent_decode(v)))
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn access_token(location: &str) -> String {
    let fragment = location
        .strip_prefix(&format!("{PUBLIC_URL}/oauth/complete#"))
        .unwrap_or_else(|| panic!("not signed in: {location}"));
    query_params(fragment)["accessToken"].clone()
}

fn error_of(location: &str) -> &str {
    location
        .strip_prefix(&format!("{PUBLIC_URL}/login?error="))
        .unwrap_or_else(|| panic!("not an error: {location}"))
}

on_both_backends!(
    google_and_github_sign_in_with_every_fault,
    a_token_endpoint_that_redirects_is_not_followed
);

async fn a_token_endpoint_that_redirects_is_not_followed(backend: Backend) {
    let (provider_url, provider) = start_provider().await;
    let app = spawn_app_with(backend, |c| {
        c.public_url = PUBLIC_URL.to_owned();
        c.oauth_google_client_id = Some("client-id".into());
        c.oauth_google_client_secret = Some("client-secret".into());
        c.oauth_google_auth_url = format!("{provider_url}/authorize");
        c.oauth_google_token_url = format!("{provider_url}/moved-token");
        c.oauth_google_userinfo_url = format!("{provider_url}/userinfo");
    })
    .await;
    let flow = Flow {
        app: &app,
        provider: &provider,
        client: app.client.clone(),
    };
    flow.identity("erin@example.com", true);
    let state = flow.start("google", "").await;
    assert_eq!(
        error_of(&flow.callback("google", &state).await),
        "OAUTH_FAILED"
    );
}

async fn google_and_github_sign_in_with_every_fault(backend: Backend) {
    let (provider_url, provider) = start_provider().await;
    let app = spawn_app_with(backend, |c| {
        c.public_url = PUBLIC_URL.to_owned();
        c.oauth_google_client_id = Some("client-id".into());
        c.oauth_google_client_secret = Some("client-secret".into());
        c.oauth_google_auth_url = format!("{provider_url}/authorize");
        c.oauth_google_token_url = format!("{provider_url}/token");
        c.oauth_google_userinfo_url = format!("{provider_url}/userinfo");
        c.oauth_github_client_id = Some("client-id".into());
        c.oauth_github_client_secret = Some("client-secret".into());
        c.oauth_github_auth_url = format!("{provider_url}/authorize");
        c.oauth_github_token_url = format!("{provider_url}/token");
        c.oauth_github_api_url = provider_url.clone();
    })
    .await;
    let flow = Flow {
        app: &app,
        provider: &provider,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    let data = app.graphql_ok(None, "{ signInProviders }", json!({})).await;
    assert_eq!(data["signInProviders"], json!(["GOOGLE", "GITHUB"]));

    // A new verified Google identity gets its own organization.
    flow.identity("alice@example.com", true);
    let state = flow.start("google", "").await;
    let location = flow.callback("google", &state).await;
    let token = access_token(&location);
    let me = app
        .graphql_ok(
            Some(&token),
            "{ viewer { role user { email authProvider } organization { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me["viewer"]["user"],
        json!({ "email": "alice@example.com", "authProvider": "GOOGLE" })
    );
    assert_eq!(me["viewer"]["role"], "ADMIN");
    assert_eq!(me["viewer"]["organization"]["name"], "alice's organization");

    // The same state again, and a state never issued, are refused.
    assert_eq!(
        error_of(&flow.callback("google", &state).await),
        "OAUTH_STATE_INVALID"
    );
    assert_eq!(
        error_of(&flow.callback("google", "made-up-state").await),
        "OAUTH_STATE_INVALID"
    );
    // A state issued for Google does not work for GitHub.
    let state = flow.start("google", "").await;
    assert_eq!(
        error_of(&flow.callback("github", &state).await),
        "OAUTH_STATE_INVALID"
    );

    // A verifier that does not match the challenge the provider saw: no sign-in.
    let state = flow.start("google", "").await;
    provider.lock().unwrap().challenge = "some-other-challenge".into();
    assert_eq!(
        error_of(&flow.callback("google", &state).await),
        "OAUTH_FAILED"
    );

    // An unverified email creates nothing and links nothing.
    flow.identity("mallory@example.com", false);
    let state = flow.start("google", "").await;
    assert_eq!(
        error_of(&flow.callback("google", &state).await),
        "EMAIL_NOT_VERIFIED"
    );
    let password_user = app.sign_up().await;
    flow.identity(&password_user.email, false);
    let state = flow.start("google", "").await;
    assert_eq!(
        error_of(&flow.callback("google", &state).await),
        "EMAIL_NOT_VERIFIED"
    );

    // A verified email signs into the account that already has it.
    flow.identity(&password_user.email, true);
    let state = flow.start("google", "").await;
    let token = access_token(&flow.callback("google", &state).await);
    let linked = app
        .graphql_ok(
            Some(&token),
            "{ viewer { user { id } organization { id } } }",
            json!({}),
        )
        .await;
    let original = app
        .graphql_ok(
            Some(&password_user.token),
            "{ viewer { user { id } organization { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(linked, original);

    // An invited address joins the inviting organization with the invited role (GitHub).
    let invited = app
        .graphql_ok(
            Some(&password_user.token),
            "mutation { inviteMember(input: { email: \"carol@example.com\", role: OPERATOR }) { token } }",
            json!({}),
        )
        .await["inviteMember"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    flow.identity("carol@example.com", true);
    let state = flow
        .start("github", &format!("?invitation={invited}"))
        .await;
    let token = access_token(&flow.callback("github", &state).await);
    let carol = app
        .graphql_ok(
            Some(&token),
            "{ viewer { role user { authProvider } organization { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(carol["viewer"]["role"], "OPERATOR");
    assert_eq!(carol["viewer"]["user"]["authProvider"], "GITHUB");
    assert_eq!(
        carol["viewer"]["organization"]["id"],
        original["viewer"]["organization"]["id"]
    );

    // An unknown provider is not found.
    let response = flow
        .client
        .get(app.url("/api/v1/auth/oauth/myspace/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn unconfigured_providers_are_not_offered() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    let data = app.graphql_ok(None, "{ signInProviders }", json!({})).await;
    assert_eq!(data["signInProviders"], json!([]));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .get(app.url("/api/v1/auth/oauth/google/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
