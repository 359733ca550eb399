//! What the HTTP proxy does with the [`Gate`]'s decisions: an answer in the server's place
//! is a plain JSON response; a held message gets an SSE response at once, in which each
//! notification of the gate becomes an event and the final answer — the server's, once the
//! gate lets the message through, or the gate's own — the last events. A `tools/list`
//! answer is shown to the gate before the client sees it, so this one kind of answer is
//! read whole.

use std::convert::Infallible;
use std::future::Future;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;
use serde_json::Value;
use sse_stream::{Sse, SseStream};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::upstream::{self, Upstream};
use super::watch::{BodyKind, Watch};
use crate::gate::{Decision, Gate, Step};

/// What the HTTP proxy asks of a gate; [`Gate`] is the one the proxy runs with, tests
/// script others.
pub(crate) trait Checkpoint: Send + Sync + 'static {
    /// See [`Gate::is_open`].
    fn is_open(&self) -> bool;
    /// See [`Gate::check_in`].
    fn check(&self, scope: &str, message: &Value) -> Decision;
    /// See [`Gate::review_tools_list`].
    fn review_tools_list(&self, response: Value) -> impl Future<Output = Value> + Send;
}

impl Checkpoint for Gate {
    fn is_open(&self) -> bool {
        Gate::is_open(self)
    }

    fn check(&self, scope: &str, message: &Value) -> Decision {
        Gate::check_in(self, scope, message)
    }

    fn review_tools_list(&self, response: Value) -> impl Future<Output = Value> + Send {
        Gate::review_tools_list(self, response)
    }
}

/// The answer the gate gives in the server's place.
pub(crate) fn answered(message: Value, watch: &Watch) -> Response {
    watch.server(Bytes::from(message.to_string()));
    axum::Json(message).into_response()
}

/// One SSE event carrying a JSON-RPC message.
fn event(message: &Value) -> Bytes {
    write_event(&Sse::default().event("message").data(message.to_string()))
}

/// An SSE event as text. A `data` with line breaks takes one `data:` line per line, which
/// is what readers join back together (sse-stream's own `Into<Bytes>` writes it as one).
fn write_event(sse: &Sse) -> Bytes {
    let mut text = String::new();
    if let Some(id) = &sse.id {
        text.push_str(&format!("id: {id}\n"));
    }
    if let Some(name) = &sse.event {
        text.push_str(&format!("event: {name}\n"));
    }
    if let Some(retry) = sse.retry {
        text.push_str(&format!("retry: {retry}\n"));
    }
    if let Some(data) = &sse.data {
        for line in data.split('\n') {
            text.push_str(&format!("data: {line}\n"));
        }
    }
    text.push('\n');
    Bytes::from(text)
}

/// An SSE response fed from a channel, until the proxy stops.
fn event_stream(upstream: &Upstream, events: mpsc::Receiver<Bytes>) -> Response {
    let events = ReceiverStream::new(events).take_until(upstream.stopped());
    let body = Body::from_stream(events.map(Ok::<_, Infallible>));
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    response
}

/// A message the gate holds: answered at once with an SSE stream that follows the gate's
/// steps. A client that goes away ends the hold (the steps' channel is dropped, so the
/// gate learns of it) and nothing is forwarded.
pub(crate) fn held(
    upstream: std::sync::Arc<Upstream>,
    mut steps: mpsc::Receiver<Step>,
    headers: HeaderMap,
    body: Bytes,
    watch: Watch,
) -> Response {
    let (events, received) = mpsc::channel(16);
    let response = event_stream(&upstream, received);
    tokio::spawn(async move {
        loop {
            let step = tokio::select! {
                step = steps.recv() => step,
                // The client went away: the steps are dropped and nothing is forwarded.
                () = events.closed() => None,
            };
            let Some(step) = step else { return };
            match step {
                Step::Notify(notification) => {
                    if events.send(event(&notification)).await.is_err() {
                        return;
                    }
                }
                Step::Answer(answer) => {
                    watch.server(Bytes::from(answer.to_string()));
                    let _ = events.send(event(&answer)).await;
                    return;
                }
                Step::Forward => {
                    forward_into(&upstream, &headers, body, &watch, &events).await;
                    return;
                }
            }
        }
    });
    response
}

/// Forwards a held POST and relays the upstream's answer into the held stream: a JSON
/// body as one event, an SSE body event by event.
async fn forward_into(
    upstream: &Upstream,
    headers: &HeaderMap,
    body: Bytes,
    watch: &Watch,
    events: &mpsc::Sender<Bytes>,
) {
    let answer = match upstream
        .send(Method::POST, headers, Some(body.clone()))
        .await
    {
        Ok(answer) => answer,
        Err(err) => {
            let error = upstream.unreachable_error(&err, Some(&body));
            let _ = events.send(event(&error)).await;
            return;
        }
    };
    match upstream::body_kind(&answer) {
        BodyKind::EventStream => {
            let mut chunks = std::pin::pin!(upstream.tee(answer, Some(watch)));
            while let Some(Ok(chunk)) = chunks.next().await {
                if events.send(chunk).await.is_err() {
                    return;
                }
            }
        }
        BodyKind::Json => {
            let Ok(bytes) = answer.bytes().await else {
                return;
            };
            watch.server(bytes.clone());
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(message) => {
                    let _ = events.send(event(&message)).await;
                }
                Err(_) => tracing::warn!("the upstream answered a held call with broken JSON"),
            }
        }
        // An empty 202 (the held message was a notification) ends the stream as it is; a
        // failure without a message still tells the client its request failed.
        BodyKind::Other if !answer.status().is_success() => {
            let why = format!("the upstream MCP server answered {}", answer.status());
            let error = upstream::error_answering(Some(&body), &why);
            let _ = events.send(event(&error)).await;
        }
        BodyKind::Other => {}
    }
}

/// Relays the upstream's answer to a `tools/list` request once the gate has reviewed it.
pub(crate) async fn reviewed(
    gate: &impl Checkpoint,
    answer: reqwest::Response,
    watch: &Watch,
) -> Response {
    let kind = upstream::body_kind(&answer);
    let mut response = upstream::answer(&answer, Body::empty());
    let Ok(bytes) = answer.bytes().await else {
        *response.status_mut() = StatusCode::BAD_GATEWAY;
        return response;
    };
    let body = match kind {
        BodyKind::Json => match serde_json::from_slice::<Value>(&bytes) {
            Ok(message) => Bytes::from(review(gate, message).await.to_string()),
            Err(_) => bytes,
        },
        BodyKind::EventStream => review_events(gate, bytes).await,
        BodyKind::Other => bytes,
    };
    if kind != BodyKind::Other {
        watch_body(watch, kind, &body);
    }
    *response.body_mut() = Body::from(body);
    response
}

/// The gate's version of a response (requests and notifications pass as they are).
async fn review(gate: &impl Checkpoint, message: Value) -> Value {
    let is_response = message.get("method").is_none()
        && (message.get("result").is_some() || message.get("error").is_some());
    if is_response {
        gate.review_tools_list(message).await
    } else {
        message
    }
}

/// A whole SSE body with each response in it reviewed.
async fn review_events(gate: &impl Checkpoint, bytes: Bytes) -> Bytes {
    let chunks = futures_util::stream::once(async { Ok::<_, Infallible>(bytes) });
    let mut events = std::pin::pin!(SseStream::from_bytes_stream(chunks));
    let mut out = BytesMut::new();
    while let Some(Ok(mut sse)) = events.next().await {
        if let Some(message) = sse
            .data
            .as_deref()
            .and_then(|data| serde_json::from_str::<Value>(data).ok())
        {
            sse.data = Some(review(gate, message).await.to_string());
        }
        out.extend_from_slice(&write_event(&sse));
    }
    out.freeze()
}

/// Shows a whole (reviewed) body to the side reader.
fn watch_body(watch: &Watch, kind: BodyKind, body: &Bytes) {
    if let Some(side) = watch.response(kind) {
        let _ = side.send(body.clone());
    }
}
