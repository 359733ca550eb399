//! The stdio proxy: starts the MCP server as a child in its own process group and copies
//! the agent's stdin to the child's stdin and the child's stdout to the agent's stdout, one
//! newline-delimited JSON-RPC message at a time, unchanged, flushing each at once. Before a
//! client message goes on, the [`Gate`] may answer it in the server's place or hold it for
//! a human (other messages keep flowing meanwhile); a `tools/list` answer may be reviewed
//! by the gate on its way back. Messages are read on the side by an [`Observer`] in a task
//! of its own ([`Watch`]): the forwarding tasks only queue a copy of each line, a client's
//! before it is written to the server, so its answer can never be seen first. The child's stderr is the proxy's stderr. When the agent closes
//! stdin the child's stdin is closed and the child gets a moment to exit; when the proxy
//! ends, for whatever reason, the child's whole process group is killed.

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::process::Command;

use crate::gate::{Decision, Gate, Step, contains, lists_tools};
use crate::http::watch::Watch;
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
    let (agent_in, agent_out) = agent_streams();
    proxy(command, gate, observer, recorder, agent_in, agent_out).await
}

/// This process's stdin and stdout as async streams. When they are pipes, as when an
/// agent starts the proxy, they are read and written as pipes, by the runtime's event
/// loop; tokio's stdin and stdout would hand every read and write to a blocking thread and
/// back, tens of µs on every message. Anything else (a terminal, a file), or a stdout that
/// is also stderr (its writes must not become non-blocking), goes through tokio's.
fn agent_streams() -> (
    Box<dyn AsyncRead + Unpin + Send>,
    Box<dyn AsyncWrite + Unpin + Send>,
) {
    use std::os::fd::AsFd as _;
    use tokio::net::unix::pipe;

    let agent_in: Box<dyn AsyncRead + Unpin + Send> = match std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .and_then(pipe::Receiver::from_owned_fd)
    {
        Ok(pipe) => Box::new(pipe),
        Err(_) => Box::new(tokio::io::stdin()),
    };
    let stdout = std::io::stdout();
    let shared_with_stderr = same_file(stdout.as_fd(), std::io::stderr().as_fd());
    let agent_out: Box<dyn AsyncWrite + Unpin + Send> = match stdout
        .as_fd()
        .try_clone_to_owned()
        .and_then(pipe::Sender::from_owned_fd)
    {
        Ok(pipe) if !shared_with_stderr => Box::new(pipe),
        _ => Box::new(tokio::io::stdout()),
    };
    (agent_in, agent_out)
}

/// Whether two descriptors are the same file (so a flag set on one may show on the other).
fn same_file(a: std::os::fd::BorrowedFd<'_>, b: std::os::fd::BorrowedFd<'_>) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let metadata = |fd: std::os::fd::BorrowedFd<'_>| {
        fd.try_clone_to_owned()
            .and_then(|fd| std::fs::File::from(fd).metadata())
    };
    match (metadata(a), metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        // Unknown: assume they are, and take the safe path.
        _ => true,
    }
}

/// The writing end of a stream, shared by the pumps and held calls; `None` once closed.
type Shared<W> = Arc<tokio::sync::Mutex<Option<W>>>;

/// What both directions share.
struct Sides<A, S> {
    agent: Shared<A>,
    server: Shared<S>,
    gate: Gate,
    watch: Watch,
    /// Ids of the client's `tools/list` requests whose answers the gate reviews.
    lists: Arc<std::sync::Mutex<HashSet<String>>>,
}

impl<A, S> Clone for Sides<A, S> {
    fn clone(&self) -> Self {
        Sides {
            agent: self.agent.clone(),
            server: self.server.clone(),
            gate: self.gate.clone(),
            watch: self.watch.clone(),
            lists: self.lists.clone(),
        }
    }
}

impl<A, S> Sides<A, S>
where
    A: AsyncWrite + Unpin + Send + 'static,
    S: AsyncWrite + Unpin + Send + 'static,
{
    /// Forwards a client line to the server. The observer (and, for a `tools/list` the
    /// gate reviews, the list of those awaited) is told first: the server's answer may be
    /// read back before this task runs again.
    async fn to_server(&self, line: &[u8]) -> bool {
        self.note_client(line);
        if !self.gate.is_open()
            && contains(line, b"tools/list")
            && let Ok(message) = serde_json::from_slice::<Value>(line)
            && let Some(id) = lists_tools(&message)
        {
            lists(&self.lists).insert(id.to_string());
        }
        send(&self.server, line).await
    }

    /// Writes a server line (or one the gate wrote in the server's place) to the client.
    async fn to_agent(&self, line: &[u8]) -> bool {
        let sent = send(&self.agent, line).await;
        if sent && line.len() <= MAX_PARSED_LINE {
            self.watch.server(Bytes::copy_from_slice(line));
        }
        sent
    }

    /// Answers a client request in the server's place: the observer sees the request and
    /// the answer as if the server had given it, so a refused call is recorded too.
    async fn answer(&self, request: &[u8], answer: &Value) -> bool {
        self.note_client(request);
        self.to_agent(&as_line(answer)).await
    }

    /// Queues a client line for the observer.
    fn note_client(&self, line: &[u8]) {
        if line.len() <= MAX_PARSED_LINE {
            self.watch.client(Bytes::copy_from_slice(line));
        }
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
        watch: Watch::start(observer, recorder),
        lists: Arc::default(),
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
        let awaited = !lists(&sides.lists).is_empty();
        let reviewed = match awaited {
            true => review(&sides, &line).await,
            false => None,
        };
        let line = reviewed.as_deref().unwrap_or(&line);
        if !sides.to_agent(line).await {
            break;
        }
    }
}

/// The gate's version of a `tools/list` answer, if `line` answers one the client sent.
async fn review<A, S>(sides: &Sides<A, S>, line: &[u8]) -> Option<Vec<u8>> {
    let message: Value = serde_json::from_slice(line).ok()?;
    let answers_list = message.get("method").is_none()
        && message
            .get("id")
            .is_some_and(|id| lists(&sides.lists).remove(&id.to_string()));
    if !answers_list {
        return None;
    }
    Some(as_line(&sides.gate.review_tools_list(message).await))
}

fn lists(lists: &std::sync::Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
    // A set of ids is never left half-updated; a poisoned lock is still usable.
    lists
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
