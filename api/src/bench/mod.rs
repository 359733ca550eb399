//! `humanaios bench …`: benchmarks against the real server over loopback. Each starts an
//! [`App`] on port 0 over a fresh database, signs up and creates an agent and a key through
//! the REST API, then drives it with real HTTP and WebSocket clients. Figures are reported
//! beside a baseline run in the same process (see BENCHMARKS.md).

pub mod analytics;
pub mod feed;
pub mod ingest;

use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use entity::{ActivityStatus, ActivityType, OrgId, Usd, agent_activity};
use sea_orm::EntityTrait as _;
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::cli::{BenchCommand, BenchDatabase};
use crate::config::Config;
use crate::startup::App;
use crate::state::AppState;
pub use crate::stats::quantile;

/// Runs `humanaios bench …` and prints a Markdown table.
pub async fn run(
    what: BenchCommand,
    on: Vec<BenchDatabase>,
    postgres_url: String,
) -> anyhow::Result<()> {
    let databases = on.into_iter().map(|kind| match kind {
        BenchDatabase::Sqlite => Database::Sqlite,
        BenchDatabase::Postgres => Database::Postgres(postgres_url.clone()),
    });
    match what {
        BenchCommand::Ingest {
            events,
            batch,
            concurrency,
        } => {
            let options = ingest::IngestOptions {
                events,
                batch,
                concurrency,
            };
            println!("{}", ingest::IngestReport::HEADER);
            for database in databases {
                println!("{}", ingest::run(&database, options).await?.row());
            }
        }
        BenchCommand::Analytics {
            activities,
            days,
            agents,
            runs,
        } => {
            let options = analytics::AnalyticsOptions {
                activities,
                days,
                agents,
                runs,
            };
            println!("{}", analytics::AnalyticsReport::HEADER);
            for database in databases {
                let report = analytics::run(&database, options).await?;
                println!("{}", report.rows());
                eprintln!(
                    "({}: loaded in {:.0} s)",
                    report.database, report.load_seconds
                );
            }
        }
        BenchCommand::Feed {
            subscribers,
            events,
            interval_ms,
        } => {
            let options = feed::FeedOptions {
                subscribers,
                events,
                interval: Duration::from_millis(interval_ms),
            };
            println!("{}", feed::FeedReport::HEADER);
            for database in databases {
                println!("{}", feed::run(&database, options).await?.row());
            }
        }
    }
    Ok(())
}

/// A server under benchmark and the credentials to drive it.
pub struct Target {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub key: String,
    pub agent: String,
    stop: tokio::sync::oneshot::Sender<()>,
    _data_dir: TempDir,
    /// The PostgreSQL server and the database made for this run, dropped by [`Target::finish`].
    postgres: Option<(String, String)>,
}

impl Target {
    /// Stops the server and drops a PostgreSQL database made for the run.
    pub async fn finish(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.state.db.clone().close().await?;
        if let Some((admin, name)) = &self.postgres {
            let server = sea_orm::Database::connect(admin.as_str()).await?;
            sea_orm::ConnectionTrait::execute_unprepared(
                &server,
                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            )
            .await?;
        }
        Ok(())
    }
}

/// A scratch folder removed on drop.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where a benchmark's database lives.
#[derive(Debug, Clone)]
pub enum Database {
    /// A fresh SQLite file in a scratch folder.
    Sqlite,
    /// A fresh database created on this PostgreSQL server (URL of any database on it, e.g.
    /// `postgres://postgres@127.0.0.1:5432/postgres`) and dropped afterwards by hand.
    Postgres(String),
}

impl Database {
    pub fn label(&self) -> &'static str {
        match self {
            Database::Sqlite => "SQLite",
            Database::Postgres(_) => "PostgreSQL",
        }
    }
}

/// Starts a server on a fresh database with limits out of the way, and an org, an agent and
/// a key (scope FULL: it ingests and subscribes) made through the API.
pub async fn start(database: &Database) -> anyhow::Result<Target> {
    crate::startup::install_tls_provider();
    let id = Uuid::now_v7().simple().to_string();
    let dir = std::env::temp_dir().join(format!("humanaios-bench-{id}"));
    std::fs::create_dir_all(&dir)?;
    let mut postgres = None;
    let url = match database {
        Database::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
        Database::Postgres(admin) => {
            let name = format!("humanaios_bench_{id}");
            let server = sea_orm::Database::connect(admin.as_str())
                .await
                .with_context(|| format!("connecting to {}", crate::db::redact_url(admin)))?;
            sea_orm::ConnectionTrait::execute_unprepared(
                &server,
                &format!("CREATE DATABASE \"{name}\""),
            )
            .await?;
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
            postgres = Some((admin.clone(), name.clone()));
            format!("{base}/{name}")
        }
    };
    let config = Config {
        bind: "127.0.0.1:0".parse()?,
        database_url: Some(url),
        data_dir: dir.clone(),
        db_max_connections: 16,
        jwt_secret: Some(SecretString::from(format!("bench-secret-{id}"))),
        // One client address and one key send everything: the limits would measure themselves.
        rate_limit_per_minute: u32::MAX / 2,
        rate_limit_burst: u32::MAX / 2,
        ..Config::default()
    };
    let app = App::build(config).await?;
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(120))
        .build()?;
    let session = post(
        &client,
        &format!("{base}/api/v1/auth/signup"),
        None,
        json!({ "email": format!("bench-{id}@example.com"), "password": "a long bench password", "organizationName": "Bench" }),
    )
    .await?;
    let token = session["accessToken"].as_str().context("no access token")?;
    let agent = post(
        &client,
        &format!("{base}/api/v1/agents"),
        Some(token),
        json!({ "name": "bench", "type": "CUSTOM" }),
    )
    .await?;
    let key = post(
        &client,
        &format!("{base}/api/v1/api-keys"),
        Some(token),
        json!({ "name": "bench", "scope": "FULL" }),
    )
    .await?;
    Ok(Target {
        base,
        state,
        client,
        key: key["secret"].as_str().context("no key secret")?.to_owned(),
        agent: agent["id"].as_str().context("no agent id")?.to_owned(),
        stop,
        _data_dir: TempDir(dir),
        postgres,
    })
}

/// POSTs JSON and returns the JSON answer, failing on any non-2xx status.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer = request.send().await?;
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status.is_success(), "POST {url} answered {status}: {body}");
    Ok(body)
}

/// One activity of `agent` with a fresh id, shaped like a typical tool call.
pub fn activity(agent: &str, n: usize) -> Value {
    json!({
        "id": Uuid::now_v7().to_string(),
        "agentId": agent,
        "type": "TOOL_CALL",
        "name": "search",
        "model": "gpt-4o",
        "inputTokens": 1200 + n % 300,
        "outputTokens": 200 + n % 50,
        "durationMs": 40 + (n % 900) as i64,
        "payload": { "tool": "search", "args": { "q": format!("query {n}") }, "result": "ok" },
    })
}

/// The organization of the benchmark's agent.
pub async fn org_of(target: &Target) -> anyhow::Result<OrgId> {
    let agent = entity::agent::Entity::find_by_id(Uuid::parse_str(&target.agent)?)
        .one(&target.state.db)
        .await?
        .context("the bench agent is stored")?;
    Ok(OrgId(agent.org_id))
}

/// Models the stored activities are spread over; the last has no price.
const MODELS: [&str; 6] = [
    "gpt-4o",
    "gpt-4o-mini",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "gemini-2.5-flash",
    "in-house-model",
];

/// The `n`th activity written straight to storage (COPY baseline, analytics load): the
/// payload of [`activity`], a deterministic mix of models, errors, costs and durations.
pub fn stored_activity(
    org: OrgId,
    agent: Uuid,
    n: usize,
    at: DateTime<Utc>,
    feed_seq: i64,
) -> agent_activity::Model {
    let model = MODELS[n % MODELS.len()];
    let failed = n.is_multiple_of(23);
    let at = crate::time::truncate(at);
    agent_activity::Model {
        id: Uuid::now_v7(),
        org_id: org.0,
        agent_id: agent,
        activity_type: if failed {
            ActivityType::Error
        } else {
            ActivityType::ToolCall
        },
        payload: activity("", n)["payload"].clone(),
        cost_usd: (model != "in-house-model")
            .then(|| Usd::from_nanos(1_000 + (n as i64 % 997) * 1_000)),
        duration_ms: Some(20 + (n as i64 * 7919) % 3_000),
        timestamp: at,
        received_at: at,
        run_id: None,
        parent_id: None,
        name: Some("search".to_owned()),
        model: Some(model.to_owned()),
        input_tokens: Some(500 + (n as i64 % 1_500)),
        output_tokens: Some(100 + (n as i64 % 300)),
        cache_read_tokens: None,
        cache_write_tokens: None,
        reasoning_tokens: None,
        status: if failed {
            ActivityStatus::Error
        } else {
            ActivityStatus::Ok
        },
        error_message: failed.then(|| "upstream timed out".to_owned()),
        started_at: None,
        ended_at: None,
        unpriced: model == "in-house-model",
        feed_seq,
        redactions: 0,
    }
}

/// `rows` as the CSV body of [`copy_in`].
pub fn copy_csv(rows: &[agent_activity::Model]) -> String {
    let mut csv = String::with_capacity(rows.len() * 300);
    for r in rows {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},\"{}\",{},{},{},{},{},{},{},{},{},\"{}\",{},{}\n",
            r.id,
            r.org_id,
            r.agent_id,
            r.activity_type.storage_name(),
            r.payload.to_string().replace('"', "\"\""),
            opt(r.cost_usd.map(Usd::nanos)),
            opt(r.duration_ms),
            r.timestamp.to_rfc3339(),
            r.received_at.to_rfc3339(),
            r.name.as_deref().unwrap_or_default(),
            r.model.as_deref().unwrap_or_default(),
            opt(r.input_tokens),
            opt(r.output_tokens),
            r.status.storage_name(),
            r.error_message.as_deref().unwrap_or_default(),
            r.unpriced,
            r.feed_seq,
        ));
    }
    csv
}

/// `COPY agent_activities … FROM STDIN` of a [`copy_csv`] body (PostgreSQL): the fastest way
/// PostgreSQL takes rows.
pub async fn copy_in(target: &Target, csv: &str) -> anyhow::Result<()> {
    use sea_orm::sqlx::postgres::PgPoolCopyExt as _;
    let mut copy = target
        .state
        .db
        .get_postgres_connection_pool()
        .copy_in_raw(
            "COPY agent_activities (id, org_id, agent_id, activity_type, payload, cost_usd, \
             duration_ms, timestamp, received_at, name, model, input_tokens, output_tokens, \
             status, error_message, unpriced, feed_seq) FROM STDIN (FORMAT csv)",
        )
        .await?;
    copy.send(csv.as_bytes()).await?;
    copy.finish().await?;
    Ok(())
}
