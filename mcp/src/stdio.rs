//! The stdio proxy: starts the MCP server as a child in its own process group and copies
//! the agent's stdin to the child's stdin and the child's stdout to the agent's stdout, one
//! newline-delimited JSON-RPC message at a time, unchanged, flushing each at once. Before a
//! client message goes on, the [`Gate`] may answer it in the server's place or hold it for
//! a human (other messages keep flowing meanwhile); a `tools/list` answer may be reviewed
//! by the gate on its way back. A client's request is noted by the [`Observer`] just before
//! it goes on (so its answer is always matched); everything else is read after forwarding. The child's stderr is the proxy's stderr. When the agent closes
//! stdin the child's stdin is closed and the child gets a moment to exit; when the proxy
//! ends, for whatever reason, the child's whole process group is killed.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::process::Command;

use crate::gate::{Decision, Gate, Step};
use crate::observe::Observer;
use crate::recorder::Recorder;

/// How long a server whose stdin was closed may take to exit before it is killed.
const GRACE: Duration = Duration::from_secs(5);
/// Largest message accepted on either side (a bigger line is forwarded, but not parsed).
const MAX_PARSED_LINE: usize = 16 * 1024 * 1024;

/// Kills the child's process group when dropped, so no grandchild outlives the proxy.
struct GroupGuard(Option<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.0 {
            // SAFETY: kill(2) with a negative pid signals the process group we created for
            // the child; it touches no memory. No crate in the workspace wraps it.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

/// Runs `command` behind the proxy on this process's stdin and stdout until the server
/// exits; returns its exit code.
pub async fn run(
    command: &[String],
    gate: Gate,
    observer: Observer,
    recorder: Recorder,
) -> anyhow::Result<i32> {
    proxy(
        command,
        gate,
        observer,
        recorder,
        tokio::io::stdin(),
        tokio::io::stdout(),
    )
    .await
}

/// The writing end of a stream, shared by the pumps and held calls; `None` once closed.
type Shared<W> = Arc<tokio::sync::Mutex<Option<W>>>;

/// What both directions share.
struct Sides<A, S> {
    agent: Shared<A>,
    server: Shared<S>,
    gate: Gate,
    observer: Arc<Mutex<Observer>>,
    recorder: Recorder,
}

impl<A, S> Clone for Sides<A, S> {
    fn clone(&self) -> Self {
        Sides {
            agent: self.agent.clone(),
            server: self.server.clone(),
            gate: self.gate.clone(),
            observer: self.observer.clone(),
            recorder: self.recorder.clone(),
        }
    }
}

impl<A, S> Sides<A, S>
where
    A: AsyncWrite + Unpin + Send + 'static,
    S: AsyncWrite + Unpin + Send + 'static,
{
    /// Forwards a client line to the server. The observer notes the request first: a fast
    /// server's answer can reach the other pump before this one would have got to it, and an
    /// answer seen before its request would go unrecorded.
    async fn to_server(&self, line: &[u8]) -> bool {
        if line.len() <= MAX_PARSED_LINE {
            lock(&self.observer).from_client(line);
        }
        send(&self.server, line).await
    }

    /// Writes a server line (or one the gate wrote in the server's place) to the client.
    async fn to_agent(&self, line: &[u8]) -> bool {
        let sent = send(&self.agent, line).await;
        if sent && line.len() <= MAX_PARSED_LINE {
            for activity in lock(&self.observer).from_server(line) {
                self.recorder.record(activity);
            }
        }
        sent
    }

    /// Answers a client request in the server's place: the observer sees the request and
    /// the answer as if the server had given it, so a refused call is recorded too.
    async fn answer(&self, request: &[u8], answer: &Value) -> bool {
        if request.len() <= MAX_PARSED_LINE {
            lock(&self.observer).from_client(request);
        }
        self.to_agent(&as_line(answer)).await
    }

    /// Follows a held call's steps to the end, in its own task.
    fn hold(&self, line: Vec<u8>, mut steps: tokio::sync::mpsc::Receiver<Step>) {
        let sides = self.clone();
        tokio::spawn(async move {
            while let Some(step) = steps.recv().await {
                match step {
                    Step::Notify(message) => {
                        if !send(&sides.agent, &as_line(&message)).await {
                            return;
                        }
                    }
                    Step::Forward => {
                        sides.to_server(&line).await;
                        return;
                    }
                    Step::Answer(answer) => {
                        sides.answer(&line, &answer).await;
                        return;
                    }
                }
            }
        });
    }
}

/// [`run`] over any agent-side streams (tests use pipes).
pub async fn proxy<R, W>(
    command: &[String],
    gate: Gate,
    observer: Observer,
    recorder: Recorder,
    agent_in: R,
    agent_out: W,
) -> anyhow::Result<i32>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (program, args) = command
        .split_first()
        .context("no server command given after --")?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting the MCP server `{program}`"))?;
    let _group = GroupGuard(child.id().and_then(|id| i32::try_from(id).ok()));
    let child_in = child.stdin.take().context("the server's stdin")?;
    let child_out = child.stdout.take().context("the server's stdout")?;
    let sides = Sides {
        agent: Arc::new(tokio::sync::Mutex::new(Some(agent_out))),
        server: Arc::new(tokio::sync::Mutex::new(Some(child_in))),
        gate,
        observer: Arc::new(Mutex::new(observer)),
        recorder,
    };

    let upstream = tokio::spawn(from_agent(agent_in, sides.clone()));
    let downstream = tokio::spawn(from_server(child_out, sides));

    let status = tokio::select! {
        status = child.wait() => status?,
        _ = upstream => {
            // The agent went away: give the server its grace period, then end it.
            match tokio::time::timeout(GRACE, child.wait()).await {
                Ok(status) => status?,
                Err(_) => {
                    child.start_kill()?;
                    child.wait().await?
                }
            }
        }
    };
    // Whatever the server wrote before exiting still reaches the agent.
    let _ = tokio::time::timeout(Duration::from_secs(1), downstream).await;
    Ok(status.code().unwrap_or(1))
}

/// Agent → server, a line at a time, through the gate. Ends at the end of the agent's
/// input; the server's stdin is then closed (how stdio MCP asks a server to shut down)
/// once no held call can still be forwarded to it.
async fn from_agent<R, A, S>(from: R, sides: Sides<A, S>)
where
    R: AsyncRead + Unpin,
    A: AsyncWrite + Unpin + Send + 'static,
    S: AsyncWrite + Unpin + Send + 'static,
{
    let mut lines = BufReader::new(from);
    let mut line = Vec::new();
    while next_line(&mut lines, &mut line).await {
        let going = match sides.gate.check_bytes(&line) {
            Decision::Forward => sides.to_server(&line).await,
            Decision::Answer(answer) => sides.answer(&line, &answer).await,
            Decision::Hold(steps) => {
                sides.hold(line.clone(), steps);
                true
            }
        };
        if !going {
            break;
        }
    }
    // Dropping the server's stdin closes it.
    sides.server.lock().await.take();
}

/// Server → agent, a line at a time; answers to `tools/list` go through the gate's review.
async fn from_server<R, A, S>(from: R, sides: Sides<A, S>)
where
    R: AsyncRead + Unpin,
    A: AsyncWrite + Unpin + Send + 'static,
    S: AsyncWrite + Unpin + Send + 'static,
{
    let mut lines = BufReader::new(from);
    let mut line = Vec::new();
    while next_line(&mut lines, &mut line).await {
        let reviewed = match sides.gate.awaits_review() {
            true => review(&sides.gate, &line).await,
            false => None,
        };
        let line = reviewed.as_deref().unwrap_or(&line);
        if !sides.to_agent(line).await {
            break;
        }
    }
}

/// The gate's version of a `tools/list` answer, if `line` is one it asked to review.
async fn review(gate: &Gate, line: &[u8]) -> Option<Vec<u8>> {
    let message: Value = serde_json::from_slice(line).ok()?;
    if !gate.expects_review(&message) {
        return None;
    }
    Some(as_line(&gate.review_tools_list(message).await))
}

/// Reads the next newline-terminated message into `line`; false at the end of input or on
/// a read error.
async fn next_line<R: AsyncRead + Unpin>(from: &mut BufReader<R>, line: &mut Vec<u8>) -> bool {
    line.clear();
    matches!(from.read_until(b'\n', line).await, Ok(n) if n > 0)
}

fn as_line(message: &Value) -> Vec<u8> {
    let mut line = serde_json::to_vec(message).unwrap_or_default();
    line.push(b'\n');
    line
}

/// Writes and flushes one line; false once the other side is gone.
async fn send<W: AsyncWrite + Unpin>(to: &tokio::sync::Mutex<Option<W>>, line: &[u8]) -> bool {
    let mut to = to.lock().await;
    let Some(to) = to.as_mut() else {
        return false;
    };
    to.write_all(line).await.is_ok() && to.flush().await.is_ok()
}

fn lock(observer: &Mutex<Observer>) -> std::sync::MutexGuard<'_, Observer> {
    // A panic while holding the lock cannot leave the observer half-updated in a way that
    // matters for forwarding, so a poisoned lock is still used.
    observer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
