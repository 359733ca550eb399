//! One MCP client session over a child's stdin/stdout, newline-delimited JSON-RPC, as an
//! agent speaks to a stdio server (or to the proxy in front of one).

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// How long any one answer may take.
const PATIENCE: Duration = Duration::from_secs(20);

/// A client session with a child process.
pub struct Session {
    /// Every message the other side wrote so far, skipped ones included.
    pub transcript: Vec<Value>,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Session {
    pub fn start(program: &str, args: &[String]) -> Session {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        Session {
            transcript: Vec::new(),
            stdin: child.stdin.take(),
            stdout: BufReader::new(child.stdout.take().unwrap()),
            child,
        }
    }

    /// The proxy binary with `args`.
    pub fn proxy(args: &[String]) -> Session {
        Session::start(env!("CARGO_BIN_EXE_humanaios-mcp"), args)
    }

    pub async fn send(&mut self, message: Value) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin
            .write_all(format!("{message}\n").as_bytes())
            .await
            .unwrap();
        stdin.flush().await.unwrap();
    }

    /// The next message the other side writes; `None` at the end of its output.
    pub async fn next(&mut self) -> Option<Value> {
        let mut line = String::new();
        let read = tokio::time::timeout(PATIENCE, self.stdout.read_line(&mut line))
            .await
            .expect("a message in time")
            .unwrap();
        let message: Value = (read > 0).then(|| serde_json::from_str(&line).unwrap())?;
        self.transcript.push(message.clone());
        Some(message)
    }

    /// The next message for which `wanted` holds, skipping others.
    pub async fn next_matching(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = self.next().await.expect("the other side closed its output");
            if wanted(&message) {
                return message;
            }
        }
    }

    /// Sends a whole request message and returns its response, skipping other messages.
    pub async fn request_message(&mut self, message: Value) -> Value {
        let id = message["id"].clone();
        self.send(message).await;
        self.next_matching(|m| m["id"] == id && m.get("method").is_none())
            .await
    }

    /// Sends a request and returns its response, skipping other messages.
    pub async fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.request_message(
            json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        )
        .await
    }

    /// The handshake: `initialize` (id 1) and `notifications/initialized`.
    pub async fn initialize(&mut self) -> Value {
        let answer = self
            .request(
                1,
                "initialize",
                json!({ "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": "proxy-test", "version": "1" } }),
            )
            .await;
        self.send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))
            .await;
        answer
    }

    /// Closes stdin (how stdio MCP ends a session) and returns the exit code.
    pub async fn finish(self) -> Option<i32> {
        self.finish_reading().await.0
    }

    /// Closes stdin and returns the exit code and the whole transcript.
    pub async fn finish_reading(mut self) -> (Option<i32>, Vec<Value>) {
        drop(self.stdin.take());
        while self.next().await.is_some() {}
        let code = tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .expect("exited in time")
            .unwrap()
            .code();
        (code, self.transcript)
    }
}
