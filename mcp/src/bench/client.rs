//! The bench's MCP client, written by hand so that it adds as little as possible of its own:
//! JSON-RPC over a child's stdin/stdout (one message per line) or over Streamable HTTP
//! POSTs (answered with JSON or with an SSE stream). It initializes a session, then makes
//! sequential `tools/call echo` round trips, each timed from writing the request to having
//! read its answer, and checks every answer is the echo.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};

/// The protocol version the bench asks for (server-everything speaks it).
const PROTOCOL: &str = "2025-06-18";
/// The longest a single answer may take before the bench gives up.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// What every call sends to `echo`, and what it must answer.
const MESSAGE: &str = "hello from humanaios-mcp bench";

/// How messages travel to a server and back.
pub(crate) trait Transport {
    /// Sends `request` (request number `id`) and returns the server's answer to it.
    async fn round_trip(&mut self, request: &[u8], id: u64) -> anyhow::Result<Value>;
    /// Sends a notification, which has no answer.
    async fn notify(&mut self, notification: &[u8]) -> anyhow::Result<()>;
    /// Notes the protocol version the session agreed on.
    fn agreed(&mut self, _protocol: &str) {}
}

/// A session with an MCP server over a transport.
pub struct Client<T> {
    transport: T,
    ids: u64,
}

impl<T: Transport> Client<T> {
    /// Initializes a session over `transport` (`initialize`, then
    /// `notifications/initialized`).
    pub async fn initialize(transport: T) -> anyhow::Result<Client<T>> {
        let mut client = Client { transport, ids: 0 };
        let (answer, _) = client
            .request(
                "initialize",
                json!({
                    "protocolVersion": PROTOCOL,
                    "capabilities": {},
                    "clientInfo": { "name": "humanaios-mcp-bench", "version": env!("CARGO_PKG_VERSION") },
                }),
            )
            .await?;
        if let Some(protocol) = answer["protocolVersion"].as_str() {
            client.transport.agreed(protocol);
        }
        let initialized =
            as_line(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
        client.transport.notify(&initialized).await?;
        Ok(client)
    }

    /// One `tools/call echo` round trip; returns how long it took.
    pub async fn echo(&mut self) -> anyhow::Result<Duration> {
        let (answer, took) = self
            .request(
                "tools/call",
                json!({ "name": "echo", "arguments": { "message": MESSAGE } }),
            )
            .await?;
        let text = answer["content"][0]["text"].as_str().unwrap_or_default();
        ensure!(
            text.ends_with(MESSAGE),
            "echo answered something else: {answer}"
        );
        Ok(took)
    }

    /// `n` echo round trips in a row: each one's time, and the time of all.
    pub async fn echoes(&mut self, n: usize) -> anyhow::Result<(Vec<Duration>, Duration)> {
        let mut round_trips = Vec::with_capacity(n);
        let start = Instant::now();
        for _ in 0..n {
            round_trips.push(self.echo().await?);
        }
        Ok((round_trips, start.elapsed()))
    }

    /// The session's transport, to end it.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Sends a request and waits for its result; returns the result and the round trip.
    async fn request(&mut self, method: &str, params: Value) -> anyhow::Result<(Value, Duration)> {
        self.ids += 1;
        let id = self.ids;
        let request =
            as_line(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let start = Instant::now();
        let answer = tokio::time::timeout(ANSWER_TIMEOUT, self.transport.round_trip(&request, id))
            .await
            .with_context(|| format!("no answer to `{method}` within {ANSWER_TIMEOUT:?}"))??;
        let took = start.elapsed();
        if let Some(error) = answer.get("error") {
            bail!("`{method}` failed: {error}");
        }
        Ok((answer["result"].clone(), took))
    }
}

/// A session over a child's stdin and stdout.
pub struct StdioClient {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    line: Vec<u8>,
}

impl StdioClient {
    /// Talks to `child`, which must have been spawned with piped stdin and stdout.
    pub fn new(mut child: Child) -> anyhow::Result<StdioClient> {
        let stdin = child
            .stdin
            .take()
            .context("the server's stdin is not piped")?;
        let stdout = child
            .stdout
            .take()
            .context("the server's stdout is not piped")?;
        Ok(StdioClient {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            line: Vec::new(),
        })
    }

    async fn write(&mut self, line: &[u8]) -> anyhow::Result<()> {
        let stdin = self.stdin.as_mut().context("the session is closed")?;
        stdin.write_all(line).await?;
        stdin.flush().await?;
        Ok(())
    }

    /// Ends the session as stdio MCP does, by closing the server's stdin, and waits for
    /// the child to exit (a proxy exits after its last recording is sent).
    pub async fn finish(mut self, within: Duration) -> anyhow::Result<()> {
        drop(self.stdin.take());
        let status = tokio::time::timeout(within, self.child.wait())
            .await
            .with_context(|| format!("the server did not exit within {within:?}"))??;
        ensure!(status.success(), "the server exited with {status}");
        Ok(())
    }
}

impl Transport for StdioClient {
    /// Writes the request, then reads lines until its answer (skipping notifications).
    async fn round_trip(&mut self, request: &[u8], id: u64) -> anyhow::Result<Value> {
        self.write(request).await?;
        loop {
            self.line.clear();
            let read = self.stdout.read_until(b'\n', &mut self.line).await?;
            ensure!(read > 0, "the server closed its output");
            if let Some(answer) = answer_to(&self.line, id) {
                return Ok(answer);
            }
        }
    }

    async fn notify(&mut self, notification: &[u8]) -> anyhow::Result<()> {
        self.write(notification).await
    }
}

/// A session over Streamable HTTP.
pub struct HttpClient {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
    protocol: Option<String>,
}

impl HttpClient {
    /// A session with the MCP endpoint at `url`, e.g. `http://127.0.0.1:3001/mcp`.
    pub fn new(url: String) -> anyhow::Result<HttpClient> {
        Ok(HttpClient {
            http: reqwest::Client::builder().build()?,
            url,
            session: None,
            protocol: None,
        })
    }

    /// POSTs one message; returns the body of the answer (empty for a 202).
    async fn post(&mut self, body: &[u8]) -> anyhow::Result<String> {
        let mut request = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_vec());
        if let Some(session) = &self.session {
            request = request.header("mcp-session-id", session);
        }
        if let Some(protocol) = &self.protocol {
            request = request.header("mcp-protocol-version", protocol);
        }
        let answer = request.send().await?;
        let status = answer.status();
        if let Some(session) = answer.headers().get("mcp-session-id") {
            self.session = Some(session.to_str()?.to_owned());
        }
        let text = answer.text().await?;
        ensure!(status.is_success(), "{status}: {text}");
        Ok(text)
    }
}

impl Transport for HttpClient {
    /// POSTs the request and finds its answer in the JSON body or the SSE stream.
    async fn round_trip(&mut self, request: &[u8], id: u64) -> anyhow::Result<Value> {
        let body = self.post(request).await?;
        // A JSON body is one line of its own; an SSE stream carries it on `data:` lines.
        let found = answer_to(body.as_bytes(), id).or_else(|| {
            body.lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .find_map(|data| answer_to(data.as_bytes(), id))
        });
        found.with_context(|| format!("no answer to request {id} in: {body}"))
    }

    async fn notify(&mut self, notification: &[u8]) -> anyhow::Result<()> {
        self.post(notification).await.map(drop)
    }

    fn agreed(&mut self, protocol: &str) {
        self.protocol = Some(protocol.to_owned());
    }
}

/// The message in `line` if it answers request `id`.
fn answer_to(line: &[u8], id: u64) -> Option<Value> {
    let message: Value = serde_json::from_slice(line).ok()?;
    (message.get("method").is_none() && message["id"] == json!(id)).then_some(message)
}

fn as_line(message: &Value) -> Vec<u8> {
    let mut line = message.to_string().into_bytes();
    line.push(b'\n');
    line
}
