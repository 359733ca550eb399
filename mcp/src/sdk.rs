//! The SDK for MCP servers written in Rust with `rmcp`: instead of a proxy in front of the
//! server, one line in it. [`Monitor::start`] starts the background sender (the same
//! [`recorder`](crate::recorder) the proxy uses, spooling while the API is down) and
//! [`Monitor::wrap`] wraps any rmcp server — a `ServerHandler`, or any
//! `Service<RoleServer>` — into one that is served exactly as the original:
//!
//! ```no_run
//! # async fn example(my_server: impl rmcp::Service<rmcp::RoleServer>) -> anyhow::Result<()> {
//! use humanaios_mcp::sdk::{Monitor, MonitorConfig};
//! use rmcp::ServiceExt as _;
//!
//! let monitor = Monitor::start(MonitorConfig {
//!     api_url: "http://127.0.0.1:8080".into(),
//!     api_key: std::env::var("HUMANAIOS_API_KEY")?,
//!     agent_id: "my-agent".into(),
//!     spool: "humanaios-mcp.spool".into(),
//! });
//! let stdio = (tokio::io::stdin(), tokio::io::stdout());
//! monitor.wrap(my_server).serve(stdio).await?.waiting().await?;
//! monitor.finish().await;
//! # Ok(())
//! # }
//! ```
//!
//! The wrapper sits at the `Service` level, so every request, notification, capability and
//! protocol version of the wrapped server passes through untouched; it only notes each
//! `tools/call` and its answer (a `TOOL_CALL` activity) and each request answered with a
//! JSON-RPC error (an `ERROR` activity), as the proxy does, and hands the activity to the
//! recorder's queue, which never blocks: a slow or unreachable API neither slows nor fails
//! a tool.

use std::borrow::Cow;
use std::path::PathBuf;

use rmcp::model::{
    CallToolResult, ClientNotification, ClientRequest, ErrorData, ProtocolVersion, ServerResult,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{RoleServer, Service};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::activity::{Activities, Started};
use crate::recorder::{self, Recorder, RecorderConfig};

/// Where and as whom a wrapped server's tool calls are recorded.
#[derive(Debug, Clone)]
pub struct MonitorConfig {
    /// The HumanAIOS API's base URL, e.g. `http://127.0.0.1:8080`.
    pub api_url: String,
    /// An API key with the ingest scope.
    pub api_key: String,
    /// The agent the calls are recorded for (its id in HumanAIOS).
    pub agent_id: String,
    /// Where activities wait while the API cannot take them.
    pub spool: PathBuf,
}

/// The recording side of the SDK: one background sender that every server it wraps
/// shares.
pub struct Monitor {
    recorder: Recorder,
    agent_id: String,
    /// What [`Monitor::tool`] records: one run for the monitor's life.
    tools: Activities,
    sender: tokio::task::JoinHandle<()>,
}

impl Monitor {
    /// Starts the background sender. Must be called inside a Tokio runtime.
    pub fn start(config: MonitorConfig) -> Monitor {
        let (recorder, sender) = recorder::start(RecorderConfig {
            api_url: config.api_url,
            api_key: config.api_key,
            spool: config.spool,
        });
        Monitor {
            recorder,
            tools: Activities::new(config.agent_id.clone(), Uuid::now_v7()),
            agent_id: config.agent_id,
            sender,
        }
    }

    /// Wraps `server`; serve the result as you would have served `server`, over any
    /// transport rmcp serves a `Service` on. Each wrapped server is one run.
    ///
    /// rmcp's Streamable HTTP server (`StreamableHttpService`) takes only a
    /// `ServerHandler` (it reads tool schemas through `ServerHandler::get_tool`), which the
    /// wrapper is not: it wraps at the `Service` level so that nothing of the inner server
    /// is re-implemented, and therefore nothing can be forgotten. A server served over
    /// Streamable HTTP records its tools with [`Monitor::tool`] instead.
    pub fn wrap<S: Service<RoleServer>>(&self, server: S) -> Monitored<S> {
        Monitored {
            inner: server,
            recorder: self.recorder.clone(),
            activities: Activities::new(self.agent_id.clone(), Uuid::now_v7()),
        }
    }

    /// Records one tool's calls from inside its handler — the product spec's
    /// `monitor.wrap(handler)` for a single tool — whatever serves the server, rmcp's
    /// Streamable HTTP server included:
    ///
    /// ```text
    /// #[tool(description = "Today's weather")]
    /// async fn get_weather(&self, Parameters(city): Parameters<City>) -> Result<CallToolResult, ErrorData> {
    ///     self.monitor.tool("get_weather", &city, async { /* the tool */ }).await
    /// }
    /// ```
    ///
    /// `call` runs unchanged and its answer is returned as it is; the `TOOL_CALL` (or, for
    /// an `Err`, `ERROR`) activity goes to the background sender, which never blocks.
    pub async fn tool<A, F>(
        &self,
        name: &str,
        arguments: &A,
        call: F,
    ) -> Result<CallToolResult, ErrorData>
    where
        A: serde::Serialize + ?Sized,
        F: std::future::Future<Output = Result<CallToolResult, ErrorData>>,
    {
        let started = Started::now();
        let answer = call.await;
        let arguments = serde_json::to_value(arguments).unwrap_or(Value::Null);
        let tool = Some((name, &arguments));
        if let Some(activity) = activity_of(&self.tools, &started, "tools/call", tool, &answer) {
            self.recorder.record(activity);
        }
        answer
    }

    /// Waits until every activity is sent or spooled. The sender ends once the monitor and
    /// every server it wrapped are dropped, so drop (or stop serving) those first.
    pub async fn finish(self) {
        let Monitor {
            recorder, sender, ..
        } = self;
        drop(recorder);
        if let Err(err) = sender.await {
            tracing::error!(error = %err, "the activity sender failed");
        }
    }
}

/// A server wrapped by [`Monitor::wrap`]: itself an rmcp server, answering exactly as the
/// one inside.
pub struct Monitored<S> {
    inner: S,
    recorder: Recorder,
    activities: Activities,
}

impl<S> Monitored<S> {
    /// The wrapped server.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Records the answer to a request for `method` (for `tools/call`, `tool` is the tool
    /// and its arguments).
    fn record(
        &self,
        started: &Started,
        method: &str,
        tool: Option<(&str, &Value)>,
        answer: &Result<ServerResult, ErrorData>,
    ) {
        if let Some(activity) = activity_of(&self.activities, started, method, tool, answer) {
            self.recorder.record(activity);
        }
    }
}

/// What the answer to a request for `method` records: every tool call (`tool` is the tool
/// and its arguments), and a JSON-RPC error answering any request.
fn activity_of<T: serde::Serialize>(
    activities: &Activities,
    started: &Started,
    method: &str,
    tool: Option<(&str, &Value)>,
    answer: &Result<T, ErrorData>,
) -> Option<Value> {
    match (answer, tool) {
        (Ok(result), Some((name, arguments))) => {
            let result = serde_json::to_value(result).unwrap_or(Value::Null);
            Some(activities.tool_call(started, name, arguments, &result))
        }
        (Ok(_), None) => None,
        (Err(error), tool) => {
            let error = serde_json::to_value(error).unwrap_or(Value::Null);
            Some(activities.error(started, method, tool, &error))
        }
    }
}

impl<S: Service<RoleServer>> Service<RoleServer> for Monitored<S> {
    async fn handle_request(
        &self,
        request: ClientRequest,
        context: RequestContext<RoleServer>,
    ) -> Result<ServerResult, ErrorData> {
        let method = request.method().to_owned();
        let tool = match &request {
            ClientRequest::CallToolRequest(call) => Some((
                call.params.name.to_string(),
                call.params
                    .arguments
                    .clone()
                    .map_or_else(|| json!({}), Value::Object),
            )),
            _ => None,
        };
        let started = Started::now();
        let answer = self.inner.handle_request(request, context).await;
        let tool = tool
            .as_ref()
            .map(|(name, arguments)| (name.as_str(), arguments));
        self.record(&started, &method, tool, &answer);
        answer
    }

    async fn handle_notification(
        &self,
        notification: ClientNotification,
        context: NotificationContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.inner.handle_notification(notification, context).await
    }

    fn get_info(&self) -> <RoleServer as rmcp::service::ServiceRole>::Info {
        self.inner.get_info()
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        self.inner.supported_protocol_versions()
    }
}
