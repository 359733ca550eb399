//! Sign-in with Google and GitHub: authorization code with PKCE (S256) and a single-use,
//! expiring `state`; exact redirect URIs; an HTTP client that follows no redirects. A
//! verified email signs into its account, joins the organization it was invited to, or
//! creates a new one; an unverified email does none of these.

use std::time::Duration;

use chrono::Duration as TimeDelta;
use entity::{AuthProvider, OrgId, Plan, Role, UserId, oauth_state, organization, user};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse as _, TokenUrl,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};
use secrecy::ExposeSecret as _;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::refresh;
use super::secrets::{random_alphanumeric, sha256_hex};
use super::service::{Session, open_session};
use crate::audit::{self, Actor, Change, RequestMeta};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::orgs::members;
use crate::state::AppState;

/// How long a sign-in may take between leaving for the provider and coming back.
const STATE_TTL: TimeDelta = TimeDelta::minutes(10);
/// How long one call to a provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A configured provider.
struct Provider {
    kind: AuthProvider,
    client: Client,
    scopes: &'static [&'static str],
    /// Google's userinfo endpoint, or GitHub's API root.
    identity_url: String,
}

/// The identity a provider vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub email: String,
    pub verified: bool,
}

/// The providers this server is configured for.
pub fn enabled(config: &Config) -> Vec<AuthProvider> {
    [AuthProvider::Google, AuthProvider::Github]
        .into_iter()
        .filter(|p| provider(config, *p).is_ok())
        .collect()
}

/// `google` or `github` from a URL path.
pub fn parse_provider(name: &str) -> ApiResult<AuthProvider> {
    match name {
        "google" => Ok(AuthProvider::Google),
        "github" => Ok(AuthProvider::Github),
        _ => Err(ApiError::NotFound("sign-in provider")),
    }
}

/// The exact redirect URI registered with the provider.
pub fn redirect_uri(config: &Config, kind: AuthProvider) -> String {
    let name = match kind {
        AuthProvider::Github => "github",
        _ => "google",
    };
    format!(
        "{}/api/v1/auth/oauth/{name}/callback",
        config.public_url.trim_end_matches('/')
    )
}

fn provider(config: &Config, kind: AuthProvider) -> ApiResult<Provider> {
    let not_configured = || ApiError::NotFound("sign-in provider");
    let (id, secret, auth, token, identity_url, scopes): (_, _, _, _, _, &'static [&str]) =
        match kind {
            AuthProvider::Google => (
                config.oauth_google_client_id.as_ref(),
                config.oauth_google_client_secret.as_ref(),
                &config.oauth_google_auth_url,
                &config.oauth_google_token_url,
                config.oauth_google_userinfo_url.clone(),
                &["openid", "email"],
            ),
            AuthProvider::Github => (
                config.oauth_github_client_id.as_ref(),
                config.oauth_github_client_secret.as_ref(),
                &config.oauth_github_auth_url,
                &config.oauth_github_token_url,
                config.oauth_github_api_url.trim_end_matches('/').to_owned(),
                &["read:user", "user:email"],
            ),
            AuthProvider::Email => return Err(not_configured()),
        };
    let (Some(id), Some(secret)) = (id, secret) else {
        return Err(not_configured());
    };
    let misconfigured = |what: &str| {
        ApiError::internal(anyhow::anyhow!(
            "the {kind} sign-in {what} is not a valid URL"
        ))
    };
    let client = BasicClient::new(ClientId::new(id.clone()))
        .set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()))
        .set_auth_uri(AuthUrl::new(auth.clone()).map_err(|_| misconfigured("auth URL"))?)
        .set_token_uri(TokenUrl::new(token.clone()).map_err(|_| misconfigured("token URL"))?)
        .set_redirect_uri(
            RedirectUrl::new(redirect_uri(config, kind))
                .map_err(|_| misconfigured("public URL"))?,
        );
    Ok(Provider {
        kind,
        client,
        scopes,
        identity_url,
    })
}

/// The HTTP client for provider calls: no redirects followed (a token endpoint that
/// redirects is misconfigured or hostile), short timeouts.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(PROVIDER_TIMEOUT)
        .user_agent("HumanAIOS")
        .build()?)
}

/// Starts a sign-in: stores a fresh state and PKCE verifier, and returns the provider URL
/// to send the browser to.
pub async fn start(
    state: &AppState,
    kind: AuthProvider,
    invitation: Option<String>,
) -> ApiResult<String> {
    let provider = provider(&state.config, kind)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let csrf = random_alphanumeric(43);
    let request_state = csrf.clone();
    let mut request = provider
        .client
        .authorize_url(move || CsrfToken::new(request_state))
        .set_pkce_challenge(challenge);
    for scope in provider.scopes {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    let (url, _) = request.url();
    let now = crate::time::now();
    oauth_state::ActiveModel {
        id: Set(Uuid::now_v7()),
        state_hash: Set(sha256_hex(&csrf)),
        provider: Set(kind),
        pkce_verifier: Set(verifier.secret().clone()),
        invitation_token: Set(invitation),
        created_at: Set(now),
        expires_at: Set(now + STATE_TTL),
        used_at: Set(None),
    }
    .insert(&state.db)
    .await?;
    Ok(url.to_string())
}

/// The provider's half of finishing a sign-in: consumes the state (once), exchanges the
/// code with the PKCE verifier and reads the email. Returns it with the invitation the
/// sign-in started with; [`sign_in`] does the rest.
pub async fn exchange(
    state: &AppState,
    kind: AuthProvider,
    code: &str,
    csrf: &str,
) -> ApiResult<(Identity, Option<String>)> {
    let provider = provider(&state.config, kind)?;
    let flow = consume_state(state, kind, csrf).await?;
    let http = http_client().map_err(ApiError::internal)?;
    let token = provider
        .client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(&ProviderHttp(http.clone()))
        .await
        .map_err(|err| {
            tracing::warn!(provider = %kind, error = %err, "OAuth code exchange failed");
            oauth_failed("the provider refused the sign-in")
        })?;
    let identity = identity(&http, &provider, token.access_token().secret()).await?;
    Ok((identity, flow.invitation_token))
}

async fn consume_state(
    state: &AppState,
    kind: AuthProvider,
    csrf: &str,
) -> ApiResult<oauth_state::Model> {
    let hash = sha256_hex(csrf);
    let now = crate::time::now();
    let claimed = oauth_state::Entity::update_many()
        .col_expr(oauth_state::Column::UsedAt, Expr::value(now))
        .filter(oauth_state::Column::StateHash.eq(&hash))
        .filter(oauth_state::Column::Provider.eq(kind))
        .filter(oauth_state::Column::UsedAt.is_null())
        .filter(oauth_state::Column::ExpiresAt.gt(now))
        .exec(&state.db)
        .await?
        .rows_affected;
    let invalid = ApiError::Conflict {
        code: "OAUTH_STATE_INVALID",
        message: "this sign-in link is unknown, already used or expired; start again".to_owned(),
    };
    if claimed == 0 {
        return Err(invalid);
    }
    oauth_state::Entity::find()
        .filter(oauth_state::Column::StateHash.eq(hash))
        .one(&state.db)
        .await?
        .ok_or(invalid)
}

/// Our HTTP client as `oauth2` sees it (the crate is built without its own, so there is one
/// reqwest in the binary). A named type rather than a closure keeps the future `Send`.
struct ProviderHttp(reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for ProviderHttp {
    type Error = reqwest::Error;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<oauth2::HttpResponse, reqwest::Error>>
                + Send
                + 'c,
        >,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

/// Sends one OAuth request through our client.
async fn send(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut builder = axum::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(builder
        .body(body)
        .unwrap_or_else(|_| axum::http::Response::new(Vec::new())))
}

#[derive(Deserialize)]
struct GoogleUser {
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
}

#[derive(Deserialize)]
struct GithubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

/// The email the provider vouches for: Google's `email` with `email_verified`, GitHub's
/// primary address with its `verified` flag.
async fn identity(
    http: &reqwest::Client,
    provider: &Provider,
    access_token: &str,
) -> ApiResult<Identity> {
    let failed = |what: &str| oauth_failed(&format!("the provider did not say {what}"));
    match provider.kind {
        AuthProvider::Github => {
            let emails: Vec<GithubEmail> = http
                .get(format!("{}/user/emails", provider.identity_url))
                .bearer_auth(access_token)
                .header("accept", "application/vnd.github+json")
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|_| failed("who you are"))?
                .json()
                .await
                .map_err(|_| failed("who you are"))?;
            let primary = emails
                .into_iter()
                .find(|e| e.primary)
                .ok_or_else(|| failed("your email address"))?;
            Ok(Identity {
                email: primary.email.to_lowercase(),
                verified: primary.verified,
            })
        }
        _ => {
            let user: GoogleUser = http
                .get(&provider.identity_url)
                .bearer_auth(access_token)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|_| failed("who you are"))?
                .json()
                .await
                .map_err(|_| failed("who you are"))?;
            Ok(Identity {
                email: user
                    .email
                    .ok_or_else(|| failed("your email address"))?
                    .to_lowercase(),
                verified: user.email_verified,
            })
        }
    }
}

/// Opens a session for a provider identity: the account with that email, or a new member
/// of the organization that invited it, or a new organization.
pub async fn sign_in(
    state: &AppState,
    kind: AuthProvider,
    identity: Identity,
    invitation: Option<String>,
    meta: RequestMeta,
) -> ApiResult<Session> {
    if !identity.verified {
        return Err(ApiError::Conflict {
            code: "EMAIL_NOT_VERIFIED",
            message: format!("{kind} has not verified this email address; verify it there first"),
        });
    }
    let email = super::service::normalize_email(&identity.email)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&txn)
        .await?;
    let member = match (existing, invitation) {
        (Some(member), _) => {
            let change = Change {
                action: "auth.sign_in",
                target_type: "user",
                target_id: Some(member.id),
                summary: json!({ "method": kind }),
            };
            let org = OrgId::from(member.org_id);
            audit::service::record(&txn, org, &Actor::user(&member, meta), change).await?;
            member
        }
        (None, Some(token)) => {
            let invitation = members::redeem(&txn, &token, Some(&email)).await?;
            members::join(&txn, &invitation, None, kind, meta).await?
        }
        (None, None) => create_organization(&txn, kind, &email, meta).await?,
    };
    let refresh = refresh::start_family(&txn, &member).await?;
    txn.commit().await?;
    open_session(state, member, refresh)
}

async fn create_organization(
    txn: &sea_orm::DatabaseTransaction,
    kind: AuthProvider,
    email: &str,
    meta: RequestMeta,
) -> ApiResult<user::Model> {
    let now = crate::time::now();
    let local = email.split('@').next().unwrap_or(email);
    let org = organization::ActiveModel {
        id: Set(OrgId::new().0),
        name: Set(format!("{local}'s organization")),
        plan: Set(Plan::Free),
        settings: Set(json!({})),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    let member = user::ActiveModel {
        id: Set(UserId::new().0),
        org_id: Set(org.id),
        email: Set(email.to_owned()),
        password_hash: Set(None),
        role: Set(Role::Admin),
        auth_provider: Set(kind),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let change = Change {
        action: "auth.sign_up",
        target_type: "user",
        target_id: Some(member.id),
        summary: json!({ "organization": org.name, "method": kind }),
    };
    audit::service::record(txn, org.id.into(), &Actor::user(&member, meta), change).await?;
    Ok(member)
}

fn oauth_failed(message: &str) -> ApiError {
    ApiError::Conflict {
        code: "OAUTH_FAILED",
        message: message.to_owned(),
    }
}
