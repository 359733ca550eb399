//! `/api/v1/auth/oauth/{provider}/start` and `/callback`: the browser legs of the Google and
//! GitHub sign-in. These GETs are the one exception to "GET never changes anything": OAuth
//! returns the browser to us by GET, and the single-use state is what protects it.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::audit::RequestMeta;
use crate::error::ApiResult;
use crate::http::extract::ApiQuery;
use crate::http::rest::RestRoute;
use crate::state::AppState;

use super::oauth;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartParams {
    /// An invitation token the new identity redeems.
    invitation: Option<String>,
}

/// What the provider sends back: a code and our state, or an error.
#[derive(Deserialize)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The OAuth routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/auth/oauth/{provider}/start", get(start)),
        RestRoute::new("GET", "/auth/oauth/{provider}/callback", get(callback)),
    ]
}

fn redirect(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    ApiQuery(params): ApiQuery<StartParams>,
) -> ApiResult<Response> {
    let kind = oauth::parse_provider(&provider)?;
    let url = oauth::start(&state, kind, params.invitation).await?;
    Ok(redirect(&url))
}

/// Back from the provider: on success the dashboard's `/oauth/complete` receives the
/// session in the URL fragment (never sent to a server); on failure `/login?error=CODE`.
async fn callback(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Path(provider): Path<String>,
    ApiQuery(params): ApiQuery<CallbackParams>,
) -> ApiResult<Response> {
    let kind = oauth::parse_provider(&provider)?;
    let base = state.config.public_url.trim_end_matches('/').to_owned();
    let result = match (params.error, params.code, params.state) {
        (None, Some(code), Some(csrf)) => match oauth::exchange(&state, kind, &code, &csrf).await {
            Ok((identity, invitation)) => {
                oauth::sign_in(&state, kind, identity, invitation, meta).await
            }
            Err(err) => Err(err),
        },
        _ => Err(crate::error::ApiError::Conflict {
            code: "OAUTH_FAILED",
            message: "the provider did not complete the sign-in".to_owned(),
        }),
    };
    Ok(match result {
        Ok(session) => redirect(&format!(
            "{base}/oauth/complete#accessToken={}&refreshToken={}&expiresIn={}&refreshExpiresIn={}",
            session.access_token,
            session.refresh_token,
            session.expires_in_seconds,
            session.refresh_expires_in_seconds
        )),
        Err(err) => redirect(&format!("{base}/login?error={}", err.code())),
    })
}
