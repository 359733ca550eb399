//! The SDK: a small rmcp tool server, wrapped with `Monitor::wrap` and driven by rmcp's
//! own client over an in-memory duplex transport, answers exactly as the same server
//! unwrapped; its calls land as activities in a real HumanAIOS server on SQLite and
//! PostgreSQL, and with the API down the tools still answer and the calls wait in the
//! spool file.

mod common;

use std::time::{Duration, Instant};

use common::{Recording, activities, agent_with_key, start_api, summary};
use humanaios::on_both_backends;
use humanaios::testing::{Backend, TestDatabase};
use humanaios_mcp::sdk::{Monitor, MonitorConfig};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ContentBlock, Implementation, ReadResourceRequestParams,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{
    ClientHandler, RoleClient, RoleServer, ServerHandler, Service, ServiceExt as _, tool,
    tool_handler, tool_router,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// `add`'s arguments.
#[derive(Deserialize, JsonSchema)]
struct Sum {
    a: i64,
    b: i64,
}

/// The server under test: a tool that works, one that talks to the client while it works,
/// one that reports a failure.
#[derive(Clone)]
struct Calculator;

#[tool_router]
impl Calculator {
    #[tool(description = "Adds two integers.")]
    async fn add(&self, Parameters(Sum { a, b }): Parameters<Sum>) -> String {
        (a + b).to_string()
    }

    #[tool(description = "Tells the client, while it works, that the tool list changed.")]
    async fn announce(&self, context: RequestContext<RoleServer>) -> String {
        context
            .peer
            .notify_tool_list_changed()
            .await
            .expect("the client hears the notification");
        "announced".to_owned()
    }

    #[tool(description = "Always fails, as a tool does when the world lets it down.")]
    async fn fail(&self) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text("disk full")])
    }
}

#[tool_handler]
impl ServerHandler for Calculator {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .build(),
        )
        .with_server_info(Implementation::new("calculator", "1.0.0"))
        .with_instructions("Adds.")
    }
}

/// The client's side: tells the test each time it hears the server's tool list changed.
struct Listener {
    heard: tokio::sync::mpsc::UnboundedSender<()>,
}

impl ClientHandler for Listener {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        let _ = self.heard.send(());
    }
}

/// Serves `server` over an in-memory duplex and has rmcp's client run the conversation
/// every test has: initialize, list the tools, add, a tool that notifies the client, a
/// failing tool, an unknown tool, and a resource from a server that has none.
/// Returns everything the client saw, as JSON; the server has stopped when it returns.
async fn converse<S: Service<RoleServer>>(server: S) -> Vec<Value> {
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let serving = tokio::spawn(async move {
        let running = server.serve(server_end).await.expect("the server starts");
        running.waiting().await.expect("the server stops cleanly");
    });
    let (heard, mut hearing) = tokio::sync::mpsc::unbounded_channel();
    let client = Listener { heard }
        .serve(client_end)
        .await
        .expect("the client connects");
    let mut seen = vec![
        json!(client.peer_info()),
        json!(client.list_all_tools().await.unwrap()),
    ];
    for (tool, arguments) in [
        ("add", json!({ "a": 2, "b": 40 })),
        ("announce", json!({})),
        ("fail", json!({})),
        ("no-such-tool", json!({ "x": 1 })),
    ] {
        let params =
            CallToolRequestParams::new(tool).with_arguments(arguments.as_object().unwrap().clone());
        seen.push(match client.call_tool(params).await {
            Ok(result) => json!({ "result": result }),
            Err(error) => json!({ "error": error.to_string() }),
        });
    }
    // Bounded, so that a lost notification fails the test instead of hanging it.
    let heard = tokio::time::timeout(Duration::from_secs(20), hearing.recv()).await;
    seen.push(json!({ "toolListChanged": matches!(heard, Ok(Some(()))) }));
    let read = ReadResourceRequestParams::new("test://no-such-resource");
    seen.push(match client.read_resource(read).await {
        Ok(result) => json!({ "result": result }),
        Err(error) => json!({ "error": error.to_string() }),
    });
    client.cancel().await.unwrap();
    serving.await.unwrap();
    seen
}

async fn answers_are_unchanged_and_each_call_is_recorded(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let api = start_api(&database, "127.0.0.1:0".parse().unwrap()).await;
    let recording = agent_with_key(api.addr).await;
    let Recording { token, agent, key } = &recording;
    let expected = converse(Calculator).await;

    let spool = database.dir.join("sdk.spool");
    let monitor = Monitor::start(MonitorConfig {
        api_url: format!("http://{}", api.addr),
        api_key: key.clone(),
        agent_id: agent.clone(),
        spool: spool.clone(),
    });
    let got = converse(monitor.wrap(Calculator)).await;
    assert_eq!(got, expected);
    assert_eq!(got[0]["serverInfo"]["name"], "calculator", "{}", got[0]);
    assert_eq!(got[2]["result"]["content"][0]["text"], "42", "{}", got[2]);
    assert_eq!(
        got[6]["toolListChanged"], true,
        "the server's notification came through"
    );
    assert!(
        got[5]["error"].as_str().unwrap().contains("tool not found"),
        "{}",
        got[5]
    );
    monitor.finish().await;

    let recorded = activities(api.addr, token, agent, 5).await;
    assert_eq!(
        summary(&recorded),
        [
            ("TOOL_CALL", "add", "OK"),
            ("TOOL_CALL", "announce", "OK"),
            ("TOOL_CALL", "fail", "ERROR"),
            ("ERROR", "no-such-tool", "ERROR"),
            ("ERROR", "resources/read", "ERROR"),
        ]
    );
    assert_eq!(
        recorded[0]["payload"]["arguments"],
        json!({ "a": 2, "b": 40 })
    );
    assert_eq!(recorded[0]["payload"]["isError"], false);
    assert_eq!(recorded[2]["errorMessage"], "disk full");
    assert_eq!(recorded[3]["payload"]["method"], "tools/call");
    assert_eq!(recorded[3]["payload"]["arguments"], json!({ "x": 1 }));
    assert_eq!(recorded[4]["payload"]["code"], -32601, "{}", recorded[4]);
    let run = &recorded[0]["runId"];
    assert!(
        run.is_string() && recorded.iter().all(|a| a["runId"] == *run),
        "one wrapped server, one run"
    );
    assert!(!spool.exists(), "nothing had to wait");
}

on_both_backends!(answers_are_unchanged_and_each_call_is_recorded);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_api_down_tools_answer_at_once_and_calls_wait_in_the_spool() {
    // An address nothing listens on: bound for a moment, then let go.
    let nowhere = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("sdk.spool");
    let expected = converse(Calculator).await;

    let monitor = Monitor::start(MonitorConfig {
        api_url: format!("http://{nowhere}"),
        api_key: "hai_unused".into(),
        agent_id: "offline-agent".into(),
        spool: spool.clone(),
    });
    let begun = Instant::now();
    let got = converse(monitor.wrap(Calculator)).await;
    let took = begun.elapsed();
    assert_eq!(got, expected, "a down API changes no answer");
    // The recorder gives each request 10 s; the calls never wait for it.
    assert!(
        took < Duration::from_secs(5),
        "the conversation took {took:?}"
    );
    monitor.finish().await;

    let spooled: Vec<Value> = std::fs::read_to_string(&spool)
        .expect("the calls wait in the spool")
        .lines()
        .flat_map(|line| serde_json::from_str::<Vec<Value>>(line).unwrap())
        .collect();
    assert_eq!(
        summary(&spooled),
        [
            ("TOOL_CALL", "add", "OK"),
            ("TOOL_CALL", "announce", "OK"),
            ("TOOL_CALL", "fail", "ERROR"),
            ("ERROR", "no-such-tool", "ERROR"),
            ("ERROR", "resources/read", "ERROR"),
        ]
    );
    assert!(spooled.iter().all(|a| a["agentId"] == "offline-agent"));
}
