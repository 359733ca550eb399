//! `humanaios-mcp bench`: the latency the proxy adds. One run makes sequential
//! `tools/call echo` round trips against the real `@modelcontextprotocol/server-everything`,
//! directly and through this binary's own `proxy` subcommand (recording on), over stdio
//! and over Streamable HTTP. Direct and proxied rounds alternate, after a warm-up, so that
//! drift of a shared machine hits both alike; the report gives p50, p90 and p99 of each
//! path, what the proxy added, and calls per second. The proxies record to a local sink
//! (or through it to a real API), and the bench fails if any proxied call was not
//! recorded.

mod client;
mod peers;
mod report;
mod sink;
mod stats;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::ensure;

use client::{Client, HttpClient, StdioClient, Transport};
use peers::{Recording, ServerEverything, terminate};
use sink::Sink;
use stats::Samples;

/// How long a proxy may take to exit once its session ends (it sends its last recordings
/// first).
const PROXY_EXIT: Duration = Duration::from_secs(30);

/// Which transports to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Transports {
    Stdio,
    Http,
    Both,
}

impl Transports {
    fn each(self) -> &'static [Transports] {
        match self {
            Transports::Stdio => &[Transports::Stdio],
            Transports::Http => &[Transports::Http],
            Transports::Both => &[Transports::Stdio, Transports::Http],
        }
    }
}

/// The options of `humanaios-mcp bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Calls per round on each path (direct and proxied).
    #[arg(long, default_value_t = 2000)]
    pub calls: usize,
    /// Rounds per path; direct and proxied rounds alternate. Ten rounds of 2,000 give each
    /// p99 200 calls behind it: on a shared machine fewer make the p99 added mostly noise.
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
    /// Calls on each path before measuring.
    #[arg(long, default_value_t = 500)]
    pub warmup: usize,
    /// Which transports to measure.
    #[arg(long, value_enum, default_value_t = Transports::Both)]
    pub transport: Transports,
    /// Record to this HumanAIOS API (with --api-key and --agent-id) instead of a local sink.
    #[arg(long, requires_all = ["api_key", "agent_id"])]
    pub api_url: Option<String>,
    /// An API key with the INGEST (or FULL) scope, for --api-url.
    #[arg(long, requires = "api_url")]
    pub api_key: Option<String>,
    /// The agent the proxied calls are recorded for, with --api-url.
    #[arg(long, requires = "api_url")]
    pub agent_id: Option<String>,
    /// server-everything's `dist/index.js` (default: found in `node_modules` from the
    /// current directory up).
    #[arg(long)]
    pub server_everything: Option<PathBuf>,
    /// The Node.js that runs server-everything.
    #[arg(long, default_value = "node")]
    pub node: String,
}

/// What one transport measured.
struct Figures {
    transport: &'static str,
    direct: Samples,
    proxied: Samples,
    /// Every echo made through the proxy, warm-up included: each must be recorded.
    proxied_calls: usize,
}

/// Runs the benchmark and prints its report on stdout; fails if a proxied call was not
/// recorded.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    ensure!(
        args.calls > 0 && args.rounds > 0,
        "--calls and --rounds must be at least 1"
    );
    let server = ServerEverything::locate(args.node.clone(), args.server_everything.clone())?;
    let sink = Sink::start(args.api_url.clone()).await?;
    let recording = Recording {
        api_url: sink.url.clone(),
        api_key: args.api_key.clone().unwrap_or_else(|| "bench".into()),
        agent_id: args.agent_id.clone().unwrap_or_else(|| "bench".into()),
        spool: std::env::temp_dir().join(format!(
            "humanaios-mcp-bench-{}.spool",
            uuid::Uuid::now_v7()
        )),
    };
    report::header(&args, &sink);
    let mut lost = Vec::new();
    for transport in args.transport.each() {
        let before = sink.received();
        let figures = match transport {
            Transports::Stdio => stdio(&server, &recording, &args).await?,
            _ => http(&server, &recording, &args).await?,
        };
        let recorded = sink.received() - before;
        report::figures(&figures, recorded);
        if recorded != figures.proxied_calls {
            lost.push(format!(
                "{}: {recorded} activities recorded for {} proxied calls",
                figures.transport, figures.proxied_calls
            ));
        }
    }
    if recording.spool.exists() {
        lost.push(format!(
            "recordings still wait in the spool {}",
            recording.spool.display()
        ));
    }
    ensure!(lost.is_empty(), "recordings were lost: {}", lost.join("; "));
    Ok(())
}

/// Direct and proxied sessions with server-everything over stdio.
async fn stdio(
    server: &ServerEverything,
    recording: &Recording,
    args: &BenchArgs,
) -> anyhow::Result<Figures> {
    let mut direct = Client::initialize(StdioClient::new(server.stdio()?)?).await?;
    let mut proxied = Client::initialize(StdioClient::new(recording.stdio_proxy(server)?)?).await?;
    let (direct_samples, proxied_samples) = measure(&mut direct, &mut proxied, args).await?;
    direct.into_transport().finish(PROXY_EXIT).await?;
    proxied.into_transport().finish(PROXY_EXIT).await?;
    Ok(Figures {
        transport: "stdio",
        direct: direct_samples,
        proxied: proxied_samples,
        proxied_calls: args.warmup + args.rounds * args.calls,
    })
}

/// Direct and proxied sessions with server-everything in Streamable HTTP mode.
async fn http(
    server: &ServerEverything,
    recording: &Recording,
    args: &BenchArgs,
) -> anyhow::Result<Figures> {
    let (_server, upstream) = server.http().await?;
    let (proxy, listen) = recording.http_proxy(&upstream).await?;
    let mut direct = Client::initialize(HttpClient::new(upstream)?).await?;
    let mut proxied = Client::initialize(HttpClient::new(listen)?).await?;
    let (direct_samples, proxied_samples) = measure(&mut direct, &mut proxied, args).await?;
    drop(proxied);
    // Stopped as a service is, the proxy sends what it recorded before it exits.
    terminate(proxy, PROXY_EXIT).await?;
    Ok(Figures {
        transport: "http",
        direct: direct_samples,
        proxied: proxied_samples,
        proxied_calls: args.warmup + args.rounds * args.calls,
    })
}

/// Warms both sessions up, then measures alternating rounds, each path first in turn.
async fn measure<T: Transport>(
    direct: &mut Client<T>,
    proxied: &mut Client<T>,
    args: &BenchArgs,
) -> anyhow::Result<(Samples, Samples)> {
    direct.echoes(args.warmup).await?;
    proxied.echoes(args.warmup).await?;
    let mut direct_samples = Samples::default();
    let mut proxied_samples = Samples::default();
    for round in 0..args.rounds {
        let proxied_first = round % 2 == 1;
        for through_proxy in [proxied_first, !proxied_first] {
            let (client, samples) = match through_proxy {
                true => (&mut *proxied, &mut proxied_samples),
                false => (&mut *direct, &mut direct_samples),
            };
            let (round_trips, took) = client.echoes(args.calls).await?;
            samples.add_round(&round_trips, took);
        }
    }
    Ok((direct_samples, proxied_samples))
}
