//! REST routes and their authorization: every route is declared with its method and path,
//! looked up in the role matrix when the router is built (a route missing from the matrix
//! is a start-up failure), and guarded by a layer that authenticates the caller once and
//! applies the matrix entry before the handler runs.

use axum::Router;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::MethodRouter;

use crate::audit::{Actor, RequestMeta};
use crate::auth::roles;
use crate::auth::viewer::{Authenticated, admit};
use crate::error::ApiResult;
use crate::state::AppState;

/// Where REST routes live.
pub const PREFIX: &str = "/api/v1";
/// The prefix of routes whose path a standard fixes outside [`PREFIX`] (OTLP's
/// `/v1/traces`, MCP's `/mcp`): none.
pub const ROOT: &str = "";

/// One REST route.
pub struct RestRoute {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// [`PREFIX`], or [`ROOT`] for a path a standard fixes.
    pub prefix: &'static str,
    /// Below the prefix, in axum syntax (`/agents/{id}`).
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
}

impl RestRoute {
    /// A route below [`PREFIX`].
    pub fn new(method: &'static str, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        RestRoute {
            method,
            prefix: PREFIX,
            path,
            handler,
        }
    }

    /// A route at a path a standard fixes (below [`ROOT`]), authorized like any other.
    pub fn standard(
        method: &'static str,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Self {
        RestRoute {
            prefix: ROOT,
            ..RestRoute::new(method, path, handler)
        }
    }

    /// The route's name in the role matrix: `GET /api/v1/agents/{id}`.
    pub fn operation(&self) -> String {
        format!("{} {}{}", self.method, self.prefix, self.path)
    }
}

/// Every REST route of every feature.
pub fn routes() -> Vec<RestRoute> {
    [
        crate::auth::rest::routes(),
        crate::auth::keys_rest::routes(),
        crate::auth::oauth_rest::routes(),
        crate::orgs::rest::routes(),
        crate::agents::rest::routes(),
        crate::activities::rest::routes(),
        crate::analytics::rest::routes(),
        crate::costs::rest::routes(),
        crate::runs::rest::routes(),
        crate::rollups::rest::routes(),
        crate::audit::rest::routes(),
        crate::otlp::rest::routes(),
        crate::redaction::rest::routes(),
        crate::alerts::rest::routes(),
        crate::tasks::rest::routes(),
        crate::mcp::routes(),
        crate::mcp::pin_rest::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The router of the routes below `prefix` ([`PREFIX`] or [`ROOT`]), paths relative to it:
/// each route behind its matrix entry.
///
/// # Panics
/// When a route has no entry in the role matrix: a server must not start with an
/// operation nobody decided the rights of.
pub fn router(state: &AppState, prefix: &str) -> Router<AppState> {
    let below_prefix = routes().into_iter().filter(|route| route.prefix == prefix);
    below_prefix.fold(Router::new(), |router, route| {
        let operation = route.operation();
        let Some((name, _)) = roles::find(&operation) else {
            panic!("{operation} is missing from the role matrix (api/src/auth/roles.rs)");
        };
        let guard = axum::middleware::from_fn_with_state((state.clone(), name), authorize);
        router.route(route.path, route.handler.route_layer(guard))
    })
}

/// Authenticates the caller, applies the matrix entry `operation`, and hands the caller to
/// the handler's extractors.
async fn authorize(
    State((state, operation)): State<(AppState, &'static str)>,
    mut request: Request,
    next: Next,
) -> ApiResult<Response> {
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
    let caller = admit(&state, request.headers(), address).await?;
    let viewer = roles::authorize(caller.as_ref().map(|c| c.viewer), operation)?;
    let meta = RequestMeta::from_http(request.headers(), address);
    if let Some(caller) = &caller {
        request
            .extensions_mut()
            .insert(Actor::caller(caller, meta.clone()));
    }
    request.extensions_mut().insert(Authenticated(viewer));
    request.extensions_mut().insert(meta);
    Ok(next.run(request).await)
}
