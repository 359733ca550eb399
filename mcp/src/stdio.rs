//! The stdio proxy: starts the MCP server as a child in its own process group and copies
//! the agent's stdin to the child's stdin and the child's stdout to the agent's stdout, one
//! newline-delimited JSON-RPC message at a time, unchanged, flushing each at once. Only
//! after a message is forwarded is it read, on the side, by the [`Observer`]. The child's
//! stderr is the proxy's stderr. When the agent closes stdin the child's stdin is closed
//! and the child gets a moment to exit; when the proxy ends, for whatever reason, the
//! child's whole process group is killed.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::process::Command;

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
    observer: Observer,
    recorder: Recorder,
) -> anyhow::Result<i32> {
    proxy(
        command,
        observer,
        recorder,
        tokio::io::stdin(),
        tokio::io::stdout(),
    )
    .await
}

/// [`run`] over any agent-side streams (tests use pipes).
pub async fn proxy<R, W>(
    command: &[String],
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
    let observer = Arc::new(Mutex::new(observer));

    // Agent → server. Closing the server's stdin afterwards (the writer is dropped) is how
    // stdio MCP asks it to shut down.
    let upstream_observer = observer.clone();
    let upstream = tokio::spawn(pump(agent_in, child_in, move |line| {
        lock(&upstream_observer).from_client(line);
    }));
    // Server → agent.
    let downstream = tokio::spawn(pump(child_out, agent_out, move |line| {
        for activity in lock(&observer).from_server(line) {
            recorder.record(activity);
        }
    }));

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

/// Copies `from` to `to` a line at a time, flushing each, then shows the line to `seen`;
/// ends at end of input or when either side fails.
async fn pump<R, W>(from: R, mut to: W, mut seen: impl FnMut(&[u8]) + Send)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut lines = BufReader::new(from);
    let mut line = Vec::new();
    loop {
        line.clear();
        match lines.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if to.write_all(&line).await.is_err() || to.flush().await.is_err() {
            break;
        }
        if line.len() <= MAX_PARSED_LINE {
            seen(&line);
        }
    }
}

fn lock(observer: &Mutex<Observer>) -> std::sync::MutexGuard<'_, Observer> {
    // A panic while holding the lock cannot leave the observer half-updated in a way that
    // matters for forwarding, so a poisoned lock is still used.
    observer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
