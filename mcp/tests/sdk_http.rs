//! The SDK's per-tool wrapper, `Monitor::tool`, inside an rmcp server served by rmcp's
//! Streamable HTTP server (which takes a `ServerHandler`, so the server-level wrapper cannot
//! serve there): the tools answer as they would unwrapped, and each call — a result, a
//! tool's own error, a JSON-RPC error — lands as an activity in a real HumanAIOS server on
//! SQLite and PostgreSQL.

mod common;

use std::sync::Arc;

use common::{Recording, activities, recording_api, summary};
use humanaios::on_both_backends;
use humanaios::testing::Backend;
use humanaios_mcp::sdk::{Monitor, MonitorConfig};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, ErrorData, Implementation, ServerCapabilities, ServerConfig,
};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `weather`'s arguments.
#[derive(Deserialize, Serialize, JsonSchema)]
struct City {
    city: String,
}

/// A server whose tools record themselves with the monitor.
#[derive(Clone)]
struct Weather {
    monitor: Arc<Monitor>,
}

#[tool_router]
impl Weather {
    #[tool(description = "Today's weather in a city.")]
    async fn weather(
        &self,
        Parameters(city): Parameters<City>,
    ) -> Result<CallToolResult, ErrorData> {
        self.monitor
            .tool("weather", &city, async {
                match city.city.as_str() {
                    "Atlantis" => Ok(CallToolResult::error(vec![ContentBlock::text(
                        "no station under the sea",
                    )])),
                    "" => Err(ErrorData::invalid_params("a city is required", None)),
                    name => Ok(CallToolResult::success(vec![ContentBlock::text(format!(
                        "Sunny in {name}"
                    ))])),
                }
            })
            .await
    }
}

#[tool_handler]
impl ServerHandler for Weather {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("weather", "1.0.0"))
    }
}

/// Serves `server` over stateless Streamable HTTP on a free port; returns its MCP URL.
async fn serve(server: Weather) -> String {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .disable_allowed_hosts();
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let router = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/mcp")
}

/// One JSON-RPC request over Streamable HTTP; the response, whether the server answered
/// with JSON or with an SSE stream.
async fn call(url: &str, id: i64, method: &str, params: Value) -> Value {
    let answer = reqwest::Client::new()
        .post(url)
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2025-06-18")
        .json(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    let body = answer.text().await.unwrap();
    let messages: Vec<Value> = if body.trim_start().starts_with('{') {
        vec![serde_json::from_str(&body).unwrap()]
    } else {
        body.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|data| serde_json::from_str(data.trim()).ok())
            .collect()
    };
    messages
        .into_iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no answer to {id} in {body}"))
}

async fn each_tool_call_served_over_http_is_recorded(backend: Backend) {
    let (database, api, recording) = recording_api(backend).await;
    let Recording { token, agent, key } = &recording;
    let monitor = Arc::new(Monitor::start(MonitorConfig {
        api_url: format!("http://{}", api.addr),
        api_key: key.clone(),
        agent_id: agent.clone(),
        spool: database.dir.join("sdk.spool"),
    }));
    let url = serve(Weather {
        monitor: monitor.clone(),
    })
    .await;

    let weather = |city: &str| json!({ "name": "weather", "arguments": { "city": city } });
    let sunny = call(&url, 1, "tools/call", weather("Lisbon")).await;
    assert_eq!(sunny["result"]["content"][0]["text"], "Sunny in Lisbon");
    let sunk = call(&url, 2, "tools/call", weather("Atlantis")).await;
    assert_eq!(sunk["result"]["isError"], true);
    let refused = call(&url, 3, "tools/call", weather("")).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");

    let recorded = activities(api.addr, token, agent, 3).await;
    assert_eq!(
        summary(&recorded),
        [
            ("TOOL_CALL", "weather", "OK"),
            ("TOOL_CALL", "weather", "ERROR"),
            ("ERROR", "weather", "ERROR"),
        ]
    );
    assert_eq!(
        recorded[0]["payload"]["arguments"],
        json!({ "city": "Lisbon" })
    );
    assert_eq!(recorded[1]["errorMessage"], "no station under the sea");
    assert_eq!(recorded[2]["errorMessage"], "a city is required");
    assert!(
        recorded.iter().all(|a| a["runId"] == recorded[0]["runId"]),
        "one monitor, one run"
    );
}

on_both_backends!(each_tool_call_served_over_http_is_recorded);
