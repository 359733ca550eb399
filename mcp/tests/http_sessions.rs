//! The HTTP proxy carries the Streamable HTTP session as the real server-everything keeps
//! it: the session id the server hands out reaches the client, a GET with it opens the
//! server's SSE stream, the server's notifications arrive on it as they are sent, a GET
//! with Last-Event-ID resumes what was sent, and a DELETE ends the session on the server. Raw HTTP with protocol version 2025-06-18 (the
//! Python SDK in equivalence.rs speaks 2025-11-25). And the proxy stops on SIGTERM though
//! a client keeps such a stream open. Nothing is recorded here, so the proxy points at an
//! API that is not there.

mod common;

use std::time::Duration;

use common::{Recording, Served, http_proxy, server_everything_http};
use futures_util::StreamExt as _;
use reqwest::Method;
use serde_json::{Value, json};

const VERSION: &str = "2025-06-18";

/// Sends a `method` request to `url` with the headers a client sends in `session`, and
/// `headers`.
async fn send(
    method: Method,
    url: &str,
    session: Option<&str>,
    headers: &[(&str, &str)],
    message: Option<Value>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("mcp-protocol-version", VERSION);
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(message) = message {
        request = request.json(&message);
    }
    request.send().await.unwrap()
}

/// POSTs `message` in `session`.
async fn post(url: &str, session: Option<&str>, message: Value) -> reqwest::Response {
    let accept = [("accept", "application/json, text/event-stream")];
    send(Method::POST, url, session, &accept, Some(message)).await
}

/// SSE events as they arrive.
type Events = sse_stream::SseStream<
    sse_stream::ByteStreamBody<
        futures_util::stream::BoxStream<'static, Result<bytes::Bytes, reqwest::Error>>,
        bytes::Bytes,
    >,
>;

fn events(response: reqwest::Response) -> Events {
    sse_stream::SseStream::from_bytes_stream(response.bytes_stream().boxed())
}

/// The next JSON-RPC message on `events` that `wanted` accepts, with its event id.
async fn message_where(
    events: &mut Events,
    wanted: impl Fn(&Value) -> bool,
) -> (Option<String>, Value) {
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = events.next().await {
            let event = event.unwrap();
            let Some(data) = event.data.filter(|data| !data.is_empty()) else {
                continue;
            };
            let message: Value = serde_json::from_str(&data).unwrap();
            if wanted(&message) {
                return (event.id, message);
            }
        }
        panic!("the stream ended without such a message");
    });
    found.await.expect("a message in time")
}

/// server-everything over HTTP, the proxy in front of it, and the spool the proxy would use.
struct Setup {
    _server: Served,
    proxy: Served,
    _spool: tempfile::TempDir,
}

async fn setup() -> Setup {
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
    let api = "127.0.0.1:9".parse().unwrap();
    let proxy = http_proxy(api, &nobody, &spool.path().join("spool"), &server.url).await;
    Setup {
        _server: server,
        proxy,
        _spool: spool,
    }
}

/// Initializes a session through the proxy; returns its id and the id of the event that
/// carried the server's answer.
async fn open_session(url: &str) -> (String, String) {
    let initialized = post(
        url,
        None,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "protocolVersion": VERSION, "capabilities": {}, "clientInfo": { "name": "sessions-test", "version": "1" } } }),
    )
    .await;
    assert_eq!(initialized.status(), 200);
    let session = initialized.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let (event, answer) = message_where(&mut events(initialized), |_| true).await;
    assert_eq!(answer["result"]["protocolVersion"], VERSION);
    let done = post(
        url,
        Some(&session),
        json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }),
    )
    .await;
    assert_eq!(done.status(), 202);
    (
        session,
        event.expect("server-everything numbers its events"),
    )
}

/// Opens the server's SSE stream of `session` through the proxy.
async fn open_stream(url: &str, session: &str) -> reqwest::Response {
    let accept = [("accept", "text/event-stream")];
    let stream = send(Method::GET, url, Some(session), &accept, None).await;
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_is_opened_streamed_and_ended_through_the_proxy() {
    let Setup { proxy, .. } = &setup().await;
    let (session, initialized) = open_session(&proxy.url).await;

    // The server's own stream: open, and it carries what the server sends on it.
    let mut pushed = events(open_stream(&proxy.url, &session).await);
    // Simulated logging sends its first message at once, on the session's own stream.
    let logging = post(
        &proxy.url,
        Some(&session),
        json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": { "name": "toggle-simulated-logging", "arguments": {} } }),
    )
    .await;
    assert_eq!(logging.status(), 200);
    message_where(&mut pushed, |m| m["method"] == "notifications/message").await;
    message_where(&mut events(logging), |m| m["id"] == 2).await;

    // Resuming: given Last-Event-ID, the server replays what it sent after that event.
    let resume = [
        ("accept", "text/event-stream"),
        ("last-event-id", initialized.as_str()),
    ];
    let resumed = send(Method::GET, &proxy.url, Some(&session), &resume, None).await;
    assert_eq!(resumed.status(), 200);
    message_where(&mut events(resumed), |m| m["id"] == 2).await;

    // DELETE ends the session on the server: it no longer knows the id.
    let ended = send(Method::DELETE, &proxy.url, Some(&session), &[], None).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_stops_on_sigterm_though_a_client_keeps_a_stream_open() {
    // Bound by name, so that the server and the spool live as long as the test.
    let Setup {
        mut proxy,
        _server,
        _spool,
    } = setup().await;
    let (session, _) = open_session(&proxy.url).await;
    let stream = open_stream(&proxy.url, &session).await;

    let pid = i32::try_from(proxy.child.id().unwrap()).unwrap();
    // SAFETY: kill(2) sends a signal to the proxy this test started; it touches no memory.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = tokio::time::timeout(humanaios_mcp::http::SHUTDOWN_GRACE * 3, proxy.child.wait())
        .await
        .expect("the proxy stops in time")
        .unwrap();
    assert!(status.success(), "{status}");
    let mut rest = stream.bytes_stream();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(5), rest.next())
        .await
        .expect("the client's stream ended with the proxy")
    {
        if chunk.is_err() {
            break;
        }
    }
}
