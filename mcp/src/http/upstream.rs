//! The upstream MCP server as the HTTP proxy sees it: which headers go to it and which come
//! back, sending a client's request on, and relaying the answer chunk by chunk (an SSE
//! stream reaches the client event by event, as the server sends it) while a copy of each
//! chunk goes to the side reader.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use bytes::Bytes;
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::watch::{BodyKind, Watch};

/// The session header of the Streamable HTTP transport.
pub(crate) const SESSION: HeaderName = HeaderName::from_static("mcp-session-id");

/// Client headers the upstream needs besides the protocol's own `Mcp-*` ones; every other
/// header (cookies, hop-by-hop headers, the proxy's own `Host`) stays on the client's side.
const TO_UPSTREAM: [HeaderName; 4] = [
    HeaderName::from_static("last-event-id"),
    header::ACCEPT,
    header::CONTENT_TYPE,
    header::AUTHORIZATION,
];

/// Upstream headers the client needs besides the protocol's own `Mcp-*` ones.
/// `WWW-Authenticate` is among them so that a client can discover how to authorize with a
/// server that answers 401.
const TO_CLIENT: [HeaderName; 2] = [header::CONTENT_TYPE, header::WWW_AUTHENTICATE];

/// Whether a header is one of the transport's own: `Mcp-Session-Id`, `MCP-Protocol-Version`,
/// and the `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*` of 2026-07-28 (which the server
/// checks against the body). Matching the prefix keeps headers of later versions passing.
fn is_mcp(name: &HeaderName) -> bool {
    name.as_str().starts_with("mcp-")
}

/// The headers of `from` that pass: the transport's own and those `named`.
fn passing<'a>(
    from: &'a HeaderMap,
    named: &'a [HeaderName],
) -> impl Iterator<Item = (&'a HeaderName, &'a HeaderValue)> {
    from.iter()
        .filter(move |(name, _)| is_mcp(name) || named.contains(name))
}

/// Where and how the proxy reaches the upstream server.
pub(crate) struct Upstream {
    pub(crate) url: reqwest::Url,
    /// Replaces the client's `Authorization` when set.
    pub(crate) authorization: Option<HeaderValue>,
    pub(crate) client: reqwest::Client,
    /// Turns true when the proxy stops: every stream it relays then ends.
    pub(crate) stopping: watch::Receiver<bool>,
}

impl Upstream {
    /// Sends the client's request on with the headers that matter.
    pub(crate) async fn send(
        &self,
        method: Method,
        headers: &HeaderMap,
        body: Option<Bytes>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut request = self.client.request(method, self.url.clone());
        for (name, value) in passing(headers, &TO_UPSTREAM) {
            if *name != header::AUTHORIZATION || self.authorization.is_none() {
                request = request.header(name, value);
            }
        }
        if let Some(authorization) = &self.authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        request.send().await
    }

    /// The answer to a client whose upstream cannot be reached: a JSON-RPC error naming the
    /// upstream, with the request's id when it has one.
    pub(crate) fn unreachable(&self, err: &reqwest::Error, body: Option<&[u8]>) -> Response {
        let message = self.unreachable_error(err, body);
        (StatusCode::BAD_GATEWAY, axum::Json(message)).into_response()
    }

    /// Completes once the proxy stops relaying streams (never, if nobody can stop it).
    pub(crate) fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stopping = self.stopping.clone();
        async move {
            if stopping.wait_for(|stop| *stop).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// The upstream's body as a stream of chunks, each also handed to `watch` (when given)
    /// to be read on the side; it ends early when the proxy stops.
    pub(crate) fn tee(
        &self,
        upstream: reqwest::Response,
        watch: Option<&Watch>,
    ) -> impl futures_util::Stream<Item = Result<Bytes, reqwest::Error>> + Send + 'static {
        let side = watch.and_then(|watch| watch.response(body_kind(&upstream)));
        upstream
            .bytes_stream()
            .inspect(move |chunk| {
                if let (Ok(chunk), Some(side)) = (chunk, &side) {
                    // Fails only if the side reader gave up; forwarding goes on regardless.
                    let _ = side.send(chunk.clone());
                }
            })
            .take_until(self.stopped())
    }

    /// Relays the upstream's answer as it comes.
    pub(crate) fn relay(&self, upstream: reqwest::Response, watch: Option<&Watch>) -> Response {
        let mut response = answer(&upstream, Body::empty());
        *response.body_mut() = Body::from_stream(self.tee(upstream, watch));
        response
    }

    /// The JSON-RPC error for a request the upstream could not be asked.
    pub(crate) fn unreachable_error(&self, err: &reqwest::Error, body: Option<&[u8]>) -> Value {
        tracing::warn!(upstream = %self.url, error = %err, "upstream unreachable");
        let cause = std::error::Error::source(err)
            .map(ToString::to_string)
            .unwrap_or_else(|| err.to_string());
        let why = format!(
            "the upstream MCP server {} is unreachable: {cause}",
            self.url
        );
        error_answering(body, &why)
    }
}

/// A JSON-RPC error saying `why`, answering the request in `body` (by its id, when it has
/// one).
pub(crate) fn error_answering(body: Option<&[u8]>, why: &str) -> Value {
    let id = body
        .and_then(|body| serde_json::from_slice::<Value>(body).ok())
        .and_then(|message| message.get("id").cloned())
        .unwrap_or(Value::Null);
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": -32000, "message": why },
    })
}

/// The upstream's status and the headers the client needs, with `body`.
pub(crate) fn answer(upstream: &reqwest::Response, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = upstream.status();
    for (name, value) in passing(upstream.headers(), &TO_CLIENT) {
        response.headers_mut().append(name, value.clone());
    }
    response
}

/// How the upstream's body is to be read.
pub(crate) fn body_kind(upstream: &reqwest::Response) -> BodyKind {
    BodyKind::of(
        upstream
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok()),
    )
}
