//! The built-in MCP server at `/mcp`, driven by the official MCP Python SDK
//! (`tests/mcp_client.py`): an agent lists the tools, asks for a person, and gets the
//! person's answer back as the result of `wait_for_human_task` while people approve,
//! assign, start and complete the task over the API; bad arguments come back as tool
//! errors naming the field; the route answers only the callers the role matrix lets in.

use std::process::Stdio;
use std::time::Duration;

use entity::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::ChildStdout;

use crate::helpers::{Backend, TestApp, python, spawn_app};
use crate::tasks::{rest, user_id};
use humanaios::on_both_backends;

on_both_backends!(
    an_agent_asks_for_a_person_and_gets_the_answer_as_the_tool_result,
    the_route_answers_only_who_the_role_matrix_lets_in,
    a_stopping_server_ends_open_waits_and_stops,
);

/// The next JSON line the client prints, which must be `step`.
async fn next_step(lines: &mut Lines<BufReader<ChildStdout>>, step: &str) -> Value {
    // A bound so that a broken client fails the test instead of hanging it.
    let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("the MCP client printed nothing for 120 s (waiting for {step})"))
        .unwrap()
        .unwrap_or_else(|| panic!("the MCP client ended before `{step}`"));
    let value: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(value["step"], step, "{value}");
    value
}

async fn an_agent_asks_for_a_person_and_gets_the_answer_as_the_tool_result(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let worker = app.add_member(&admin.token, Role::Viewer).await;
    let worker_id = user_id(&app, &worker).await;
    app.create_agent(&admin.token, "warehouse-bot").await;
    let key = ingest_key(&app, &admin.token).await;

    let mut client = tokio::process::Command::new(python())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp_client.py"))
        .arg(app.url("/mcp"))
        .arg(&key)
        .arg("warehouse-bot")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("python runs");
    let mut lines = BufReader::new(client.stdout.take().unwrap()).lines();

    let requested = next_step(&mut lines, "requested").await;
    let created = &requested["result"];
    assert_eq!(created["isError"], false, "{created}");
    let task = created["structured"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["structured"]["status"], "PENDING");
    assert_eq!(created["structured"]["source"], "MCP");
    assert_eq!(created["structured"]["type"], "INSPECTION");
    assert_eq!(created["structured"]["budgetUsd"], "15");
    assert!(
        created["texts"][0].as_str().unwrap().contains(&task),
        "{created}"
    );

    // The agent is waiting (it heard the first progress): people now do the work.
    let waiting = next_step(&mut lines, "waiting").await;
    assert!(
        waiting["message"].as_str().unwrap().contains("PENDING"),
        "{waiting}"
    );
    let result = json!({ "locked": true, "photo": "https://example.com/lock.jpg" });
    let steps = [
        ("approve", &admin.token, json!({})),
        ("assign", &admin.token, json!({ "assigneeId": worker_id })),
        ("start", &worker, json!({})),
        (
            "complete",
            &worker,
            json!({ "result": result, "note": "Locked, and the alarm is on." }),
        ),
    ];
    for (step, who, body) in steps {
        let path = format!("/api/v1/tasks/{task}/{step}");
        let (status, answer) = rest(&app, who, "POST", &path, body).await;
        assert_eq!(status, 200, "{step}: {answer}");
    }

    let done = next_step(&mut lines, "done").await;
    assert!(client.wait().await.unwrap().success());

    // The person's answer is the tool result.
    let answer = &done["answer"];
    assert_eq!(answer["isError"], false, "{answer}");
    assert_eq!(answer["structured"]["id"], task.as_str());
    assert_eq!(answer["structured"]["status"], "COMPLETED");
    assert_eq!(answer["structured"]["result"], result);
    assert_eq!(
        answer["structured"]["resultNote"],
        "Locked, and the alarm is on."
    );
    let text = answer["texts"][0].as_str().unwrap();
    assert!(
        text.contains("Locked, and the alarm is on.") && text.contains("\"locked\":true"),
        "{text}"
    );
    // Asked not to wait, it answered at once with the task still open, not as an error.
    let not_yet = &done["not_yet"];
    assert_eq!(not_yet["isError"], false, "{not_yet}");
    assert_eq!(not_yet["structured"]["status"], "PENDING");
    assert!(
        not_yet["texts"][0]
            .as_str()
            .unwrap()
            .contains("still PENDING"),
        "{not_yet}"
    );
    // Read back: the task, the agent's completed requests, and no open ones left.
    let reads = &done["reads"];
    assert_eq!(reads["get"]["structured"]["status"], "COMPLETED", "{reads}");
    assert_eq!(reads["get"]["structured"]["result"], result);
    let completed = reads["completed"]["structured"]["tasks"]
        .as_array()
        .unwrap();
    assert_eq!(completed.len(), 1, "{reads}");
    assert_eq!(completed[0]["id"], task.as_str());
    assert_eq!(reads["open"]["structured"]["tasks"], json!([]), "{reads}");
    let progress: Vec<&str> = done["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(!progress.is_empty(), "no progress notification came");

    // The four tools, each with an object schema of its arguments.
    let tools = done["tools"].as_object().unwrap();
    let mut names: Vec<&str> = tools.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "get_human_task",
            "list_my_requests",
            "request_human",
            "wait_for_human_task"
        ]
    );
    for (name, schema) in tools {
        assert_eq!(schema["type"], "object", "{name}: {schema}");
        assert!(
            !schema["properties"].as_object().unwrap().is_empty(),
            "{name}: {schema}"
        );
    }
    let request_human = &tools["request_human"];
    assert_eq!(request_human["required"], json!(["agent", "title"]));
    assert_eq!(
        request_human["properties"]["type"]["enum"],
        json!([
            "VERIFICATION",
            "PICKUP",
            "INSPECTION",
            "ATTENDANCE",
            "APPROVAL",
            "OTHER",
            null
        ])
    );

    // Bad arguments come back as tool errors naming the argument, and open nothing.
    for (case, field) in [
        ("agent", "agent"),
        ("budget", "budget_usd"),
        ("timeout", "timeout_seconds"),
    ] {
        let bad = &done["bad"][case];
        assert_eq!(bad["isError"], true, "{case}: {bad}");
        let error = &bad["structured"]["error"];
        assert_eq!(error["code"], "BAD_USER_INPUT", "{case}: {bad}");
        assert_eq!(error["field"], field, "{case}: {bad}");
        assert!(
            bad["texts"][0]
                .as_str()
                .unwrap()
                .starts_with(&format!("BAD_USER_INPUT: {field}: ")),
            "{case}: {bad}"
        );
    }
    let (_, all) = rest(&app, &admin.token, "GET", "/api/v1/tasks", Value::Null).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1, "{all}");
}

/// Makes an API key of the ingest scope, as an agent would be given.
pub async fn ingest_key(app: &TestApp, admin: &str) -> String {
    app.graphql_ok(
        Some(admin),
        "mutation { createApiKey(input: { name: \"agent\", scope: INGEST }) { secret } }",
        json!({}),
    )
    .await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// POSTs an MCP `initialize` to `/mcp` as `credential`.
async fn initialize(app: &TestApp, credential: Option<&str>) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url("/mcp"))
        .header("Accept", "application/json, text/event-stream")
        .json(&json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": { "name": "test", "version": "1" },
            },
        }));
    if let Some(credential) = credential {
        request = request.bearer_auth(credential);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn the_route_answers_only_who_the_role_matrix_lets_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let viewer = app.add_member(&admin.token, Role::Viewer).await;
    let key = ingest_key(&app, &admin.token).await;

    let (status, body) = initialize(&app, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("UNAUTHENTICATED")),
        "{body}"
    );
    let (status, body) = initialize(&app, Some(&viewer)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("FORBIDDEN")),
        "{body}"
    );
    let (status, _) = initialize(&app, Some(&key)).await;
    assert_eq!(status, 200);
}

/// Reads `response`'s SSE body until a chunk holds `wanted`; everything read so far.
async fn read_until(response: &mut reqwest::Response, seen: &mut String, wanted: &str) {
    while !seen.contains(wanted) {
        let chunk = tokio::time::timeout(Duration::from_secs(20), response.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {wanted} in time; got {seen}"))
            .unwrap()
            .unwrap_or_else(|| panic!("the stream ended without {wanted}: {seen}"));
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn a_stopping_server_ends_open_waits_and_stops(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "waiter").await;
    let key = ingest_key(&app, &admin.token).await;
    let (status, task) = app
        .post_json(
            &key,
            "/api/v1/tasks",
            json!({ "agentId": agent, "title": "Check the door" }),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    let mut waiting = app
        .client
        .post(app.url("/mcp"))
        .bearer_auth(&key)
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2025-11-25")
        .json(&json!({
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {
                "name": "wait_for_human_task",
                "arguments": { "task_id": task["id"], "timeout_seconds": 3600 },
                "_meta": { "progressToken": "door" },
            },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(waiting.status(), 200);
    let mut seen = String::new();
    read_until(&mut waiting, &mut seen, "notifications/progress").await;

    // A graceful stop waits for requests in flight; an hour-long wait must not hold it.
    let stopped = tokio::time::timeout(Duration::from_secs(15), async {
        let (stopped, ()) =
            tokio::join!(app.stop(), read_until(&mut waiting, &mut seen, "\"id\":2"));
        stopped
    })
    .await
    .expect("the server stops in time, the wait ending early");
    stopped.expect("the server stopped cleanly");
    assert!(seen.contains("restarting"), "the agent is told why: {seen}");
    assert!(seen.contains("PENDING"), "{seen}");
}
