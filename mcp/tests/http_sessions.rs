//! The HTTP proxy carries the Streamable HTTP session as the real server-everything keeps
//! it: the session id the server hands out reaches the client, a GET with it opens the
//! server's SSE stream, the server's notifications arrive on it as they are sent, and a
//! DELETE ends the session on the server. Raw HTTP with protocol version 2025-06-18 (the
//! Python SDK in equivalence.rs speaks 2025-11-25). Nothing is recorded here, so the proxy
//! points at an API that is not there.

mod common;

use std::time::Duration;

use common::{Recording, http_proxy, server_everything_http};
use futures_util::StreamExt as _;
use reqwest::Method;
use serde_json::{Value, json};

const VERSION: &str = "2025-06-18";

/// Sends a `method` request to `url` with the headers a client sends in `session`.
async fn send(
    method: Method,
    url: &str,
    session: Option<&str>,
    accept: &str,
    message: Option<Value>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("accept", accept)
        .header("mcp-protocol-version", VERSION);
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    if let Some(message) = message {
        request = request.json(&message);
    }
    request.send().await.unwrap()
}

/// POSTs `message` in `session`.
async fn post(url: &str, session: Option<&str>, message: Value) -> reqwest::Response {
    let accept = "application/json, text/event-stream";
    send(Method::POST, url, session, accept, Some(message)).await
}

/// The first `data` of an SSE body that holds a JSON-RPC message.
async fn first_message(
    events: &mut (impl futures_util::Stream<Item = Result<sse_stream::Sse, sse_stream::Error>> + Unpin),
) -> Value {
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = events.next().await {
            if let Some(data) = event.unwrap().data.filter(|data| !data.is_empty()) {
                return serde_json::from_str(&data).unwrap();
            }
        }
        panic!("the stream ended without a message");
    });
    found.await.expect("a message in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_is_opened_streamed_and_ended_through_the_proxy() {
    rustls::crypto::ring::default_provider()
        .install_default()
        .ok();
    let spool = tempfile::tempdir().unwrap();
    let server = server_everything_http().await;
    let nobody = Recording {
        token: String::new(),
        agent: "agent".into(),
        key: "key".into(),
    };
    let proxy = http_proxy(
        "127.0.0.1:9".parse().unwrap(),
        &nobody,
        &spool.path().join("spool"),
        &server.url,
    )
    .await;

    let initialized = post(
        &proxy.url,
        None,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "protocolVersion": VERSION, "capabilities": {}, "clientInfo": { "name": "sessions-test", "version": "1" } } }),
    )
    .await;
    assert_eq!(initialized.status(), 200);
    let session = initialized.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut events = sse_stream::SseStream::from_bytes_stream(initialized.bytes_stream());
    let answer = first_message(&mut events).await;
    assert_eq!(answer["result"]["protocolVersion"], VERSION);
    let done = post(
        &proxy.url,
        Some(&session),
        json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }),
    )
    .await;
    assert_eq!(done.status(), 202);

    // The server's own stream: open, and it carries what the server sends on it.
    let stream = send(
        Method::GET,
        &proxy.url,
        Some(&session),
        "text/event-stream",
        None,
    )
    .await;
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut pushed = sse_stream::SseStream::from_bytes_stream(stream.bytes_stream());
    // Simulated logging sends its first message at once, on the session's own stream.
    let logging = post(
        &proxy.url,
        Some(&session),
        json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": { "name": "toggle-simulated-logging", "arguments": {} } }),
    )
    .await;
    assert_eq!(logging.status(), 200);
    let notification = first_message(&mut pushed).await;
    assert_eq!(notification["method"], "notifications/message");

    // DELETE ends the session on the server: it no longer knows the id.
    let ended = send(Method::DELETE, &proxy.url, Some(&session), "*/*", None).await;
    assert_eq!(ended.status(), 200);
    let after = post(
        &proxy.url,
        Some(&session),
        json!({ "jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {} }),
    )
    .await;
    assert!(
        after.status().is_client_error(),
        "the server forgot the session: {}",
        after.status()
    );
}
