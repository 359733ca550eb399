//! `humanaios bench ingest`: events per second through `POST /api/v1/ingest`, one client
//! against many (group commit should make the second much faster), and on PostgreSQL the
//! same rows written by a raw `COPY` in the same run as the baseline.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value, json};

use super::{Database, Target, activity};

/// What to send.
#[derive(Debug, Clone, Copy)]
pub struct IngestOptions {
    /// Activities per measured run.
    pub events: usize,
    /// Activities per request.
    pub batch: usize,
    /// Clients sending at once in the loaded run.
    pub concurrency: usize,
}

/// Events per second of each run.
#[derive(Debug, Clone)]
pub struct IngestReport {
    pub database: &'static str,
    pub options: IngestOptions,
    pub one_client: f64,
    pub many_clients: f64,
    /// PostgreSQL only: a raw `COPY` of as many rows.
    pub copy: Option<f64>,
}

impl IngestReport {
    /// A Markdown table row.
    pub fn row(&self) -> String {
        let copy = match self.copy {
            Some(copy) => format!("{copy:.0} | {:.2}×", self.many_clients / copy),
            None => "— | —".to_owned(),
        };
        format!(
            "| {} | {} × {} | {:.0} | {} | {:.0} | {:.1}× | {copy} |",
            self.database,
            self.options.events,
            self.options.batch,
            self.one_client,
            self.options.concurrency,
            self.many_clients,
            self.many_clients / self.one_client,
        )
    }

    pub const HEADER: &'static str = "| database | events × batch | 1 client (events/s) | clients | many clients (events/s) | speed-up | raw COPY (rows/s) | ingest / COPY |\n|---|---|---|---|---|---|---|---|";
}

/// Runs the ingest benchmark on a fresh database.
pub async fn run(database: &Database, options: IngestOptions) -> anyhow::Result<IngestReport> {
    anyhow::ensure!(
        (1..=1_000).contains(&options.batch),
        "--batch must be 1 to 1000"
    );
    let target = super::start(database).await?;
    // Warm up connections, caches and the query planner.
    send(&target, options.batch * 20, options.batch, 4).await?;
    let one_client = send(&target, options.events / 4, options.batch, 1).await?;
    let many_clients = send(&target, options.events, options.batch, options.concurrency).await?;
    let copy = match database {
        Database::Postgres(_) => Some(copy_rows(&target, options.events).await?),
        Database::Sqlite => None,
    };
    target.finish().await?;
    Ok(IngestReport {
        database: database.label(),
        options,
        one_client,
        many_clients,
        copy,
    })
}

/// Sends `events` activities in batches of `batch` from `clients` clients at once and
/// returns events per second (all acknowledged).
async fn send(target: &Target, events: usize, batch: usize, clients: usize) -> anyhow::Result<f64> {
    let batches: Vec<Value> = (0..events.div_ceil(batch))
        .map(|b| {
            let size = batch.min(events - b * batch);
            json!({ "activities": (0..size).map(|i| activity(&target.agent, b * batch + i)).collect::<Vec<_>>() })
        })
        .collect();
    let bodies: Arc<Vec<String>> = Arc::new(batches.iter().map(Value::to_string).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let url = format!("{}/api/v1/ingest", target.base);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (client, key, url) = (target.client.clone(), target.key.clone(), url.clone());
            let (bodies, next) = (bodies.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else {
                        return anyhow::Ok(());
                    };
                    let answer = client
                        .post(&url)
                        .bearer_auth(&key)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await?;
                    let status = answer.status();
                    anyhow::ensure!(
                        status == 200,
                        "ingest answered {status}: {}",
                        answer.text().await?
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    Ok(events as f64 / started.elapsed().as_secs_f64())
}

/// Writes `rows` activity rows like the benchmark's with one `COPY … FROM STDIN` and returns
/// rows per second: the fastest way PostgreSQL takes rows, the baseline for ingest.
async fn copy_rows(target: &Target, rows: usize) -> anyhow::Result<f64> {
    let org = super::org_of(target).await?;
    let agent = uuid::Uuid::parse_str(&target.agent)?;
    let now = chrono::Utc::now();
    // Far above any sequence number ingest hands out, so the unique feed index holds.
    let models: Vec<_> = (0..rows)
        .map(|n| super::stored_activity(org, agent, n, now, 1_000_000_000_000 + n as i64))
        .collect();
    let csv = super::copy_csv(&models);
    let started = Instant::now();
    super::copy_in(target, &csv).await?;
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}
