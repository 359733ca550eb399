//! Where the proxies under test record to: a tiny local HTTP server that counts the
//! activities the recorder delivers to `POST /api/v1/ingest`. Without a real API it stands
//! in for the few endpoints the proxy calls (ingest, the agent's spend, tool pinning) with
//! harmless answers; with one, it relays every request to that API and counts only the
//! activities the API accepted. Either way the bench learns how many recordings arrived.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse as _, Response};
use serde_json::json;

const INGEST: &str = "/api/v1/ingest";

/// A batch of activities, each skipped over unread.
#[derive(serde::Deserialize)]
struct Ingest {
    activities: Vec<serde::de::IgnoredAny>,
}

/// A running sink; it stops when dropped.
pub struct Sink {
    /// Its base URL, to give the proxy as `--api-url`.
    pub url: String,
    state: Arc<SinkState>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct SinkState {
    received: AtomicUsize,
    relay: Option<Relay>,
}

/// The real API requests are relayed to.
struct Relay {
    client: reqwest::Client,
    api_url: String,
}

impl Sink {
    /// Starts a sink on a free loopback port; `api_url` is a real API to relay to.
    pub async fn start(api_url: Option<String>) -> anyhow::Result<Sink> {
        let relay = match api_url {
            Some(api_url) => Some(Relay {
                client: reqwest::Client::builder().build()?,
                api_url: api_url.trim_end_matches('/').to_owned(),
            }),
            None => None,
        };
        let state = Arc::new(SinkState {
            received: AtomicUsize::new(0),
            relay,
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(err) = served.await {
                tracing::error!(error = %err, "the bench's recording sink stopped");
            }
        });
        Ok(Sink {
            url,
            state,
            _stop: stop,
        })
    }

    /// How many activities have been received (accepted by the API, when relaying).
    pub fn received(&self) -> usize {
        self.state.received.load(Ordering::SeqCst)
    }

    /// Whether recordings go on to a real API.
    pub fn relays(&self) -> bool {
        self.state.relay.is_some()
    }
}

async fn handle(
    State(state): State<Arc<SinkState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ingest = method == Method::POST && uri.path() == INGEST;
    let activities = if ingest {
        // Counted, not read: the sink shares the machine with what it measures.
        match serde_json::from_slice::<Ingest>(&body) {
            Ok(ingest) => ingest.activities.len(),
            Err(_) => {
                return (StatusCode::BAD_REQUEST, "expected {\"activities\": [...]}")
                    .into_response();
            }
        }
    } else {
        0
    };
    let (status, answer) = match &state.relay {
        Some(relay) => match relay.forward(method, &uri, &headers, body).await {
            Ok(answered) => answered,
            Err(err) => {
                let why = format!("{:#}", anyhow::Error::from(err));
                return (StatusCode::BAD_GATEWAY, why).into_response();
            }
        },
        None => stand_in(&method, uri.path(), activities),
    };
    if ingest && status.is_success() {
        state.received.fetch_add(activities, Ordering::SeqCst);
    }
    (status, [(header::CONTENT_TYPE, "application/json")], answer).into_response()
}

impl Relay {
    /// Sends the request on to the API as it came; returns the API's status and body.
    async fn forward(
        &self,
        method: Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) -> reqwest::Result<(StatusCode, Bytes)> {
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.api_url))
            .body(body);
        for name in [header::AUTHORIZATION, header::CONTENT_TYPE] {
            if let Some(value) = headers.get(&name) {
                request = request.header(name, value);
            }
        }
        let answer = request.send().await?;
        Ok((answer.status(), answer.bytes().await?))
    }
}

/// The answers of the API's endpoints the proxy calls, as for an agent with no budget
/// limit and unchanged tools; anything else is not found.
fn stand_in(method: &Method, path: &str, activities: usize) -> (StatusCode, Bytes) {
    let answer = match (method, path) {
        (&Method::POST, INGEST) => json!({ "accepted": activities }),
        (&Method::GET, p) if p.starts_with("/api/v1/agents/") && p.ends_with("/spend") => {
            json!({ "exhausted": false, "costUsd": "0", "limitUsd": null })
        }
        (&Method::POST, "/api/v1/mcp/tools") => json!({ "items": [] }),
        _ => {
            let body = json!({ "error": { "message": "not part of the bench's stand-in API" } });
            return (StatusCode::NOT_FOUND, Bytes::from(body.to_string()));
        }
    };
    (StatusCode::OK, Bytes::from(answer.to_string()))
}
