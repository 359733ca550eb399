//! The `humanaios-mcp` command.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use humanaios_mcp::bench::{self, BenchArgs};
use humanaios_mcp::gate::Gate;
use humanaios_mcp::govern::{Governor, GovernorConfig, api::Api};
use humanaios_mcp::{observe::Observer, recorder, stdio};

#[derive(Parser)]
#[command(name = "humanaios-mcp", version, about = "HumanAIOS MCP proxy")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs an MCP server behind the proxy on stdin/stdout:
    /// `humanaios-mcp proxy --agent-id ID -- npx -y @modelcontextprotocol/server-everything`.
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
        /// The server command and its arguments.
        #[arg(last = true, required = true)]
        server: Vec<String>,
    },
    /// Measures the latency the proxy adds to `tools/call echo` against server-everything,
    /// over stdio and Streamable HTTP, with recording on: `humanaios-mcp bench`.
    Bench(BenchArgs),
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (api_url, api_key, agent_id, spool, policy, server) = match Cli::parse().command {
        Command::Bench(args) => return runtime.block_on(bench::run(args)),
        Command::Proxy {
            api_url,
            api_key,
            agent_id,
            spool,
            policy,
            server,
        } => (api_url, api_key, agent_id, spool, policy, server),
    };
    let spool = spool
        .unwrap_or_else(|| std::env::temp_dir().join(format!("humanaios-mcp-{agent_id}.spool")));
    let code = runtime.block_on(async {
        let governor = Governor::start(GovernorConfig {
            policy,
            api: Api::new(&api_url, &api_key, &agent_id)?,
            server: server.join(" "),
        })?;
        let (recorder, sender) = recorder::start(recorder::RecorderConfig {
            api_url,
            api_key,
            spool,
        });
        let observer = Observer::new(agent_id, uuid::Uuid::now_v7());
        let code = stdio::run(&server, Gate::governed(governor), observer, recorder).await;
        // The recorder ends once its last handle is gone; wait for its final send.
        let _ = sender.await;
        code
    })?;
    std::process::exit(code)
}
