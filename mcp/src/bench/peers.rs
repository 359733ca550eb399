//! What the bench measures against: the real `@modelcontextprotocol/server-everything` run
//! by Node.js (over stdio, or in `streamableHttp` mode on a port of its own), and this same
//! binary's `proxy` subcommand in front of it, started as a user would start it, recording
//! to the bench's sink.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, bail};
use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// Where npm installs server-everything's entry point, relative to a project directory.
const SERVER_EVERYTHING: &str =
    "node_modules/@modelcontextprotocol/server-everything/dist/index.js";
/// What the HTTP proxy says on stderr before its URL once it listens.
const LISTENING: &str = "listening on ";
/// How long a server or proxy may take to start listening.
const STARTUP: Duration = Duration::from_secs(30);

/// How to run server-everything.
#[derive(Debug, Clone)]
pub struct ServerEverything {
    pub node: String,
    pub script: PathBuf,
}

impl ServerEverything {
    /// Uses `script` if given, otherwise looks for it in `node_modules` from the current
    /// directory up.
    pub fn locate(node: String, script: Option<PathBuf>) -> anyhow::Result<ServerEverything> {
        let script = match script {
            Some(script) => script,
            None => {
                let here = std::env::current_dir()?;
                here.ancestors()
                    .map(|dir| dir.join(SERVER_EVERYTHING))
                    .find(|candidate| candidate.exists())
                    .with_context(|| {
                        format!(
                            "{SERVER_EVERYTHING} not found in {} or above: run `npm ci` \
                             (scripts/setup.sh) or pass --server-everything PATH",
                            here.display()
                        )
                    })?
            }
        };
        if !script.exists() {
            bail!("{} does not exist", script.display());
        }
        Ok(ServerEverything { node, script })
    }

    /// The command line that runs it in `mode` (`stdio` or `streamableHttp`).
    fn command_line(&self, mode: &str) -> Vec<String> {
        vec![
            self.node.clone(),
            self.script.display().to_string(),
            mode.to_owned(),
        ]
    }

    /// Starts it over stdio.
    pub fn stdio(&self) -> anyhow::Result<Child> {
        let line = self.command_line("stdio");
        spawn(piped(Command::new(&line[0]).args(&line[1..])).stderr(Stdio::null()))
    }

    /// Starts it in Streamable HTTP mode on a free port; returns it and its MCP endpoint
    /// once it listens.
    pub async fn http(&self) -> anyhow::Result<(Child, String)> {
        let port = free_port()?;
        let line = self.command_line("streamableHttp");
        // It logs every request on stdout; only its stderr says when it listens.
        let mut child = spawn(
            Command::new(&line[0])
                .args(&line[1..])
                .env("PORT", port.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped()),
        )?;
        let stderr = child.stderr.take().context("server-everything's stderr")?;
        tokio::time::timeout(STARTUP, said(stderr, "listening on port"))
            .await
            .context("server-everything did not start listening in time")??;
        Ok((child, format!("http://127.0.0.1:{port}/mcp")))
    }
}

/// Where and as whom the proxies record.
#[derive(Debug, Clone)]
pub struct Recording {
    pub api_url: String,
    pub api_key: String,
    pub agent_id: String,
    pub spool: PathBuf,
}

impl Recording {
    /// `humanaios-mcp proxy` with these recording options.
    fn proxy(&self) -> anyhow::Result<Command> {
        let exe = std::env::current_exe().context("finding this program to run its proxy")?;
        let mut command = Command::new(exe);
        command
            .arg("proxy")
            .args(["--api-url", &self.api_url])
            .args(["--api-key", &self.api_key])
            .args(["--agent-id", &self.agent_id])
            .arg("--spool")
            .arg(&self.spool)
            // Only the proxy's own warnings, not those of a caller's HUMANAIOS_MCP_LOG.
            .env("HUMANAIOS_MCP_LOG", "warn");
        Ok(command)
    }

    /// The stdio proxy in front of server-everything.
    pub fn stdio_proxy(&self, server: &ServerEverything) -> anyhow::Result<Child> {
        let mut command = self.proxy()?;
        // The proxy passes its stderr on to the server; server-everything greets on it.
        command
            .arg("--")
            .args(server.command_line("stdio"))
            .stderr(Stdio::null());
        spawn(piped(&mut command))
    }

    /// The HTTP proxy in front of `upstream` on a port of its choosing; returns it and its
    /// MCP endpoint once it listens.
    pub async fn http_proxy(&self, upstream: &str) -> anyhow::Result<(Child, String)> {
        let mut command = self.proxy()?;
        command
            .args(["--listen", "127.0.0.1:0", "--upstream", upstream])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = spawn(&mut command)?;
        let stderr = child.stderr.take().context("the proxy's stderr")?;
        let line = tokio::time::timeout(STARTUP, said(stderr, LISTENING))
            .await
            .context("the HTTP proxy did not start listening in time")??;
        let url = line
            .split_once(LISTENING)
            .map(|(_, url)| url.trim().to_owned())
            .context("the proxy's listening line has no URL")?;
        Ok((child, url))
    }
}

/// Asks a child to stop as a service is stopped (SIGTERM) and waits for it to exit.
pub async fn terminate(mut child: Child, within: Duration) -> anyhow::Result<()> {
    if let Some(pid) = child.id().and_then(|id| i32::try_from(id).ok()) {
        // SAFETY: kill(2) on our own child's pid; it touches no memory.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
    let status = tokio::time::timeout(within, child.wait())
        .await
        .with_context(|| format!("it did not exit within {within:?} of SIGTERM"))??;
    if !status.success() {
        bail!("it exited with {status}");
    }
    Ok(())
}

/// The stdin and stdout of a stdio MCP session.
fn piped(command: &mut Command) -> &mut Command {
    command.stdin(Stdio::piped()).stdout(Stdio::piped())
}

fn spawn(command: &mut Command) -> anyhow::Result<Child> {
    let program = command.as_std().get_program().to_owned();
    command
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", Path::new(&program).display()))
}

/// A loopback port free right now (the OS picks it; the child binds it soon after).
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// Reads `from` until a line contains `words` and returns that line; the rest is passed
/// on to the bench's stderr (a full pipe would stall the child, and its warnings matter).
async fn said<R: AsyncRead + Unpin + Send + 'static>(
    from: R,
    words: &str,
) -> anyhow::Result<String> {
    let mut lines = BufReader::new(from).lines();
    while let Some(line) = lines.next_line().await? {
        if line.contains(words) {
            tokio::spawn(async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    eprintln!("{line}");
                }
            });
            return Ok(line);
        }
    }
    bail!("it exited before saying `{words}`")
}
