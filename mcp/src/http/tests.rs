//! The proxy's handling of the gate's decisions and of an unreachable upstream, against a
//! small upstream that answers every request with its method (real MCP servers are in
//! mcp/tests/).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::StatusCode;
use axum::response::IntoResponse as _;
use axum::routing::post;
use futures_util::StreamExt as _;
use serde_json::json;
use tokio::sync::mpsc;

use super::*;
use crate::gate::Step;

/// A gate the test steers: holds the next message on the channel it was given, answers
/// when told to, and drops the tool `hidden` from `tools/list` answers.
#[derive(Default)]
struct Scripted {
    hold: Mutex<Option<mpsc::Receiver<Step>>>,
    answer: Option<Value>,
}

impl Checkpoint for Scripted {
    fn is_open(&self) -> bool {
        false
    }

    fn check(&self, _scope: &str, _message: &Value) -> Decision {
        if let Some(steps) = self.hold.lock().unwrap().take() {
            return Decision::Hold(steps);
        }
        match &self.answer {
            Some(answer) => Decision::Answer(answer.clone()),
            None => Decision::Forward,
        }
    }

    async fn review_tools_list(&self, mut response: Value) -> Value {
        if let Some(tools) = response["result"]["tools"].as_array_mut() {
            tools.retain(|tool| tool["name"] != "hidden");
        }
        response
    }
}

/// How the test upstream answers.
#[derive(Clone, Copy)]
enum Answers {
    Json,
    EventStream,
}

/// An upstream answering each request with `{"method": …, "authorization": …}` (the
/// header it got) and the tools `shown` and `hidden`, counting the requests it got.
async fn upstream(answers: Answers) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let app = Router::new()
        .route(
            "/mcp",
            post(
                move |headers: HeaderMap, body: axum::Json<Value>| async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let authorization = headers
                        .get("authorization")
                        .and_then(|value| value.to_str().ok());
                    let answer = json!({
                        "jsonrpc": "2.0",
                        "id": body["id"],
                        "result": {
                            "method": body["method"],
                            "authorization": authorization,
                            "tools": [{ "name": "shown" }, { "name": "hidden" }],
                        },
                    });
                    let mut response = match answers {
                        Answers::Json => axum::Json(answer).into_response(),
                        Answers::EventStream => {
                            format!("id: 1\ndata:\n\nevent: message\ndata: {answer}\n\n")
                                .into_response()
                        }
                    };
                    if let Answers::EventStream = answers {
                        response.headers_mut().insert(
                            axum::http::header::CONTENT_TYPE,
                            HeaderValue::from_static("text/event-stream"),
                        );
                    }
                    response
                },
            ),
        )
        .layer(axum::extract::DefaultBodyLimit::disable());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, count)
}

/// Starts the proxy in front of `upstream` with `gate`; returns its MCP URL and the
/// recorder's spool directory.
async fn proxy(upstream: String, gate: Scripted) -> (String, tempfile::TempDir) {
    proxy_authorizing(upstream, gate, None).await
}

/// [`proxy`] with `--upstream-authorization`.
async fn proxy_authorizing(
    upstream: String,
    gate: Scripted,
    authorization: Option<&str>,
) -> (String, tempfile::TempDir) {
    let spool = tempfile::tempdir().unwrap();
    let config = HttpConfig {
        upstream,
        upstream_authorization: authorization.map(str::to_owned),
        agent_id: "agent".into(),
    };
    // Nothing stops these proxies: the sender is dropped at once.
    let router = routes(
        config,
        gate,
        recorder(&spool),
        tokio::sync::watch::channel(false).1,
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{PATH}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, router, std::future::pending()));
    (url, spool)
}

/// A recorder whose API refuses connections, so what it records waits in a spool in
/// `dir` (recording is tested against a real API in mcp/tests/).
fn recorder(dir: &tempfile::TempDir) -> crate::recorder::Recorder {
    crate::recorder::start(crate::recorder::RecorderConfig {
        api_url: "http://127.0.0.1:9".into(),
        api_key: "unused".into(),
        spool: dir.path().join("spool"),
    })
    .0
}

/// A proxy whose gate holds the first message, following the steps sent on the channel
/// returned, in front of an upstream answering as `answers` says.
async fn holding(
    answers: Answers,
) -> (
    String,
    mpsc::Sender<Step>,
    Arc<AtomicUsize>,
    tempfile::TempDir,
) {
    let (upstream, count) = upstream(answers).await;
    let (url, steps, spool) = holding_for(upstream).await;
    (url, steps, count, spool)
}

/// [`holding`] in front of the upstream at `upstream`.
async fn holding_for(upstream: String) -> (String, mpsc::Sender<Step>, tempfile::TempDir) {
    let (steps, held) = mpsc::channel(4);
    let gate = Scripted {
        hold: Mutex::new(Some(held)),
        ..Scripted::default()
    };
    let (url, spool) = proxy(upstream, gate).await;
    (url, steps, spool)
}

async fn call(url: &str, message: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .json(&message)
        .send()
        .await
        .unwrap()
}

fn request(method: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": 7, "method": method, "params": {} })
}

/// The data of each SSE event, read one event at a time as they arrive.
struct Events(std::pin::Pin<Box<dyn futures_util::Stream<Item = sse_stream::Sse> + Send>>);

impl Events {
    fn of(response: reqwest::Response) -> Events {
        let events = sse_stream::SseStream::from_bytes_stream(response.bytes_stream())
            .filter_map(|event| async move { event.ok() });
        Events(Box::pin(events))
    }

    async fn next(&mut self) -> Option<Value> {
        loop {
            let event = self.0.next().await?;
            if let Some(data) = event.data.filter(|data| !data.is_empty()) {
                return Some(serde_json::from_str(&data).unwrap());
            }
        }
    }
}

#[tokio::test]
async fn large_messages_pass() {
    let (upstream, count) = upstream(Answers::Json).await;
    let (url, _spool) = proxy(upstream, Scripted::default()).await;
    let mut message = request("tools/call");
    message["params"]["arguments"] = json!({ "content": "x".repeat(8 * 1024 * 1024) });
    let answer = call(&url, message).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_message_the_gate_answers_never_reaches_the_server() {
    let (upstream, count) = upstream(Answers::Json).await;
    let denied = json!({ "jsonrpc": "2.0", "id": 7, "result": { "isError": true, "content": [] } });
    let gate = Scripted {
        answer: Some(denied.clone()),
        ..Scripted::default()
    };
    let (url, _spool) = proxy(upstream, gate).await;
    let answer = call(&url, request("tools/call")).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.json::<Value>().await.unwrap(), denied);
    assert_eq!(count.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_held_message_streams_each_notification_then_the_servers_answer() {
    let (url, steps, count, _spool) = holding(Answers::Json).await;
    let answer = call(&url, request("tools/call")).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["content-type"], "text/event-stream");
    let mut events = Events::of(answer);

    // Each notification reaches the client while the message is still held.
    for n in 1..=2 {
        let progress = json!({ "jsonrpc": "2.0", "method": "notifications/progress", "params": { "progress": n } });
        steps.send(Step::Notify(progress.clone())).await.unwrap();
        assert_eq!(events.next().await, Some(progress));
        assert_eq!(count.load(Ordering::SeqCst), 0, "not forwarded while held");
    }
    steps.send(Step::Forward).await.unwrap();
    let forwarded = events.next().await.unwrap();
    assert_eq!(forwarded["id"], 7);
    assert_eq!(forwarded["result"]["method"], "tools/call");
    assert_eq!(events.next().await, None, "the stream ends with the answer");
    assert_eq!(count.load(Ordering::SeqCst), 1, "forwarded exactly once");
}

#[tokio::test]
async fn a_held_message_whose_client_went_away_is_not_forwarded() {
    let (url, steps, count, _spool) = holding(Answers::Json).await;
    drop(call(&url, request("tools/call")).await);
    // The gate learns of it: its channel closes.
    tokio::time::timeout(std::time::Duration::from_secs(10), steps.closed())
        .await
        .expect("the hold ends with its client");
    assert!(steps.send(Step::Forward).await.is_err());
    assert_eq!(count.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_held_message_the_gate_answers_is_not_forwarded() {
    let (url, steps, count, _spool) = holding(Answers::EventStream).await;
    let rejected = json!({ "jsonrpc": "2.0", "id": 7, "result": { "isError": true, "content": [{ "type": "text", "text": "rejected" }] } });
    steps.send(Step::Answer(rejected.clone())).await.unwrap();
    let mut events = Events::of(call(&url, request("tools/call")).await);
    assert_eq!(events.next().await, Some(rejected));
    assert_eq!(events.next().await, None);
    assert_eq!(count.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_held_message_forwarded_to_an_sse_server_gets_its_events() {
    let (url, steps, count, _spool) = holding(Answers::EventStream).await;
    steps.send(Step::Forward).await.unwrap();
    let mut events = Events::of(call(&url, request("tools/call")).await);
    assert_eq!(
        events.next().await.unwrap()["result"]["method"],
        "tools/call"
    );
    assert_eq!(events.next().await, None);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn tools_list_answers_go_through_the_gates_review() {
    for answers in [Answers::Json, Answers::EventStream] {
        let (upstream, _) = upstream(answers).await;
        let (url, _spool) = proxy(upstream, Scripted::default()).await;
        let answer = call(&url, request("tools/list")).await;
        let message = match answers {
            Answers::Json => answer.json::<Value>().await.unwrap(),
            Answers::EventStream => Events::of(answer).next().await.unwrap(),
        };
        assert_eq!(message["result"]["tools"], json!([{ "name": "shown" }]));
    }
}

/// The URL of a port nothing listens on: bound, then closed.
async fn nowhere() -> String {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    format!("http://{}/mcp", closed.local_addr().unwrap())
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502_naming_it() {
    let upstream = nowhere().await;
    let (url, _spool) = proxy(upstream.clone(), Scripted::default()).await;
    let answer = call(&url, request("tools/call")).await;
    assert_eq!(answer.status(), StatusCode::BAD_GATEWAY);
    let error: Value = answer.json().await.unwrap();
    assert_eq!(error["id"], 7);
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains(&upstream), "{message}");
}

#[tokio::test]
async fn a_held_message_for_an_unreachable_upstream_ends_with_an_error() {
    let upstream = nowhere().await;
    let (url, steps, _spool) = holding_for(upstream.clone()).await;
    steps.send(Step::Forward).await.unwrap();
    let mut events = Events::of(call(&url, request("tools/call")).await);
    let error = events.next().await.unwrap();
    assert_eq!(error["id"], 7);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&upstream)
    );
    assert_eq!(events.next().await, None);
}

#[test]
fn the_upstream_must_be_an_http_url() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _entered = runtime.enter();
    let spool = tempfile::tempdir().unwrap();
    for upstream in ["not a url", "ftp://example.com/mcp"] {
        let config = HttpConfig {
            upstream: upstream.into(),
            upstream_authorization: None,
            agent_id: "agent".into(),
        };
        let err = routes(
            config,
            Gate::open(),
            recorder(&spool),
            tokio::sync::watch::channel(false).1,
        )
        .unwrap_err();
        assert!(err.to_string().contains(upstream), "{err}");
    }
}
