//! The proxy's policy in front of the real `@modelcontextprotocol/server-everything`, with a
//! real HumanAIOS API: a call needing approval is held (the client hears progress) until a
//! person approves it through the API and is then delivered exactly once; a rejected call
//! and one nobody decides in time are answered with error results and never reach the
//! server; a denied call is refused at once; a changed policy file takes effect.

mod common;

use std::time::Duration;

use common::session::Session;
use common::{
    Api, Recording, activities, agent_with_key, graphql, proxy_args, recording_api,
    server_everything, start_api, summary,
};
use humanaios::on_both_backends;
use humanaios::testing::{Backend, TestDatabase};
use serde_json::{Value, json};

const POLICY: &str = r#"
[approval]
timeout_seconds = 3
progress_every_seconds = 1

[[rules]]
tools = "echo"
action = "approve"
reason = "echo speaks for the agent"

[[rules]]
tools = ["get-sum", "get-*-image"]
action = "deny"
reason = "no arithmetic today"
"#;

/// The proxy in front of server-everything, recording as `recording` says, governed by the
/// policy file `policy`.
fn governed(
    api: &Api,
    recording: &Recording,
    dir: &std::path::Path,
    policy: &std::path::Path,
) -> Session {
    let mut args = proxy_args(api.addr, recording, &dir.join("proxy.spool"));
    args.extend(["--policy".into(), policy.display().to_string(), "--".into()]);
    args.extend(server_everything());
    Session::proxy(&args)
}

/// The open approval tasks of the organization (oldest first).
async fn pending_approvals(app: &Api, token: &str) -> Vec<Value> {
    let data = graphql(
        app.addr,
        Some(token),
        "{ humanTasks(statuses: [PENDING], types: [APPROVAL]) { nodes { id title description status } } }",
        json!({}),
    )
    .await;
    let mut nodes = data["humanTasks"]["nodes"].as_array().unwrap().clone();
    nodes.reverse();
    nodes
}

async fn one_pending_approval(app: &Api, token: &str) -> Value {
    for _ in 0..100 {
        if let Some(task) = pending_approvals(app, token).await.into_iter().next() {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no approval task opened");
}

async fn decide(app: &Api, token: &str, task: &str, step: &str, body: Value) {
    let answer = reqwest::Client::new()
        .post(format!("http://{}/api/v1/tasks/{task}/{step}", app.addr))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
}

fn call(id: i64, tool: &str, arguments: Value, progress: Option<&str>) -> Value {
    let mut params = json!({ "name": tool, "arguments": arguments });
    if let Some(token) = progress {
        params["_meta"] =
            json!({ "progressToken": token, "humanaios/reason": "the user asked me to" });
    }
    json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params })
}

fn error_text(answer: &Value) -> String {
    assert_eq!(answer["result"]["isError"], true, "{answer}");
    answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn held_calls_wait_for_a_person_and_go_through_once(backend: Backend) {
    let (database, api, recording) = recording_api(backend).await;
    let Recording { token, agent, .. } = &recording;
    let policy = database.dir.join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let mut proxied = governed(&api, &recording, &database.dir, &policy);
    proxied.initialize().await;

    // Denied: answered at once, naming the rule's reason.
    let denied = proxied
        .request_message(call(2, "get-sum", json!({ "a": 1, "b": 2 }), None))
        .await;
    assert!(
        error_text(&denied).contains("no arithmetic today"),
        "{denied}"
    );

    // Held: the task opens with the tool, the arguments and the agent's reason; the client
    // hears progress meanwhile; other calls are not held up.
    proxied
        .send(call(
            3,
            "echo",
            json!({ "message": "approve me" }),
            Some("p3"),
        ))
        .await;
    let task = one_pending_approval(&api, token).await;
    assert_eq!(task["title"], "Approve tool call: echo");
    let description = task["description"].as_str().unwrap();
    for expected in [
        "approve me",
        "the user asked me to",
        "echo speaks for the agent",
    ] {
        assert!(description.contains(expected), "{description}");
    }
    let progress = proxied
        .next_matching(|m| m["method"] == "notifications/progress")
        .await;
    assert_eq!(progress["params"]["progressToken"], "p3");
    let unrelated = proxied.request(4, "tools/list", json!({})).await;
    assert!(unrelated["result"]["tools"].is_array());

    decide(
        &api,
        token,
        task["id"].as_str().unwrap(),
        "approve",
        json!({}),
    )
    .await;
    let approved = proxied.next_matching(|m| m["id"] == 3).await;
    assert_eq!(
        approved["result"]["content"][0]["text"], "Echo: approve me",
        "{approved}"
    );

    // Rejected: the person's reason reaches the agent; the server never sees the call.
    proxied
        .send(call(5, "echo", json!({ "message": "reject me" }), None))
        .await;
    let task = one_pending_approval(&api, token).await;
    decide(
        &api,
        token,
        task["id"].as_str().unwrap(),
        "reject",
        json!({ "reason": "not today" }),
    )
    .await;
    let rejected = proxied.next_matching(|m| m["id"] == 5).await;
    let text = error_text(&rejected);
    assert!(
        text.contains("rejected") && text.contains("not today"),
        "{text}"
    );

    // Nobody decides: after the timeout the call is refused and its task withdrawn.
    proxied
        .send(call(6, "echo", json!({ "message": "forget me" }), None))
        .await;
    let timed_out = proxied.next_matching(|m| m["id"] == 6).await;
    assert!(error_text(&timed_out).contains("within 3 s"), "{timed_out}");
    assert!(pending_approvals(&api, token).await.is_empty(), "withdrawn");

    // A changed policy takes effect without a restart.
    std::fs::write(&policy, "default = \"allow\"\n").unwrap();
    let mut allowed = Value::Null;
    for id in 100..200 {
        allowed = proxied
            .request_message(call(id, "get-sum", json!({ "a": 2, "b": 40 }), None))
            .await;
        if allowed["result"]["isError"] != true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(allowed["result"]["isError"], Value::Null, "{allowed}");

    // Exactly once: one answer to the approved call in everything the proxy wrote,
    // including what the steps above skipped past.
    let (code, transcript) = proxied.finish_reading().await;
    assert_eq!(code, Some(0));
    let answers = transcript
        .iter()
        .filter(|m| m["id"] == 3 && m.get("method").is_none())
        .count();
    assert_eq!(answers, 1, "the approved call was answered once");
    // Every call is recorded: the approved one once, the refused ones as failed calls.
    let recorded = activities(api.addr, token, agent, 5).await;
    let calls = summary(&recorded);
    let count = |name: &str, status: &str| {
        calls
            .iter()
            .filter(|(kind, n, s)| *kind == "TOOL_CALL" && *n == name && *s == status)
            .count()
    };
    assert_eq!(count("echo", "OK"), 1, "{calls:?}");
    assert_eq!(
        count("echo", "ERROR"),
        2,
        "rejected and timed out: {calls:?}"
    );
    assert!(count("get-sum", "ERROR") >= 1, "denied: {calls:?}");
}

fn tool_names(list: &Value) -> Vec<String> {
    list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_changed_tool_is_caught_hidden_and_back_once_accepted(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let api = start_api(&database, "127.0.0.1:0".parse().unwrap()).await;
    let recording = agent_with_key(api.addr).await;
    let Recording { token, agent, key } = &recording;
    // What `echo` said when it was first seen here (it has changed since).
    let server = server_everything().join(" ");
    let pinned = json!({ "agentId": agent, "server": server, "tools": [
        { "name": "echo", "description": "Echoes back the input", "inputSchema": { "type": "object" } }
    ] });
    let answer = reqwest::Client::new()
        .post(format!("http://{}/api/v1/mcp/tools", api.addr))
        .bearer_auth(key)
        .json(&pinned)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let policy = database.dir.join("policy.toml");
    std::fs::write(&policy, "[pinning]\nchanged = \"hide\"\n").unwrap();
    let mut proxied = governed(&api, &recording, &database.dir, &policy);
    proxied.initialize().await;

    let listed = proxied.request(2, "tools/list", json!({})).await;
    let names = tool_names(&listed);
    assert!(!names.contains(&"echo".to_owned()), "{names:?}");
    assert!(
        names.contains(&"get-sum".to_owned()),
        "the others stay: {names:?}"
    );
    let refused = proxied
        .request_message(call(3, "echo", json!({ "message": "hi" }), None))
        .await;
    assert!(
        error_text(&refused).contains("an admin must accept"),
        "{refused}"
    );
    let data = graphql(
        api.addr,
        Some(token),
        "{ alerts(firing: true) { nodes { kind message } } mcpTools(changedOnly: true) { id name } }",
        json!({}),
    )
    .await;
    assert_eq!(data["alerts"]["nodes"][0]["kind"], "TOOL_CHANGED", "{data}");
    assert_eq!(data["mcpTools"][0]["name"], "echo");

    let id = data["mcpTools"][0]["id"].clone();
    graphql(
        api.addr,
        Some(token),
        "mutation($id: ID!) { acceptMcpToolChange(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let listed = proxied.request(4, "tools/list", json!({})).await;
    assert!(tool_names(&listed).contains(&"echo".to_owned()));
    let echoed = proxied
        .request_message(call(5, "echo", json!({ "message": "hi" }), None))
        .await;
    assert_eq!(
        echoed["result"]["content"][0]["text"], "Echo: hi",
        "{echoed}"
    );
    assert_eq!(proxied.finish().await, Some(0));
}

async fn calls_are_refused_once_the_daily_budget_is_spent(backend: Backend) {
    let (database, api, recording) = recording_api(backend).await;
    let Recording { token, agent, .. } = &recording;
    graphql(
        api.addr,
        Some(token),
        "mutation($id: ID!) { updateAgent(id: $id, input: { config: { dailyBudgetUsd: \"0.05\" } }) { id } }",
        json!({ "id": agent }),
    )
    .await;
    let policy = database.dir.join("policy.toml");
    std::fs::write(&policy, "[budget]\nenforce = true\n").unwrap();
    let mut proxied = governed(&api, &recording, &database.dir, &policy);
    proxied.initialize().await;
    let echo = |id| call(id, "echo", json!({ "message": "under budget" }), None);
    let answer = proxied.request_message(echo(2)).await;
    assert_eq!(answer["result"]["content"][0]["text"], "Echo: under budget");

    // The agent's model calls, recorded elsewhere, spend the budget.
    graphql(
        api.addr,
        Some(token),
        "mutation($a: [ActivityInput!]!) { recordActivities(activities: $a) { inserted } }",
        json!({ "a": [{ "agentId": agent, "type": "DECISION", "costUsd": "0.06", "model": "gpt-4o" }] }),
    )
    .await;
    // The proxy reads the spend every few seconds; from then on calls are refused.
    let mut refused = Value::Null;
    for id in 3..200 {
        refused = proxied.request_message(echo(id)).await;
        if refused["result"]["isError"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = error_text(&refused);
    assert!(
        text.contains("daily budget is spent")
            && text.contains("$0.06 spent today of a daily budget of $0.05"),
        "{text}"
    );
    assert_eq!(proxied.finish().await, Some(0));
}

on_both_backends!(
    calls_are_refused_once_the_daily_budget_is_spent,
    held_calls_wait_for_a_person_and_go_through_once,
    a_changed_tool_is_caught_hidden_and_back_once_accepted,
);
