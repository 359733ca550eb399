//! `humanaios bench …`: benchmarks against the real server over loopback. Each starts an
//! [`App`] on port 0 over a fresh database, signs up and creates an agent and a key through
//! the REST API, then drives it with real HTTP and WebSocket clients. Figures are reported
//! beside a baseline run in the same process (see BENCHMARKS.md).

pub mod analytics;
pub mod feed;
pub mod ingest;

use std::time::Duration;

use anyhow::Context as _;
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
