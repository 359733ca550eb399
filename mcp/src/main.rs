//! The `humanaios-mcp` command.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Parser, Subcommand};
use humanaios_mcp::gate::Gate;
use humanaios_mcp::govern::{Governor, GovernorConfig, api::Api};
use humanaios_mcp::http::{self, HttpConfig};
use humanaios_mcp::{observe::Observer, recorder, stdio};

/// How long the HTTP proxy waits, once stopped, for the recorder's last send.
const FINAL_SEND: Duration = Duration::from_secs(12);

#[derive(Parser)]
#[command(name = "humanaios-mcp", version, about = "HumanAIOS MCP proxy")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs an MCP server behind the proxy on stdin/stdout:
    /// `humanaios-mcp proxy --agent-id ID -- npx -y @modelcontextprotocol/server-everything`,
    /// or stands in front of a Streamable HTTP server:
    /// `humanaios-mcp proxy --agent-id ID --listen 127.0.0.1:3000 --upstream http://127.0.0.1:3001/mcp`.
    #[command(group(ArgGroup::new("transport").required(true).args(["listen", "server"])))]
    Proxy {
        /// The HumanAIOS API the calls are recorded with.
        #[arg(
            long,
            env = "HUMANAIOS_API_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        api_url: String,
        /// An API key with the INGEST (or FULL) scope.
        #[arg(long, env = "HUMANAIOS_API_KEY", hide_env_values = true)]
        api_key: String,
        /// The agent the calls are recorded for (its id in HumanAIOS).
        #[arg(long, env = "HUMANAIOS_AGENT_ID")]
        agent_id: String,
        /// Where calls wait while the API is unreachable.
        #[arg(long, env = "HUMANAIOS_MCP_SPOOL")]
        spool: Option<PathBuf>,
        /// The policy file (TOML): which tools are allowed, denied or held for a human's
        /// approval, the budget guard and tool pinning; reloaded when it changes.
        #[arg(long, env = "HUMANAIOS_MCP_POLICY")]
        policy: Option<PathBuf>,
        /// Serve Streamable HTTP on this address (the MCP endpoint is `/mcp`), forwarding
        /// to `--upstream`.
        #[arg(long, requires = "upstream")]
        listen: Option<SocketAddr>,
        /// The upstream server's MCP endpoint, e.g. `http://127.0.0.1:3001/mcp`.
        #[arg(long, requires = "listen")]
        upstream: Option<String>,
        /// Sent as `Authorization` to the upstream instead of the client's own (without it
        /// the client's is passed through), e.g. `Bearer TOKEN`.
        #[arg(
            long,
            env = "HUMANAIOS_MCP_UPSTREAM_AUTHORIZATION",
            hide_env_values = true,
            requires = "upstream"
        )]
        upstream_authorization: Option<String>,
        /// The stdio server's command and its arguments.
        #[arg(last = true)]
        server: Vec<String>,
    },
}

fn main() -> anyhow::Result<()> {
    // stdout carries the protocol: logs go to stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HUMANAIOS_MCP_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Command::Proxy {
        api_url,
        api_key,
        agent_id,
        spool,
        policy,
        listen,
        upstream,
        upstream_authorization,
        server,
    } = Cli::parse().command;
    let spool = spool
        .unwrap_or_else(|| std::env::temp_dir().join(format!("humanaios-mcp-{agent_id}.spool")));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let code = runtime.block_on(async {
        let governor = Governor::start(GovernorConfig {
            policy,
            api: Api::new(&api_url, &api_key, &agent_id)?,
            // Which server tool pins belong to: the upstream's URL or the command.
            server: upstream.clone().unwrap_or_else(|| server.join(" ")),
        })?;
        let gate = Gate::governed(governor);
        let (recorder, sender) = recorder::start(recorder::RecorderConfig {
            api_url,
            api_key,
            spool,
        });
        match (listen, upstream) {
            (Some(listen), Some(upstream)) => {
                let config = HttpConfig {
                    upstream,
                    upstream_authorization,
                    agent_id,
                };
                let served = http::run(listen, config, gate, recorder).await;
                // The recorder ends once its last handle is gone; a request the proxy gave
                // up waiting for may still hold one, so the final send is waited for only
                // as long as one send may take.
                let _ = tokio::time::timeout(FINAL_SEND, sender).await;
                served.map(|()| 0)
            }
            _ => {
                let observer = Observer::new(agent_id, uuid::Uuid::now_v7());
                let code = stdio::run(&server, gate, observer, recorder).await;
                // The recorder ends once its last handle is gone; wait for its final send.
                let _ = sender.await;
                code
            }
        }
    })?;
    std::process::exit(code)
}
