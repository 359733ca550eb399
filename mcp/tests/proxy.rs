//! The stdio proxy in front of the real `@modelcontextprotocol/server-everything` (from
//! npm, installed by the test command): every answer through the proxy equals the direct
//! one, each call lands as an activity in a real HumanAIOS server on SQLite and PostgreSQL,
//! and calls made while that server is down arrive once it is back.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::{Recording, activities, agent_with_key, start_api, summary};
use humanaios::on_both_backends;
use humanaios::testing::{Backend, TestDatabase};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The command that runs server-everything over stdio.
fn server_everything() -> Vec<String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    assert!(
        script.exists(),
        "{} is missing: run scripts/setup.sh (npm ci)",
        script.display()
    );
    vec!["node".into(), script.display().to_string(), "stdio".into()]
}

/// One MCP client session over a child's stdin/stdout.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Session {
    fn start(program: &str, args: &[String]) -> Session {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        Session {
            stdin: child.stdin.take(),
            stdout: BufReader::new(child.stdout.take().unwrap()),
            child,
        }
    }

    async fn send(&mut self, message: Value) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin
            .write_all(format!("{message}\n").as_bytes())
            .await
            .unwrap();
        stdin.flush().await.unwrap();
    }

    /// Sends a request and returns its response, skipping notifications.
    async fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await;
        loop {
            let mut line = String::new();
            let read =
                tokio::time::timeout(Duration::from_secs(20), self.stdout.read_line(&mut line))
                    .await
                    .expect("an answer in time")
                    .unwrap();
            assert!(read > 0, "the server closed its output");
            let message: Value = serde_json::from_str(&line).unwrap();
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// Runs the conversation every test has: initialize, list tools, two calls, one error.
    async fn conversation(&mut self) -> Vec<Value> {
        let mut answers = vec![
            self.request(
                1,
                "initialize",
                json!({ "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": "proxy-test", "version": "1" } }),
            )
            .await,
        ];
        self.send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))
            .await;
        answers.push(self.request(2, "tools/list", json!({})).await);
        answers.push(
            self.request(
                3,
                "tools/call",
                json!({ "name": "echo", "arguments": { "message": "hello through the proxy" } }),
            )
            .await,
        );
        answers.push(
            self.request(
                4,
                "tools/call",
                json!({ "name": "get-sum", "arguments": { "a": 2, "b": 40 } }),
            )
            .await,
        );
        answers.push(
            self.request(
                5,
                "resources/read",
                json!({ "uri": "test://no-such-resource" }),
            )
            .await,
        );
        answers
    }

    /// Closes stdin (how stdio MCP ends a session) and returns the exit code.
    async fn finish(mut self) -> Option<i32> {
        drop(self.stdin.take());
        tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .expect("exited in time")
            .unwrap()
            .code()
    }
}

fn proxy(api: SocketAddr, key: &str, agent: &str, spool: &std::path::Path) -> Session {
    let mut args: Vec<String> = vec![
        "proxy".into(),
        "--api-url".into(),
        format!("http://{api}"),
        "--api-key".into(),
        key.into(),
        "--agent-id".into(),
        agent.into(),
        "--spool".into(),
        spool.display().to_string(),
        "--".into(),
    ];
    args.extend(server_everything());
    Session::start(env!("CARGO_BIN_EXE_humanaios-mcp"), &args)
}

async fn every_answer_is_unchanged_and_each_call_is_recorded(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let api = start_api(&database, "127.0.0.1:0".parse().unwrap()).await;
    let Recording { token, agent, key } = agent_with_key(api.addr).await;

    let command = server_everything();
    let mut direct = Session::start(&command[0], &command[1..]);
    let expected = direct.conversation().await;
    direct.finish().await;

    let spool = database.dir.join("proxy.spool");
    let mut proxied = proxy(api.addr, &key, &agent, &spool);
    let got = proxied.conversation().await;
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

    let recorded = activities(api.addr, &token, &agent, 3).await;
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
    let Recording { token, agent, key } = agent_with_key(addr).await;
    drop(api);
    // Wait until the port refuses connections.
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let spool = database.dir.join("proxy.spool");
    let mut proxied = proxy(addr, &key, &agent, &spool);
    let answers = proxied.conversation().await;
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
    let recorded = activities(addr, &token, &agent, 3).await;
    let names: Vec<&str> = recorded
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["echo", "get-sum", "resources/read"]);
    assert_eq!(proxied.finish().await, Some(0));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        activities(addr, &token, &agent, 3).await.len(),
        3,
        "nothing twice"
    );
    assert!(!spool.exists(), "the spool is empty again");
}

on_both_backends!(
    every_answer_is_unchanged_and_each_call_is_recorded,
    calls_made_while_the_api_is_down_arrive_after_it_is_back,
);
