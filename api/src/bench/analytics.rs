//! `humanaios bench analytics`: cost and performance reports over many stored activities.
//!
//! The activities (spread over `days` days, `agents` agents and six models) are written
//! straight to the database — `COPY` on PostgreSQL, multi-row inserts on SQLite — with the
//! rollups computed by the very functions ingest calls, so the reports read what ingest
//! would have left. Each report is then asked for through GraphQL over loopback, `runs`
//! times; the baseline, in the same run, is the same cost breakdown computed straight from
//! the activities with one `GROUP BY`.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use entity::{OrgId, agent_activity};
use sea_orm::{
    ConnectionTrait as _, EntityTrait as _, IntoActiveModel as _, TransactionTrait as _,
};
use serde_json::json;
use uuid::Uuid;

use super::{Database, Target, quantile};

/// What to load and how often to ask.
#[derive(Debug, Clone, Copy)]
pub struct AnalyticsOptions {
    pub activities: usize,
    pub days: i64,
    pub agents: usize,
    /// Times each report is asked for.
    pub runs: usize,
}

/// Latencies in milliseconds of each report.
#[derive(Debug, Clone)]
pub struct AnalyticsReport {
    pub database: &'static str,
    pub options: AnalyticsOptions,
    pub load_seconds: f64,
    /// (report, p50, p95)
    pub timings: Vec<(&'static str, f64, f64)>,
}

impl AnalyticsReport {
    pub const HEADER: &'static str =
        "| database | activities | report | p50 (ms) | p95 (ms) |\n|---|---|---|---|---|";

    /// Markdown table rows, one per report.
    pub fn rows(&self) -> String {
        self.timings
            .iter()
            .map(|(name, p50, p95)| {
                format!(
                    "| {} | {} over {} days, {} agents | {name} | {p50:.1} | {p95:.1} |",
                    self.database, self.options.activities, self.options.days, self.options.agents
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Rows written per transaction while loading.
const LOAD_CHUNK: usize = 50_000;

/// Runs the analytics benchmark on a fresh database.
pub async fn run(
    database: &Database,
    options: AnalyticsOptions,
) -> anyhow::Result<AnalyticsReport> {
    anyhow::ensure!(
        options.agents >= 1 && options.days >= 1,
        "--agents and --days must be at least 1"
    );
    let target = super::start(database).await?;
    let org = super::org_of(&target).await?;
    let mut agents = vec![Uuid::parse_str(&target.agent)?];
    for i in 1..options.agents {
        let agent = super::post(
            &target.client,
            &format!("{}/api/v1/agents", target.base),
            Some(&target.key),
            json!({ "name": format!("bench-{i}"), "type": "CUSTOM" }),
        )
        .await?;
        agents.push(Uuid::parse_str(
            agent["id"].as_str().context("no agent id")?,
        )?);
    }

    let started = Instant::now();
    load(&target, org, &agents, options).await?;
    let load_seconds = started.elapsed().as_secs_f64();

    let now = Utc::now();
    let month = (now - chrono::Duration::days(options.days)).to_rfc3339();
    let day = (now - chrono::Duration::days(1)).to_rfc3339();
    let reports: [(&'static str, String); 5] = [
        (
            "costs by agent",
            format!(
                "{{ analytics {{ costs(groupBy: AGENT, from: \"{month}\") {{ totals {{ costUsd unpriced }} groups {{ agentId totals {{ costUsd }} }} }} }} }}"
            ),
        ),
        (
            "costs by model",
            format!(
                "{{ analytics {{ costs(groupBy: MODEL, from: \"{month}\") {{ groups {{ model totals {{ costUsd }} }} }} }} }}"
            ),
        ),
        (
            "costs by day",
            format!(
                "{{ analytics {{ costs(groupBy: DAY, from: \"{month}\") {{ groups {{ day totals {{ costUsd }} }} }} }} }}"
            ),
        ),
        (
            "performance by agent, last day",
            format!(
                "{{ analytics {{ performance(from: \"{day}\") {{ overall {{ errorRate p95Ms }} agents {{ agentId performance {{ errorRate p95Ms }} }} }} }} }}"
            ),
        ),
        (
            "performance by agent, whole window",
            format!(
                "{{ analytics {{ performance(from: \"{month}\") {{ overall {{ errorRate p95Ms }} agents {{ agentId performance {{ errorRate p95Ms }} }} }} }} }}"
            ),
        ),
    ];
    let mut timings = Vec::new();
    for (name, query) in &reports {
        timings.push(time_graphql(&target, name, query, options.runs).await?);
    }
    timings.push(time_raw_costs(&target, org, options.runs).await?);
    target.finish().await?;
    Ok(AnalyticsReport {
        database: database.label(),
        options,
        load_seconds,
        timings,
    })
}

/// Writes the activities and their rollups, `LOAD_CHUNK` at a time.
async fn load(
    target: &Target,
    org: OrgId,
    agents: &[Uuid],
    options: AnalyticsOptions,
) -> anyhow::Result<()> {
    let db = &target.state.db;
    let first_seq =
        crate::activities::sequence::reserve(db, org, options.activities as u64).await?;
    let span_ms = options.days * 86_400_000;
    let start = Utc::now() - chrono::Duration::milliseconds(span_ms);
    let mut written = 0;
    while written < options.activities {
        let size = LOAD_CHUNK.min(options.activities - written);
        let rows: Vec<agent_activity::Model> = (written..written + size)
            .map(|n| {
                // Spread evenly over the window.
                let at = start
                    + chrono::Duration::milliseconds(
                        (n as i64).saturating_mul(span_ms) / options.activities as i64,
                    );
                super::stored_activity(org, agents[n % agents.len()], n, at, first_seq + n as i64)
            })
            .collect();
        let txn = db.begin().await?;
        match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => super::copy_in(target, &super::copy_csv(&rows)).await?,
            _ => {
                for chunk in rows.chunks(1_000) {
                    agent_activity::Entity::insert_many(
                        chunk.iter().map(|r| r.clone().into_active_model()),
                    )
                    .exec_without_returning(&txn)
                    .await?;
                }
            }
        }
        crate::activities::group_commit::add_to_rollups(&txn, &rows).await?;
        txn.commit().await?;
        written += size;
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// p50 and p95 of `query` through GraphQL, in milliseconds.
async fn time_graphql(
    target: &Target,
    name: &'static str,
    query: &str,
    runs: usize,
) -> anyhow::Result<(&'static str, f64, f64)> {
    let url = format!("{}/graphql", target.base);
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let answer = super::post(
            &target.client,
            &url,
            Some(&target.key),
            json!({ "query": query }),
        )
        .await?;
        anyhow::ensure!(answer["errors"].is_null(), "{name}: {answer}");
        samples.push(started.elapsed());
    }
    Ok(percentiles(name, samples))
}

/// The costs-by-agent breakdown computed straight from the activities: the baseline.
async fn time_raw_costs(
    target: &Target,
    org: OrgId,
    runs: usize,
) -> anyhow::Result<(&'static str, f64, f64)> {
    let db = &target.state.db;
    let backend = db.get_database_backend();
    let sql = "SELECT agent_id, CAST(SUM(cost_usd) AS BIGINT), COUNT(*) FROM agent_activities \
               WHERE org_id = $1 GROUP BY agent_id";
    let sql = match backend {
        sea_orm::DbBackend::Sqlite => sql.replace("$1", "?"),
        _ => sql.to_owned(),
    };
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        db.query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            &sql,
            [org.0.into()],
        ))
        .await?;
        samples.push(started.elapsed());
    }
    Ok(percentiles(
        "baseline: costs by agent from the activities (SQL, no HTTP)",
        samples,
    ))
}

fn percentiles(name: &'static str, samples: Vec<Duration>) -> (&'static str, f64, f64) {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    (name, quantile(&ms, 0.5), quantile(&ms, 0.95))
}
