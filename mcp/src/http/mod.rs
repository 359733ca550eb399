//! The Streamable HTTP proxy: listens where the agent's MCP client connects
//! (`http://ADDR/mcp`) and forwards each POST, GET (an SSE stream) and DELETE to the
//! upstream server with the headers that matter, returning the upstream's status, headers
//! and body as they come. Messages pass unchanged in both directions; [`watch`] reads them
//! on the side and records each tool call. Before a POST is forwarded the [`Gate`] decides
//! about it ([`gated`]). The protocol version is not checked: 2025-06-18, 2025-11-25 and
//! the sessionless 2026-07-28 all pass through alike.

mod gated;
mod upstream;
pub(crate) mod watch;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::Response;
use axum::routing::post;
use axum::serve::ListenerExt as _;
use bytes::Bytes;
use serde_json::Value;

use self::gated::Checkpoint;
use self::upstream::{SESSION, Upstream};
use self::watch::Watchers;
use crate::gate::{Decision, Gate};
use crate::recorder::Recorder;

/// The path the proxy serves MCP at.
pub const PATH: &str = "/mcp";
/// How long connecting to the upstream may take (a request, once connected, may last as
/// long as its SSE stream does).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest message a client may POST. axum's default (2 MiB) would refuse tool calls the
/// server takes (a file written through server-filesystem); the server sets its own limit.
const MAX_REQUEST_BODY: usize = 64 * 1024 * 1024;
/// How long requests under way may take to finish once the proxy is told to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How the HTTP proxy is set up. (No `Debug`: it holds a credential.)
#[derive(Clone)]
pub struct HttpConfig {
    /// The upstream MCP endpoint, e.g. `http://127.0.0.1:3001/mcp`.
    pub upstream: String,
    /// Sent as `Authorization` to the upstream instead of the client's own, when set.
    pub upstream_authorization: Option<String>,
    /// The agent the calls are recorded for.
    pub agent_id: String,
}

/// Everything a request handler needs.
struct Proxy<G> {
    upstream: Arc<Upstream>,
    gate: G,
    watchers: Watchers,
}

/// The proxy's routes; the streams they relay end when `stopping` turns true.
fn routes<G: Checkpoint>(
    config: HttpConfig,
    gate: G,
    recorder: Recorder,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Router> {
    let url = reqwest::Url::parse(&config.upstream)
        .with_context(|| format!("--upstream {} is not a URL", config.upstream))?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https"),
        "--upstream {url} is not an http(s) URL"
    );
    let authorization = config
        .upstream_authorization
        .map(|value| HeaderValue::try_from(value).context("--upstream-authorization"))
        .transpose()?;
    // reqwest is built without a TLS provider of its own; this is a no-op where the program
    // installed one already (main does), and keeps the builder from panicking where not.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .context("building the HTTP client")?;
    let proxy = Arc::new(Proxy {
        upstream: Arc::new(Upstream {
            url,
            authorization,
            client,
            stopping,
        }),
        gate,
        watchers: Watchers::new(config.agent_id, recorder),
    });
    Ok(Router::new()
        .route(
            PATH,
            post(forward_post::<G>)
                .get(forward_get::<G>)
                .delete(forward_delete::<G>),
        )
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .with_state(proxy))
}

/// Serves `router` on `listener` until `shutdown` completes and every request has ended.
async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Without TCP_NODELAY, an answer streamed in several writes waits for the client's
    // delayed ACK (~40 ms a call on Linux).
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!(error = %err, "TCP_NODELAY not set");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving the HTTP proxy")
}

/// Runs the HTTP proxy on `listen` (saying where on stderr) until Ctrl-C or SIGTERM.
/// Requests under way then get [`SHUTDOWN_GRACE`] to finish; the streams still open after
/// it are ended, since an SSE stream lasts as long as its client wants.
pub async fn run(
    listen: SocketAddr,
    config: HttpConfig,
    gate: Gate,
    recorder: Recorder,
) -> anyhow::Result<()> {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let router = routes(config, gate, recorder, stopping)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to learn the port of `--listen 127.0.0.1:0`.
    eprintln!("humanaios-mcp: listening on http://{addr}{PATH}");
    let (signalled, signal) = tokio::sync::oneshot::channel();
    let served = serve(listener, router, async {
        stopped().await;
        let _ = signalled.send(());
    });
    tokio::pin!(served);
    tokio::select! {
        served = &mut served => return served,
        Ok(()) = signal => {}
    }
    if let Ok(served) = tokio::time::timeout(SHUTDOWN_GRACE, &mut served).await {
        return served;
    }
    let _ = stop.send(true);
    // A request still waiting for the upstream's first byte is no stream; it is not waited
    // for past a second grace period.
    tokio::time::timeout(SHUTDOWN_GRACE, served)
        .await
        .unwrap_or(Ok(()))
}

/// Completes on Ctrl-C or SIGTERM.
async fn stopped() {
    let interrupted = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = interrupted.await;
            return;
        };
        tokio::select! {
            _ = interrupted => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupted.await;
}

fn session(headers: &HeaderMap) -> Option<&str> {
    headers.get(SESSION).and_then(|value| value.to_str().ok())
}

/// A client's message: asks the gate, then forwards it (or answers, or holds it).
async fn forward_post<G: Checkpoint>(
    State(proxy): State<Arc<Proxy<G>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let watch = proxy.watchers.watch(session(&headers));
    let (decision, review) = if proxy.gate.is_open() {
        (Decision::Forward, false)
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(message) => {
                // Request ids are per session; a sessionless exchange is its own scope.
                let scope = session(&headers)
                    .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
                let decision = proxy.gate.check(&scope, &message);
                (decision, crate::gate::lists_tools(&message).is_some())
            }
            // Not JSON: the server will say so.
            Err(_) => (Decision::Forward, false),
        }
    };
    watch.client(body.clone());
    match decision {
        Decision::Forward => {
            match proxy
                .upstream
                .send(Method::POST, &headers, Some(body.clone()))
                .await
            {
                Ok(answer) if review => gated::reviewed(&proxy.gate, answer, &watch).await,
                Ok(answer) => proxy.upstream.relay(answer, Some(&watch)),
                Err(err) => proxy.upstream.unreachable(&err, Some(&body)),
            }
        }
        Decision::Answer(message) => gated::answered(message, &watch),
        Decision::Hold(steps) => gated::held(proxy.upstream.clone(), steps, headers, body, watch),
    }
}

/// The stream on which the server sends requests and notifications of its own.
async fn forward_get<G: Checkpoint>(
    State(proxy): State<Arc<Proxy<G>>>,
    headers: HeaderMap,
) -> Response {
    let watch = proxy.watchers.watch(session(&headers));
    match proxy.upstream.send(Method::GET, &headers, None).await {
        Ok(answer) => proxy.upstream.relay(answer, Some(&watch)),
        Err(err) => proxy.upstream.unreachable(&err, None),
    }
}

/// The client ends its session.
async fn forward_delete<G: Checkpoint>(
    State(proxy): State<Arc<Proxy<G>>>,
    headers: HeaderMap,
) -> Response {
    match proxy.upstream.send(Method::DELETE, &headers, None).await {
        Ok(answer) => {
            if answer.status().is_success()
                && let Some(session) = session(&headers)
            {
                proxy.watchers.end(session);
            }
            proxy.upstream.relay(answer, None)
        }
        Err(err) => proxy.upstream.unreachable(&err, None),
    }
}

#[cfg(test)]
mod tests;
