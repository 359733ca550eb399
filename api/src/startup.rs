//! Wiring: [`App::build`] turns a [`Config`] into a bound, ready server. Tests call it with
//! port 0 and get the real thing.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use secrecy::SecretString;
use tokio::net::TcpListener;

use crate::activities::group_commit::GroupCommitter;
use crate::auth::jwt::TokenKeys;
use crate::config::Config;
use crate::events::redis::RedisBus;
use crate::events::{EventBus, InProcessBus};
use crate::limits::RateLimits;
use crate::runs::search_index::SearchIndexer;
use crate::state::AppState;
use crate::{db, demo, graphql, http};

/// Events a live subscriber may fall behind by before it is told it lagged.
const BUS_CAPACITY: usize = 4_096;

/// A built server: database migrated, listener bound, router ready.
pub struct App {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl App {
    /// Connects and migrates the database, loads demo data when asked to and the database is
    /// empty, and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        install_tls_provider();
        http::metrics::install();
        for var in Config::unknown_env_vars() {
            tracing::warn!(%var, "unknown HUMANAIOS_* variable ignored (see .env.example)");
        }
        let db = db::connect_and_migrate(&config).await?;
        if config.demo {
            demo::load_if_empty(&db).await?;
        }
        let secret = match &config.jwt_secret {
            Some(secret) => secret.clone(),
            None => stored_secret(&config.data_dir)?,
        };
        let tokens = TokenKeys::new(&secret, &config.jwt_issuer, &config.jwt_audience)?;
        // The ingest writer and the search indexer take turns at SQLite's one write lock.
        let gate = db::WriteGate::for_backend(db.get_database_backend());
        let state = AppState {
            ingest: GroupCommitter::start(db.clone(), config.ingest_writers, gate.clone()),
            search_index: SearchIndexer::start(
                db.clone(),
                gate,
                std::time::Duration::from_millis(config.search_index_delay_ms),
            ),
            classifier: crate::tasks::detect::Classifier::from_config(&config).map(Arc::new),
            stopping: tokio_util::sync::CancellationToken::new(),
            db,
            tokens: Arc::new(tokens),
            bus: event_bus(&config).await?,
            limits: Arc::new(RateLimits::new(&config)),
            config: Arc::new(config),
        };
        let schemas = graphql::schemas(&state.config, state.clone());
        let router = http::router(state.clone(), schemas)?;
        let listener = TcpListener::bind(state.config.bind)
            .await
            .with_context(|| {
                format!(
                    "binding {} (set HUMANAIOS_BIND or --bind)",
                    state.config.bind
                )
            })?;
        Ok(App {
            listener,
            router,
            state,
        })
    }

    /// The address actually bound (the real port when the config said 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.state.config.bind)
    }

    /// The shared state, for tests that look behind the API.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then stops: long-held requests are told to end
    /// (see [`AppState::stopping`]) and the requests in flight are finished.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stopping = self.state.stopping.clone();
        let signal = async move {
            signal.await;
            stopping.cancel();
        };
        let limits = self.state.limits.clone();
        let sweeper = tokio::spawn(async move {
            let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every_minute.tick().await;
                limits.forget_idle();
            }
        });
        let alerts = crate::alerts::spawn(self.state.clone());
        let callbacks = crate::tasks::callbacks::spawn(self.state.clone());
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .await
        .context("serving HTTP");
        sweeper.abort();
        alerts.abort();
        callbacks.abort();
        served
    }
}

/// Redis pub/sub when `REDIS_URL` is set (events reach every replica), else in-process.
async fn event_bus(config: &Config) -> anyhow::Result<Arc<dyn EventBus>> {
    Ok(match &config.redis_url {
        Some(url) => Arc::new(RedisBus::connect(url, BUS_CAPACITY).await?),
        None => Arc::new(InProcessBus::new(BUS_CAPACITY)),
    })
}

/// Chooses ring as rustls's cryptography for every outgoing HTTPS call (OAuth providers).
/// Idempotent; needed before any HTTP client is built.
pub fn install_tls_provider() {
    // Fails only when a provider is already installed, which is what we want anyway.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// The signing secret kept in `data_dir/jwt-secret`, created (readable by the owner only) on
/// first start, so sessions survive restarts without any setup.
fn stored_secret(data_dir: &Path) -> anyhow::Result<SecretString> {
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(SecretString::from(existing.trim().to_owned()));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let secret = crate::auth::secrets::random_alphanumeric(64);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    use std::io::Write as _;
    options
        .open(&path)
        .and_then(|mut file| file.write_all(secret.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a token signing secret");
    Ok(SecretString::from(secret))
}
