//! Sending recorded activities to the HumanAIOS API, off the forwarding path: the proxy
//! hands each activity to an unbounded queue and never waits. A background task sends them
//! in batches (`POST /api/v1/ingest` with the agent's API key); a batch the API cannot take
//! now (unreachable, 5xx, 429) is appended to a local spool file (one JSON batch per line)
//! and sent again later, oldest first, so no recorded call is lost across API outages or
//! proxy restarts. Activities carry their own ids, so a batch sent twice is stored once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio::sync::mpsc;

/// Most activities in one request.
const BATCH: usize = 100;
/// How long the first activity of a batch waits for company.
const LINGER: Duration = Duration::from_millis(200);
/// How often the spool is retried while it holds anything.
const RETRY_EVERY: Duration = Duration::from_secs(2);
/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Where and as whom to record.
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// The API's base URL, e.g. `http://127.0.0.1:8080`.
    pub api_url: String,
    pub api_key: String,
    /// Where unsent batches wait.
    pub spool: PathBuf,
}

/// The proxy's end of the queue; cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::UnboundedSender<Value>,
    /// The runtime the sender runs on, where the work of reading traffic on the side goes
    /// too (the binary gives it a thread of its own).
    runtime: tokio::runtime::Handle,
}

impl Recorder {
    /// Queues an activity; never blocks, never fails the caller.
    pub fn record(&self, activity: Value) {
        // Only fails once the sender task is gone, at shutdown.
        let _ = self.queue.send(activity);
    }

    /// Runs `task` where the recorder runs, off the forwarding path.
    pub(crate) fn spawn<F>(&self, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.runtime.spawn(task);
    }
}

/// Starts the sender on the current runtime. Dropping every [`Recorder`] ends it after a last send (or spool) of
/// what is queued; await the handle to be sure it is done.
pub fn start(config: RecorderConfig) -> (Recorder, tokio::task::JoinHandle<()>) {
    let (queue, activities) = mpsc::unbounded_channel();
    let handle = tokio::spawn(run(config, activities));
    let runtime = tokio::runtime::Handle::current();
    (Recorder { queue, runtime }, handle)
}

/// A runtime for work that must not hold up forwarding — sending recordings, reading
/// traffic on the side: one thread of its own under Linux's `SCHED_IDLE` policy, so it runs
/// only when no ordinary thread wants the CPU and any call being forwarded preempts it at
/// once. Measured with `humanaios-mcp bench` on two shared cores, this halved the p99 the
/// stdio proxy adds against a thread at nice 10 (see BENCHMARKS.md). The cost: on a machine
/// kept saturated by other work, recordings wait (in memory, in order) until it is not —
/// they are late, never lost, and the agent never waits. Start the recorder inside it
/// (`runtime.enter()`), and the side reading goes there too.
pub fn background_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("humanaios-mcp-background")
        .on_thread_start(|| {
            // SAFETY: sched_setscheduler(2) on this thread's own id with a valid parameter
            // block; it touches no other memory. Failing leaves the default policy.
            unsafe {
                let thread = libc::syscall(libc::SYS_gettid) as libc::pid_t;
                let param = libc::sched_param { sched_priority: 0 };
                libc::sched_setscheduler(thread, libc::SCHED_IDLE, &param);
            }
        })
        .enable_all()
        .build()
}

/// Why a batch was not taken.
enum Refused {
    /// Try again later: the API is down, overloaded or erring.
    Later(String),
    /// It will never be taken (a 4xx other than 429): logged and dropped.
    Never(String),
}

async fn run(config: RecorderConfig, mut activities: mpsc::UnboundedReceiver<Value>) {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %err, "no HTTP client; activities go to the spool only");
            reqwest::Client::new()
        }
    };
    let mut retry = tokio::time::interval(RETRY_EVERY);
    retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            first = activities.recv() => {
                let Some(first) = first else { break };
                let mut batch = vec![first];
                let deadline = tokio::time::Instant::now() + LINGER;
                while batch.len() < BATCH {
                    match tokio::time::timeout_at(deadline, activities.recv()).await {
                        Ok(Some(activity)) => batch.push(activity),
                        _ => break,
                    }
                }
                deliver(&client, &config, batch).await;
            }
            _ = retry.tick() => {
                if let Err(err) = resend_spool(&client, &config).await {
                    tracing::warn!(error = %format!("{err:#}"), "spool not resent");
                }
            }
        }
    }
    // The proxy is stopping: one last try for what is spooled; the rest waits on disk.
    let _ = tokio::time::timeout(TIMEOUT, resend_spool(&client, &config)).await;
}

/// Sends a batch, or spools it when the API cannot take it now.
async fn deliver(client: &reqwest::Client, config: &RecorderConfig, batch: Vec<Value>) {
    match send(client, config, &batch).await {
        Ok(()) => {}
        Err(Refused::Never(why)) => {
            tracing::error!(activities = batch.len(), %why, "the API refused recorded activities");
        }
        Err(Refused::Later(why)) => {
            tracing::warn!(activities = batch.len(), %why, "API unavailable; spooling");
            if let Err(err) = append(&config.spool, &batch).await {
                tracing::error!(error = %err, "spooling failed; these activities are lost");
            }
        }
    }
}

async fn send(
    client: &reqwest::Client,
    config: &RecorderConfig,
    batch: &[Value],
) -> Result<(), Refused> {
    let url = format!("{}/api/v1/ingest", config.api_url.trim_end_matches('/'));
    let answer = client
        .post(url)
        .bearer_auth(&config.api_key)
        .json(&json!({ "activities": batch }))
        .send()
        .await
        .map_err(|err| Refused::Later(format!("{:#}", anyhow::Error::from(err))))?;
    let status = answer.status();
    if status.is_success() {
        return Ok(());
    }
    let body = answer.text().await.unwrap_or_default();
    if status.is_server_error() || status.as_u16() == 429 {
        Err(Refused::Later(format!("{status}: {body}")))
    } else {
        Err(Refused::Never(format!("{status}: {body}")))
    }
}

/// Appends one batch as one line.
async fn append(spool: &Path, batch: &[Value]) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(batch).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(spool)
        .await?;
    file.write_all(&line).await?;
    file.sync_data().await
}

/// Sends what the spool holds, oldest first, and keeps what still cannot go. The spool is
/// moved aside first so batches spooled meanwhile land in a fresh file.
async fn resend_spool(client: &reqwest::Client, config: &RecorderConfig) -> std::io::Result<()> {
    let sending = config.spool.with_extension("sending");
    if !tokio::fs::try_exists(&sending).await? {
        if !tokio::fs::try_exists(&config.spool).await? {
            return Ok(());
        }
        tokio::fs::rename(&config.spool, &sending).await?;
    }
    let text = tokio::fs::read_to_string(&sending).await?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    while let Some(line) = lines.next() {
        let Ok(batch) = serde_json::from_str::<Vec<Value>>(line) else {
            tracing::error!("an unreadable spool line was dropped");
            continue;
        };
        match send(client, config, &batch).await {
            Ok(()) => {}
            Err(Refused::Never(why)) => {
                tracing::error!(activities = batch.len(), %why, "the API refused spooled activities");
            }
            Err(Refused::Later(_)) => {
                // Still down: put this batch and the rest back, ahead of anything newer.
                let rest: Vec<&str> = std::iter::once(line).chain(lines).collect();
                let newer = tokio::fs::read_to_string(&config.spool)
                    .await
                    .unwrap_or_default();
                let mut kept = rest.join("\n");
                kept.push('\n');
                kept.push_str(&newer);
                tokio::fs::write(&sending, kept.as_bytes()).await?;
                tokio::fs::rename(&sending, &config.spool).await?;
                return Ok(());
            }
        }
    }
    tokio::fs::remove_file(&sending).await
}
