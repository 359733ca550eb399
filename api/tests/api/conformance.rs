//! The built-in MCP server at `/mcp` against the official MCP conformance suite
//! (`humanaios::testing::conformance`): every scenario that applies to a server offering
//! only tools passes; the others are listed with why they do not apply.
//!
//! The suite cannot send credentials and `/mcp` answers only authenticated callers, so the
//! suite talks to a small forwarder that adds an API key to each request and passes
//! everything else, both ways, untouched (responses stream, as SSE must).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse as _;
use humanaios::on_both_backends;
use humanaios::testing::conformance;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::helpers::{Backend, spawn_app};
use crate::mcp::ingest_key;

on_both_backends!(the_built_in_server_passes_every_scenario_that_applies);

/// Scenarios of the suite's active set that do not apply to the built-in server, and why.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    (
        "logging-set-level",
        "the server does not offer the logging capability",
    ),
    (
        "completion-complete",
        "the server does not offer the completions capability (no prompts or resource templates to complete)",
    ),
    (
        "tools-call-simple-text",
        "calls the suite's fixture tool test_simple_text",
    ),
    (
        "tools-call-image",
        "calls the suite's fixture tool test_image_content",
    ),
    (
        "tools-call-audio",
        "calls the suite's fixture tool test_audio_content",
    ),
    (
        "tools-call-embedded-resource",
        "calls the suite's fixture tool test_embedded_resource",
    ),
    (
        "tools-call-mixed-content",
        "calls the suite's fixture tool test_multiple_content_types",
    ),
    (
        "tools-call-with-logging",
        "calls the suite's fixture tool test_tool_with_logging",
    ),
    (
        "tools-call-error",
        "calls the suite's fixture tool test_error_handling",
    ),
    (
        "tools-call-with-progress",
        "calls the suite's fixture tool test_tool_with_progress",
    ),
    (
        "tools-call-sampling",
        "calls the suite's fixture tool test_sampling",
    ),
    (
        "tools-call-elicitation",
        "calls the suite's fixture tool test_elicitation",
    ),
    (
        "elicitation-sep1034-defaults",
        "calls the suite's fixture tool test_elicitation_sep1034_defaults",
    ),
    (
        "elicitation-sep1330-enums",
        "calls the suite's fixture tool test_elicitation_sep1330_enums",
    ),
    ("resources-list", "the server offers no resources"),
    ("resources-read-text", "the server offers no resources"),
    ("resources-read-binary", "the server offers no resources"),
    ("resources-templates-read", "the server offers no resources"),
    ("resources-subscribe", "the server offers no resources"),
    ("resources-unsubscribe", "the server offers no resources"),
    ("prompts-list", "the server offers no prompts"),
    ("prompts-get-simple", "the server offers no prompts"),
    ("prompts-get-with-args", "the server offers no prompts"),
    (
        "prompts-get-embedded-resource",
        "the server offers no prompts",
    ),
    ("prompts-get-with-image", "the server offers no prompts"),
    (
        "dns-rebinding-protection",
        "checks that a foreign Host is refused and localhost accepted; /mcp instead refuses \
         every request without a credential (a rebound page has none) and answers under \
         whatever host name it is deployed at, and here every request passes the \
         credential-adding forwarder",
    ),
];

async fn the_built_in_server_passes_every_scenario_that_applies(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let key = ingest_key(&app, &admin.token).await;
    let front = with_credential(app.addr, &key).await;

    let outcomes = conformance::run(&format!("http://{front}/mcp"))
        .await
        .expect("the conformance suite runs");
    let mut applicable: BTreeMap<&str, &conformance::Outcome> = outcomes
        .iter()
        .map(|(scenario, outcome)| (scenario.as_str(), outcome))
        .collect();
    for (scenario, _why) in NOT_APPLICABLE {
        assert!(
            applicable.remove(scenario).is_some(),
            "{scenario} is no longer in the suite: update NOT_APPLICABLE"
        );
    }
    let failed: Vec<_> = applicable
        .iter()
        .filter(|(_, outcome)| !outcome.passed)
        .collect();
    assert!(failed.is_empty(), "failed: {failed:#?}");
    // The scenarios that apply to a tools-only server are all there and were judged.
    let mut passed: Vec<&str> = applicable.into_keys().collect();
    passed.sort_unstable();
    assert_eq!(
        passed,
        [
            "ping",
            "server-initialize",
            "server-sse-multiple-streams",
            "tools-list"
        ]
    );
}

/// Starts a forwarder to the API at `api` that adds `Authorization: Bearer <key>` to every
/// request; returns its address.
async fn with_credential(api: SocketAddr, key: &str) -> SocketAddr {
    let client: Client<HttpConnector, Body> = Client::builder(TokioExecutor::new()).build_http();
    let bearer = HeaderValue::from_str(&format!("Bearer {key}")).unwrap();
    let forward = move |mut request: Request| {
        let client = client.clone();
        let bearer = bearer.clone();
        async move {
            let path = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            *request.uri_mut() = format!("http://{api}{path}").parse().unwrap();
            request.headers_mut().insert(header::AUTHORIZATION, bearer);
            match client.request(request).await {
                Ok(response) => response.map(Body::new),
                Err(err) => (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
            }
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().fallback(forward);
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}
