//! What the proxy's tests share: a real HumanAIOS API to record with (and to read the
//! recorded activities back from), the npm MCP servers, the proxy binary in its stdio and
//! HTTP forms, and the Python conversation (mcp_conversation.py) that compares a server's
//! answers with and without the proxy. Each test binary uses a part of it.
#![allow(dead_code)]

pub mod session;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use humanaios::config::Config;
use humanaios::startup::App;
use humanaios::testing::{Backend, TestDatabase};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

const SECRET: &str = "proxy-test-secret-proxy-test-secret-0123";

/// A running API server; dropping it stops the server (the database lives in `database`).
pub struct Api {
    pub addr: SocketAddr,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn start_api(database: &TestDatabase, bind: SocketAddr) -> Api {
    humanaios::startup::install_tls_provider();
    let config = Config {
        bind,
        database_url: Some(database.url.clone()),
        data_dir: database.dir.clone(),
        db_max_connections: 5,
        jwt_secret: Some(SECRET.to_owned().into()),
        ..Config::default()
    };
    let app = App::build(config).await.expect("the API builds");
    let addr = app.local_addr();
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    Api {
        addr,
        _shutdown: shutdown,
    }
}

pub async fn graphql(
    addr: SocketAddr,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    // A fresh connection each time, so a stopped server is not kept alive by a pooled one.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut request = client
        .post(format!("http://{addr}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer: Value = request.send().await.unwrap().json().await.unwrap();
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"].clone()
}

/// Who records: an admin's token, the agent's id and its ingest key.
pub struct Recording {
    pub token: String,
    pub agent: String,
    pub key: String,
}

/// Signs up, registers an agent and makes an ingest key.
pub async fn agent_with_key(addr: SocketAddr) -> Recording {
    let email = format!("proxy-{}@example.com", uuid::Uuid::now_v7().simple());
    let data = graphql(
        addr,
        None,
        "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
        json!({ "i": { "email": email, "password": "a long enough password", "organizationName": "Proxy" } }),
    )
    .await;
    let token = data["signUp"]["accessToken"].as_str().unwrap().to_owned();
    let agent = made(
        addr,
        &token,
        "mutation { createAgent(input: { name: \"mcp-agent\", type: MCP }) { id } }",
        ["createAgent", "id"],
    )
    .await;
    let key = made(
        addr,
        &token,
        "mutation { createApiKey(input: { name: \"proxy\", scope: INGEST }) { secret } }",
        ["createApiKey", "secret"],
    )
    .await;
    Recording { token, agent, key }
}

/// Runs a mutation and returns the string at `path` in its data.
async fn made(addr: SocketAddr, token: &str, mutation: &str, path: [&str; 2]) -> String {
    let data = graphql(addr, Some(token), mutation, json!({})).await;
    data[path[0]][path[1]].as_str().unwrap().to_owned()
}

/// A fresh API with an agent that records.
pub async fn recording_api(backend: Backend) -> (TestDatabase, Api, Recording) {
    let database = TestDatabase::create(backend).await;
    let api = start_api(&database, "127.0.0.1:0".parse().unwrap()).await;
    let recording = agent_with_key(api.addr).await;
    (database, api, recording)
}

/// The agent's activities, oldest first, once `n` have arrived.
pub async fn activities(api: SocketAddr, token: &str, agent: &str, n: usize) -> Vec<Value> {
    let mut last = Vec::new();
    for _ in 0..200 {
        let data = graphql(
            api,
            Some(token),
            "query($a: ID!) { activities(agentId: $a, first: 100) { nodes { type name status payload errorMessage runId durationMs } } }",
            json!({ "a": agent }),
        )
        .await;
        let mut nodes = data["activities"]["nodes"].as_array().unwrap().clone();
        nodes.reverse();
        if nodes.len() >= n {
            return nodes;
        }
        last = nodes;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} activities arrived: {:?}", summary(&last));
}

/// `(type, name, status)` of each activity, to compare at a glance.
pub fn summary(activities: &[Value]) -> Vec<(&str, &str, &str)> {
    activities
        .iter()
        .map(|a| {
            let field = |name: &str| a[name].as_str().unwrap_or_default();
            (field("type"), field("name"), field("status"))
        })
        .collect()
}

/// The command that runs an MCP server from the npm package `package` (installed by the
/// test command) with `args`.
pub fn npm_server(package: &str, args: &[&str]) -> Vec<String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../node_modules/@modelcontextprotocol")
        .join(package)
        .join("dist/index.js");
    assert!(
        script.exists(),
        "{} is missing: run scripts/setup.sh (npm ci)",
        script.display()
    );
    let mut command = vec!["node".to_owned(), script.display().to_string()];
    command.extend(args.iter().map(|arg| (*arg).to_owned()));
    command
}

/// The command that runs server-everything over stdio.
pub fn server_everything() -> Vec<String> {
    npm_server("server-everything", &["stdio"])
}

/// The proxy's arguments that say where to record, before its transport's own.
pub fn proxy_args(api: SocketAddr, recording: &Recording, spool: &Path) -> Vec<String> {
    vec![
        "proxy".into(),
        "--api-url".into(),
        format!("http://{api}"),
        "--api-key".into(),
        recording.key.clone(),
        "--agent-id".into(),
        recording.agent.clone(),
        "--spool".into(),
        spool.display().to_string(),
    ]
}

/// The stdio proxy's command in front of `server`.
pub fn stdio_proxy(
    api: SocketAddr,
    recording: &Recording,
    spool: &Path,
    server: &[String],
) -> Vec<String> {
    let mut command = vec![env!("CARGO_BIN_EXE_humanaios-mcp").to_owned()];
    command.extend(proxy_args(api, recording, spool));
    command.push("--".into());
    command.extend(server.iter().cloned());
    command
}

/// A child that serves HTTP; killed (with its children) when dropped.
pub struct Served {
    /// Its MCP endpoint.
    pub url: String,
    pub child: Child,
}

/// Reads `child`'s stderr until a line containing `marker`; returns that line. The rest of
/// stderr goes on to the test's stderr.
async fn line_with(child: &mut Child, marker: &str) -> String {
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains(marker) {
                return line;
            }
        }
        panic!("the child ended before saying `{marker}`");
    })
    .await
    .unwrap_or_else(|_| panic!("no `{marker}` in time"));
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("{line}");
        }
    });
    found
}

fn spawn(command: &[String], env: &[(&str, String)]) -> Child {
    Command::new(&command[0])
        .args(&command[1..])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// A port nothing listens on now. The HTTP servers take their port from their arguments or
/// environment and port 0 would not tell which one they got, so a free one is picked first.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `command` and waits until it says `marker` on stderr.
async fn serve(command: &[String], env: &[(&str, String)], marker: &str, port: u16) -> Served {
    let mut child = spawn(command, env);
    line_with(&mut child, marker).await;
    Served {
        url: format!("http://127.0.0.1:{port}/mcp"),
        child,
    }
}

/// server-everything in its Streamable HTTP mode (protocol versions up to 2025-11-25).
pub async fn server_everything_http() -> Served {
    let port = free_port();
    let command = npm_server("server-everything", &["streamableHttp"]);
    serve(
        &command,
        &[("PORT", port.to_string())],
        "listening on port",
        port,
    )
    .await
}

/// sdk_server.py, a server of the official Python SDK over Streamable HTTP: the peer that
/// speaks the sessionless 2026-07-28.
pub async fn sdk_server_http() -> Served {
    let port = free_port();
    let command = [
        humanaios::testing::python().display().to_string(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk_server.py").to_owned(),
        port.to_string(),
    ];
    serve(&command, &[], "Uvicorn running on", port).await
}

/// The HTTP proxy in front of `upstream`, on a port of its choosing.
pub async fn http_proxy(
    api: SocketAddr,
    recording: &Recording,
    spool: &Path,
    upstream: &str,
) -> Served {
    let mut command = vec![env!("CARGO_BIN_EXE_humanaios-mcp").to_owned()];
    command.extend(proxy_args(api, recording, spool));
    command.extend([
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--upstream".into(),
        upstream.into(),
    ]);
    let mut child = spawn(&command, &[]);
    let line = line_with(&mut child, "listening on").await;
    let url = line.rsplit(' ').next().unwrap().to_owned();
    Served { url, child }
}

/// A target of mcp_conversation.py: a stdio command.
pub fn stdio_target(command: &[String]) -> Value {
    json!({ "command": command[0], "args": command[1..] })
}

/// What the client saw, directly and through the proxy.
pub struct Seen {
    pub direct: Value,
    pub proxied: Value,
}

/// Holds the `scenario` of mcp_conversation.py with `direct`, then with `proxied`.
pub async fn conversation(scenario: &str, direct: Value, proxied: Value) -> Seen {
    let spec = json!({ "scenario": scenario, "direct": direct, "proxied": proxied });
    let output = tokio::time::timeout(
        Duration::from_secs(120),
        Command::new(humanaios::testing::python())
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/mcp_conversation.py"
            ))
            .arg(spec.to_string())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the conversations end in time")
    .unwrap();
    assert!(output.status.success(), "mcp_conversation.py failed");
    let mut seen: Value = serde_json::from_slice(&output.stdout).unwrap();
    Seen {
        direct: seen["direct"].take(),
        proxied: seen["proxied"].take(),
    }
}

/// Texts that legitimately differ between two runs, each followed by what differs:
/// server-everything's dynamic resources say when they were made ("… created at 9:54:41
/// AM").
const TIME_BASED: [&str; 1] = ["resource created at "];

/// `value` with what follows each [`TIME_BASED`] marker in its strings cut off.
fn without_times(value: &Value) -> Value {
    match value {
        Value::String(text) => {
            let cut = TIME_BASED
                .iter()
                .find_map(|marker| text.find(marker).map(|at| at + marker.len()));
            Value::String(cut.map_or_else(|| text.clone(), |at| format!("{}…", &text[..at])))
        }
        Value::Array(items) => Value::Array(items.iter().map(without_times).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, field)| (name.clone(), without_times(field)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Asserts that the client saw the same through the proxy as directly, step by step (so a
/// difference names its step). JSON-RPC ids and session ids never reach what the SDK
/// returns; time-based texts are cut ([`TIME_BASED`]); the conversations leave out what is
/// random (server-everything's `get-env` and simulated logging, file times), so nothing
/// else may differ.
pub fn assert_same(seen: &Seen) {
    let steps = |side: &Value| without_times(&side["steps"]).as_array().unwrap().clone();
    let (direct, proxied) = (steps(&seen.direct), steps(&seen.proxied));
    assert_eq!(direct.len(), proxied.len(), "as many steps");
    for (direct, proxied) in direct.iter().zip(&proxied) {
        assert_eq!(proxied, direct, "step `{}`", direct["step"]);
    }
    assert_eq!(seen.proxied["progress"], seen.direct["progress"]);
    assert_eq!(seen.proxied["requests"], seen.direct["requests"]);
}

/// The result of `step` (its first, if it repeats).
pub fn step<'a>(side: &'a Value, step: &str) -> &'a Value {
    side["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == step)
        .unwrap_or_else(|| panic!("no step `{step}` in {side}"))
}
