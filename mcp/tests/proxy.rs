//! The stdio proxy in front of the real `@modelcontextprotocol/server-everything` (from
//! npm, installed by the test command): every answer through the proxy equals the direct
//! one, each call lands as an activity in a real HumanAIOS server on SQLite and PostgreSQL,
//! and calls made while that server is down arrive once it is back.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::session::Session;
use common::{
    Recording, activities, agent_with_key, proxy_args, recording_api, server_everything, start_api,
    summary,
};
use humanaios::on_both_backends;
use humanaios::testing::{Backend, TestDatabase};
use serde_json::{Value, json};

/// The conversation every test has: initialize, list tools, two calls, one error.
async fn conversation(session: &mut Session) -> Vec<Value> {
    vec![
        session.initialize().await,
        session.request(2, "tools/list", json!({})).await,
        session
            .request(
                3,
                "tools/call",
                json!({ "name": "echo", "arguments": { "message": "hello through the proxy" } }),
            )
            .await,
        session
            .request(
                4,
                "tools/call",
                json!({ "name": "get-sum", "arguments": { "a": 2, "b": 40 } }),
            )
            .await,
        session
            .request(
                5,
                "resources/read",
                json!({ "uri": "test://no-such-resource" }),
            )
            .await,
    ]
}

fn proxy(api: SocketAddr, recording: &Recording, spool: &std::path::Path) -> Session {
    let mut args = proxy_args(api, recording, spool);
    args.push("--".into());
    args.extend(server_everything());
    Session::proxy(&args)
}

async fn every_answer_is_unchanged_and_each_call_is_recorded(backend: Backend) {
    let (database, api, recording) = recording_api(backend).await;
    let Recording { token, agent, .. } = &recording;

    let command = server_everything();
    let mut direct = Session::start(&command[0], &command[1..]);
    let expected = conversation(&mut direct).await;
    direct.finish().await;

    let spool = database.dir.join("proxy.spool");
    let mut proxied = proxy(api.addr, &recording, &spool);
    let got = conversation(&mut proxied).await;
    // Ids are the client's own and the same in both sessions, so the answers match whole.
    assert_eq!(got, expected);
    assert_eq!(
        got[2]["result"]["content"][0]["text"],
        "Echo: hello through the proxy"
    );
    assert_eq!(
        proxied.finish().await,
        Some(0),
        "the proxy exits as the server does"
    );

    let recorded = activities(api.addr, token, agent, 3).await;
    assert_eq!(
        summary(&recorded),
        [
            ("TOOL_CALL", "echo", "OK"),
            ("TOOL_CALL", "get-sum", "OK"),
            ("ERROR", "resources/read", "ERROR"),
        ]
    );
    assert_eq!(
        recorded[0]["payload"]["arguments"],
        json!({ "message": "hello through the proxy" })
    );
    assert_eq!(
        recorded[1]["payload"]["arguments"],
        json!({ "a": 2, "b": 40 })
    );
    assert!(
        recorded[2]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("not found")
    );
    let run = &recorded[0]["runId"];
    assert!(
        run.is_string() && recorded.iter().all(|a| a["runId"] == *run),
        "one session, one run"
    );
    assert!(!spool.exists(), "nothing had to wait");
}

async fn calls_made_while_the_api_is_down_arrive_after_it_is_back(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let api = start_api(&database, "127.0.0.1:0".parse().unwrap()).await;
    let addr = api.addr;
    let recording = agent_with_key(addr).await;
    let Recording {
        token,
        agent,
        key: _,
    } = &recording;
    drop(api);
    // Wait until the port refuses connections.
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let spool = database.dir.join("proxy.spool");
    let mut proxied = proxy(addr, &recording, &spool);
    let answers = conversation(&mut proxied).await;
    assert_eq!(
        answers[2]["result"]["content"][0]["text"], "Echo: hello through the proxy",
        "the agent's traffic does not wait for the API"
    );
    for _ in 0..100 {
        if spool.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(spool.exists(), "the calls wait on disk");

    // The API comes back on the same address; the spooled calls arrive, once each.
    let _api = start_api(&database, addr).await;
    let recorded = activities(addr, token, agent, 3).await;
    let names: Vec<&str> = recorded
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["echo", "get-sum", "resources/read"]);
    assert_eq!(proxied.finish().await, Some(0));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        activities(addr, token, agent, 3).await.len(),
        3,
        "nothing twice"
    );
    assert!(!spool.exists(), "the spool is empty again");
}

on_both_backends!(
    every_answer_is_unchanged_and_each_call_is_recorded,
    calls_made_while_the_api_is_down_arrive_after_it_is_back,
);
