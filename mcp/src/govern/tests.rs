//! The governor's decisions that need no API (one that refuses connections stands in where
//! the API is asked): allow, deny, budget, hidden tools, batches, reviews, reload, and a
//! held call whose approval cannot be asked for.

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::gate::Step;

const POLICY: &str = r#"
[budget]
enforce = true
[pinning]
changed = "hide"
[[rules]]
tools = "delete_*"
action = "approve"
[[rules]]
tools = "shell"
action = "deny"
reason = "no shell access"
"#;

/// A governor whose API nobody answers (port 9 on localhost refuses connections).
fn governor(policy: &str) -> (Arc<Governor>, tempfile::NamedTempFile) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(policy.as_bytes()).unwrap();
    let governor = Governor::start(GovernorConfig {
        policy: Some(file.path().to_owned()),
        api: Api::new("http://127.0.0.1:9", "key", "agent").unwrap(),
        server: "test-server".into(),
    })
    .unwrap();
    (governor, file)
}

fn call(id: i64, tool: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": { "name": tool, "arguments": {} } })
}

fn refusal_text(decision: Decision) -> String {
    match decision {
        Decision::Answer(answer) => {
            assert_eq!(answer["result"]["isError"], true, "{answer}");
            answer["result"]["content"][0]["text"]
                .as_str()
                .unwrap()
                .to_owned()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn allowed_calls_and_other_messages_go_on_denied_ones_are_answered_with_why() {
    let (governor, _file) = governor(POLICY);
    assert!(matches!(
        governor.check("", &call(1, "echo")),
        Decision::Forward
    ));
    let ping = json!({ "jsonrpc": "2.0", "id": 2, "method": "ping" });
    assert!(matches!(governor.check("", &ping), Decision::Forward));
    let text = refusal_text(governor.check("", &call(3, "shell")));
    assert!(text.contains("denies `shell`: no shell access"), "{text}");
}

#[tokio::test]
async fn a_spent_budget_refuses_calls_but_not_the_rest() {
    let (governor, _file) = governor(POLICY);
    *lock(&governor.budget) = Some((true, "$5 spent today of a daily budget of $5".into()));
    let text = refusal_text(governor.check("", &call(1, "echo")));
    assert!(text.contains("daily budget is spent ($5 spent"), "{text}");
    let list = json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/list" });
    assert!(matches!(governor.check("", &list), Decision::Forward));
    *lock(&governor.budget) = Some((false, String::new()));
    assert!(matches!(
        governor.check("", &call(3, "echo")),
        Decision::Forward
    ));
}

#[tokio::test]
async fn a_batch_with_a_governed_call_is_refused_whole_and_asks_nobody() {
    let (governor, _file) = governor(POLICY);
    let fine =
        json!([call(1, "echo"), { "jsonrpc": "2.0", "method": "notifications/initialized" }]);
    assert!(matches!(governor.check("", &fine), Decision::Forward));
    let mixed = json!([call(1, "echo"), call(2, "delete_file"), call(3, "shell")]);
    let Decision::Answer(Value::Array(errors)) = governor.check("", &mixed) else {
        panic!("the batch is answered");
    };
    let ids: Vec<&Value> = errors.iter().map(|e| &e["id"]).collect();
    assert_eq!(ids, [&json!(1), &json!(2), &json!(3)]);
    assert!(errors.iter().all(|e| e["error"]["code"] == -32600));
    assert!(
        lock(&governor.held).is_empty(),
        "no approval is asked for a call that will not be made"
    );
}

#[tokio::test]
async fn changed_tools_stay_hidden_while_the_api_cannot_be_asked() {
    let (governor, _file) = governor(POLICY);
    lock(&governor.changed).insert("read_file".to_owned());
    let text = refusal_text(governor.check("", &call(1, "read_file")));
    assert!(text.contains("an admin must accept the change"), "{text}");

    let answer = json!({ "jsonrpc": "2.0", "id": "l1", "result": { "tools": [
        { "name": "echo", "inputSchema": { "type": "object" } },
        { "name": "read_file", "inputSchema": { "type": "object" } },
    ] } });
    let reviewed = governor.review_tools_list(answer).await;
    let names: Vec<&str> = reviewed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["echo"]);
}

#[tokio::test]
async fn a_call_needing_approval_that_cannot_be_asked_for_is_refused() {
    let (governor, _file) = governor(POLICY);
    let Decision::Hold(mut steps) = governor.check("", &call(7, "delete_file")) else {
        panic!("held");
    };
    let step = tokio::time::timeout(Duration::from_secs(10), steps.recv())
        .await
        .expect("decided in time")
        .expect("a step");
    let Step::Answer(answer) = step else {
        panic!("answered, not forwarded: {step:?}");
    };
    assert_eq!(answer["id"], 7);
    let text = answer["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("none could be asked for"), "{text}");
}

#[tokio::test]
async fn a_changed_policy_file_takes_effect_and_a_broken_one_does_not() {
    let (governor, file) = governor(POLICY);
    assert!(matches!(
        governor.check("", &call(1, "shell")),
        Decision::Answer(_)
    ));
    std::fs::write(file.path(), "default = \"allow\"\n").unwrap();
    wait_for(|| matches!(governor.check("", &call(2, "shell")), Decision::Forward)).await;
    std::fs::write(file.path(), "default = \"sometimes\"\n# longer than before").unwrap();
    tokio::time::sleep(RELOAD_EVERY * 3).await;
    assert!(
        matches!(governor.check("", &call(3, "shell")), Decision::Forward),
        "the last good policy stays in force"
    );
}

async fn wait_for(mut condition: impl FnMut() -> bool) {
    for _ in 0..100 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the condition did not hold within 10 s");
}

/// An API that opens a task for every approval asked, keeps it waiting, and notes which
/// tasks were withdrawn.
async fn patient_api() -> (String, Arc<Mutex<Vec<String>>>) {
    use axum::extract::Path;
    use axum::routing::{get, post};
    let withdrawn = Arc::new(Mutex::new(Vec::new()));
    let opened = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let noted = withdrawn.clone();
    let router = axum::Router::new()
        .route(
            "/api/v1/tasks",
            post(move || {
                let n = opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async move { axum::Json(json!({ "id": format!("task-{n}") })) }
            }),
        )
        .route(
            "/api/v1/tasks/{id}",
            get(|| async { axum::Json(json!({ "status": "PENDING" })) }),
        )
        .route(
            "/api/v1/tasks/{id}/cancel",
            post(move |Path(id): Path<String>| {
                lock(&noted).push(id);
                async { axum::Json(json!({ "status": "CANCELLED" })) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, withdrawn)
}

#[tokio::test]
async fn a_cancellation_reaches_only_its_own_clients_held_call() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (url, withdrawn) = patient_api().await;
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(POLICY.as_bytes()).unwrap();
    let governor = Governor::start(GovernorConfig {
        policy: Some(file.path().to_owned()),
        api: Api::new(&url, "key", "agent").unwrap(),
        server: "test-server".into(),
    })
    .unwrap();
    // Two clients hold a call with the same id.
    let Decision::Hold(mut first) = governor.check("session-a", &call(7, "delete_a")) else {
        panic!("held");
    };
    let Decision::Hold(mut second) = governor.check("session-b", &call(7, "delete_b")) else {
        panic!("held");
    };
    // Let both tasks open, then client A cancels its call 7.
    wait_for(|| lock(&governor.held).len() == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancel = json!({ "jsonrpc": "2.0", "method": "notifications/cancelled", "params": { "requestId": 7 } });
    assert!(matches!(
        governor.check("session-a", &cancel),
        Decision::Forward
    ));
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), first.recv())
            .await
            .expect("A's hold ends"),
        None,
        "a cancelled call is answered nothing"
    );
    wait_for(|| lock(&withdrawn).len() == 1).await;
    // B's call still waits for its person.
    let waiting = tokio::time::timeout(Duration::from_millis(1500), second.recv()).await;
    assert!(waiting.is_err(), "B's call is still held: {waiting:?}");
    assert_eq!(lock(&withdrawn).len(), 1);
}
