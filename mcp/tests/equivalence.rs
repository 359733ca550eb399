//! Real MCP servers from npm, driven by the official MCP Python SDK client
//! (mcp_conversation.py), once directly and once through the proxy: the client sees the
//! same either way — including progress notifications and the server's sampling,
//! elicitation and roots requests, which the client answers through the proxy — and each
//! call through the proxy is an activity in a real HumanAIOS API, on SQLite and PostgreSQL.
//! server-everything runs over stdio and over Streamable HTTP (2025-11-25), a server of the
//! Python SDK over Streamable HTTP with the sessionless 2026-07-28; server-filesystem and
//! server-memory over stdio.

mod common;

use common::{
    Recording, Seen, activities, assert_same, conversation, http_proxy, npm_server, recording_api,
    sdk_server_http, server_everything, server_everything_http, stdio_proxy, stdio_target, step,
    summary,
};
use humanaios::on_both_backends;
use humanaios::testing::Backend;
use serde_json::{Value, json};

/// Asserts that the proxied conversation left these activities, as `(type, name, status)`,
/// oldest first; returns them.
async fn assert_recorded(
    api: &common::Api,
    recording: &Recording,
    rows: &[(&str, &str, &str)],
) -> Vec<Value> {
    let recorded = activities(api.addr, &recording.token, &recording.agent, rows.len()).await;
    assert_eq!(summary(&recorded), rows);
    recorded
}

/// What server-everything's conversation must show on either transport.
fn assert_everything(seen: &Seen) {
    assert_same(seen);
    let proxied = &seen.proxied;
    assert_eq!(
        step(proxied, "call echo")["result"]["content"][0]["text"],
        "Echo: hello through the proxy"
    );
    let progress: Vec<&Value> = proxied["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["progress"])
        .collect();
    assert_eq!(
        progress,
        [&json!(1.0), &json!(2.0), &json!(3.0)],
        "each progress notification came through"
    );
    let requests = proxied["requests"].to_string();
    for asked in ["\"roots\"", "\"sampling\"", "\"elicitation\""] {
        assert!(
            requests.contains(asked),
            "the server asked {asked}: {requests}"
        );
    }
    // The server got the client's answers back through the proxy.
    let sampled = step(proxied, "call trigger-sampling-request").to_string();
    assert!(sampled.contains("Sampled through the proxy."), "{sampled}");
    let elicited = step(proxied, "call trigger-elicitation-request").to_string();
    assert!(elicited.contains("Ada Lovelace"), "{elicited}");
    let roots = step(proxied, "call get-roots-list").to_string();
    assert!(roots.contains("file:///workspace"), "{roots}");
    assert_eq!(
        step(proxied, "read missing resource")["error"]["code"],
        -32602
    );
}

/// The activities of server-everything's conversation, oldest first.
const EVERYTHING_ACTIVITIES: [(&str, &str, &str); 12] = [
    ("TOOL_CALL", "echo", "OK"),
    ("TOOL_CALL", "get-sum", "OK"),
    ("TOOL_CALL", "get-structured-content", "OK"),
    ("TOOL_CALL", "get-tiny-image", "OK"),
    ("TOOL_CALL", "get-annotated-message", "OK"),
    ("TOOL_CALL", "get-resource-reference", "OK"),
    ("TOOL_CALL", "trigger-long-running-operation", "OK"),
    ("TOOL_CALL", "trigger-sampling-request", "OK"),
    ("TOOL_CALL", "trigger-elicitation-request", "OK"),
    ("TOOL_CALL", "get-roots-list", "OK"),
    ("TOOL_CALL", "no-such-tool", "ERROR"),
    ("ERROR", "resources/read", "ERROR"),
];

async fn server_everything_over_stdio_answers_the_same_through_the_proxy(backend: Backend) {
    let (database, api, recording) = recording_api(backend).await;
    let spool = database.dir.join("proxy.spool");
    let proxied = stdio_proxy(api.addr, &recording, &spool, &server_everything());
    let seen = conversation(
        "everything",
        stdio_target(&server_everything()),
        stdio_target(&proxied),
    )
    .await;
    assert_everything(&seen);
    assert_recorded(&api, &recording, &EVERYTHING_ACTIVITIES).await;
}

async fn server_everything_over_http_answers_the_same_through_the_proxy(backend: Backend) {
    let (database, api, recording) = recording_api(backend).await;
    let server = server_everything_http().await;
    let spool = database.dir.join("proxy.spool");
    let proxy = http_proxy(api.addr, &recording, &spool, &server.url).await;
    let seen = conversation(
        "everything",
        json!({ "url": server.url }),
        json!({ "url": proxy.url }),
    )
    .await;
    assert_everything(&seen);
    let recorded = assert_recorded(&api, &recording, &EVERYTHING_ACTIVITIES).await;
    assert_eq!(
        recorded[0]["payload"]["arguments"],
        json!({ "message": "hello through the proxy" })
    );
    let run = &recorded[0]["runId"];
    assert!(
        recorded.iter().all(|a| a["runId"] == *run),
        "one MCP session, one run"
    );
}

async fn the_sessionless_version_answers_the_same_through_the_http_proxy(backend: Backend) {
    let (database, api, recording) = recording_api(backend).await;
    let server = sdk_server_http().await;
    let spool = database.dir.join("proxy.spool");
    let proxy = http_proxy(api.addr, &recording, &spool, &server.url).await;
    let version = "2026-07-28";
    let seen = conversation(
        "sdk",
        json!({ "url": server.url, "mode": version }),
        json!({ "url": proxy.url, "mode": version }),
    )
    .await;
    assert_same(&seen);
    assert_eq!(step(&seen.proxied, "protocol version")["result"], version);
    assert_eq!(
        seen.proxied["progress"].as_array().unwrap().len(),
        3,
        "each progress notification came through"
    );
    let rows = [
        ("TOOL_CALL", "echo", "OK"),
        ("TOOL_CALL", "add", "OK"),
        ("TOOL_CALL", "count", "OK"),
        ("TOOL_CALL", "fail", "ERROR"),
    ];
    let recorded = assert_recorded(&api, &recording, &rows).await;
    assert_eq!(
        recorded[3]["errorMessage"],
        "Error executing tool fail: on purpose"
    );
}

/// A stdio target serving the directory `dir`.
fn in_dir(command: Vec<String>, dir: &std::path::Path) -> Value {
    let mut target = stdio_target(&command);
    target["dir"] = json!(dir.display().to_string());
    target
}

async fn server_filesystem_answers_the_same_through_the_proxy(backend: Backend) {
    let (database, api, recording) = recording_api(backend).await;
    // Each side gets a directory of its own, alike but for its path (which the script
    // writes as "<dir>").
    let (direct_dir, proxied_dir) = (database.dir.join("direct"), database.dir.join("proxied"));
    for dir in [&direct_dir, &proxied_dir] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let server = |dir: &std::path::Path| npm_server("server-filesystem", &[&dir.to_string_lossy()]);
    let spool = database.dir.join("proxy.spool");
    let proxied = stdio_proxy(api.addr, &recording, &spool, &server(&proxied_dir));
    let seen = conversation(
        "filesystem",
        in_dir(server(&direct_dir), &direct_dir),
        in_dir(proxied, &proxied_dir),
    )
    .await;
    assert_same(&seen);
    let read = step(&seen.proxied, "call read_text_file");
    assert_eq!(
        read["result"]["content"][0]["text"],
        "first line\nsecond line\n"
    );
    assert!(
        proxied_dir.join("sub/notes.txt").exists(),
        "the calls reached the server"
    );
    let recorded = activities(api.addr, &recording.token, &recording.agent, 11).await;
    let last = summary(&recorded).pop().unwrap();
    assert_eq!(
        last,
        ("TOOL_CALL", "read_text_file", "ERROR"),
        "the refused read of /etc/passwd"
    );
}

async fn server_memory_answers_the_same_through_the_proxy(backend: Backend) {
    let (database, api, recording) = recording_api(backend).await;
    let memory =
        |name: &str| json!({ "MEMORY_FILE_PATH": database.dir.join(name).display().to_string() });
    let spool = database.dir.join("proxy.spool");
    let proxied = stdio_proxy(
        api.addr,
        &recording,
        &spool,
        &npm_server("server-memory", &[]),
    );
    let mut direct = stdio_target(&npm_server("server-memory", &[]));
    direct["env"] = memory("direct.jsonl");
    let mut through = stdio_target(&proxied);
    through["env"] = memory("proxied.jsonl");
    let seen = conversation("memory", direct, through).await;
    assert_same(&seen);
    let graph = step(&seen.proxied, "call read_graph").to_string();
    assert!(graph.contains("Analytical Engine"), "{graph}");
    let rows = [
        ("TOOL_CALL", "create_entities", "OK"),
        ("TOOL_CALL", "create_relations", "OK"),
        ("TOOL_CALL", "add_observations", "OK"),
        ("TOOL_CALL", "search_nodes", "OK"),
        ("TOOL_CALL", "open_nodes", "OK"),
        ("TOOL_CALL", "delete_observations", "OK"),
        ("TOOL_CALL", "read_graph", "OK"),
        ("TOOL_CALL", "add_observations", "ERROR"),
    ];
    assert_recorded(&api, &recording, &rows).await;
}

on_both_backends!(
    server_everything_over_stdio_answers_the_same_through_the_proxy,
    server_everything_over_http_answers_the_same_through_the_proxy,
    the_sessionless_version_answers_the_same_through_the_http_proxy,
    server_filesystem_answers_the_same_through_the_proxy,
    server_memory_answers_the_same_through_the_proxy,
);
