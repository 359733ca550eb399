//! The built-in MCP server at `/mcp` (Streamable HTTP, stateless): how an agent asks for a
//! person and gets the answer back as a tool result, with no SDK of ours.
//!
//! The route sits behind the role matrix like every REST route (`POST /mcp`: operators,
//! admins and API keys of every scope), so the caller arrives authenticated; each tool then
//! applies the matrix entry of its GraphQL twin. [`tools`] holds the tools.
//!
//! [`pins`] is tool pinning for the MCP proxy (`humanaios-mcp`): the tools it saw, pinned to
//! their definitions, changes alerted and accepted by admins ([`pin_rest`],
//! [`pin_graphql`], [`pin_views`]).

pub mod pin_graphql;
pub mod pin_rest;
pub mod pin_views;
pub mod pins;
pub mod tools;

use axum::extract::{Request, State};
use axum::response::{IntoResponse as _, Response};
use axum::routing::post;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;
use tower::ServiceExt as _;

use crate::http::rest::RestRoute;
use crate::state::AppState;

/// Where the server answers.
pub const PATH: &str = "/mcp";

/// The MCP route (at the root, beside `/graphql`, where MCP clients are pointed).
pub fn routes() -> Vec<RestRoute> {
    vec![RestRoute::standard("POST", PATH, post(serve))]
}

/// Hands the request to rmcp's Streamable HTTP service. Stateless: every POST is answered on
/// its own (a tool call that takes a while streams its progress and result as SSE on that
/// POST), so any replica can take any request and there are no sessions to keep.
async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_max_request_body_bytes(state.config.max_body_bytes)
        // The Host check guards servers that trust whoever reaches them (DNS rebinding);
        // every call here carries a bearer credential, which a rebound browser page does
        // not have, and the server is reached under whatever name it is deployed at.
        .disable_allowed_hosts();
    let service = StreamableHttpService::new(
        move || Ok(tools::HumanTools::new(state.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    match service.oneshot(request).await {
        Ok(response) => response.map(axum::body::Body::new),
        Err(never) => match never {},
    }
    .into_response()
}
