//! The one typed configuration: built-in defaults, then an optional TOML file, then the
//! environment (`HUMANAIOS_*`, plus the conventional `DATABASE_URL` and `REDIS_URL`), then
//! command-line flags. Every variable is listed in [`ENV_VARS`] and documented in
//! `.env.example`; a test keeps the three in step.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Every environment variable the server reads. Unknown `HUMANAIOS_*` variables are warned
/// about at start, so a typo does not silently fall back to a default.
pub const ENV_VARS: &[&str] = &[
    "HUMANAIOS_CONFIG",
    "HUMANAIOS_BIND",
    "DATABASE_URL",
    "HUMANAIOS_DATA_DIR",
    "HUMANAIOS_DB_MAX_CONNECTIONS",
    "HUMANAIOS_INGEST_WRITERS",
    "HUMANAIOS_SEARCH_INDEX_DELAY_MS",
    "REDIS_URL",
    "HUMANAIOS_JWT_SECRET",
    "HUMANAIOS_JWT_ISSUER",
    "HUMANAIOS_JWT_AUDIENCE",
    "HUMANAIOS_LOG",
    "HUMANAIOS_LOG_FORMAT",
    "HUMANAIOS_MAX_BODY_BYTES",
    "HUMANAIOS_RATE_LIMIT_PER_MINUTE",
    "HUMANAIOS_RATE_LIMIT_BURST",
    "HUMANAIOS_GRAPHQL_MAX_DEPTH",
    "HUMANAIOS_GRAPHQL_MAX_COMPLEXITY",
    "HUMANAIOS_GRAPHQL_INTROSPECTION",
    "HUMANAIOS_GRAPHQL_MAX_ALIASES",
    "HUMANAIOS_ENVIRONMENT",
    "HUMANAIOS_CORS_ORIGINS",
    "HUMANAIOS_PUBLIC_URL",
    "HUMANAIOS_OAUTH_GOOGLE_CLIENT_ID",
    "HUMANAIOS_OAUTH_GOOGLE_CLIENT_SECRET",
    "HUMANAIOS_OAUTH_GOOGLE_AUTH_URL",
    "HUMANAIOS_OAUTH_GOOGLE_TOKEN_URL",
    "HUMANAIOS_OAUTH_GOOGLE_USERINFO_URL",
    "HUMANAIOS_OAUTH_GITHUB_CLIENT_ID",
    "HUMANAIOS_OAUTH_GITHUB_CLIENT_SECRET",
    "HUMANAIOS_OAUTH_GITHUB_AUTH_URL",
    "HUMANAIOS_OAUTH_GITHUB_TOKEN_URL",
    "HUMANAIOS_OAUTH_GITHUB_API_URL",
    "HUMANAIOS_DEMO",
    "HUMANAIOS_ALERT_INTERVAL_SECONDS",
    "HUMANAIOS_WEBHOOK_RETRY_SECONDS",
    "HUMANAIOS_CLASSIFIER_URL",
    "HUMANAIOS_CLASSIFIER_MODEL",
    "HUMANAIOS_CLASSIFIER_API_KEY",
    "HUMANAIOS_CLASSIFIER_TIMEOUT_MS",
];

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

/// Development (the default) or production: production turns off what helps a developer
/// and helps an attacker just as much (introspection, field suggestions) unless asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

/// Server configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address to listen on (`HUMANAIOS_BIND`); port 0 picks a free port.
    pub bind: SocketAddr,
    /// `sqlite://…` or `postgres://…` (`DATABASE_URL`); unset means a SQLite file in
    /// `data_dir`.
    pub database_url: Option<String>,
    /// Where the default SQLite file and the generated signing secret live.
    pub data_dir: PathBuf,
    /// Connection pool size.
    pub db_max_connections: u32,
    /// Ingest writer tasks on PostgreSQL, each committing a group of concurrent batches at a
    /// time (SQLite always uses one).
    pub ingest_writers: usize,
    /// SQLite: how long the search indexer waits after an ingest commit before indexing, so
    /// one of its transactions covers many commits. Searches never wait for it: each first
    /// indexes what its organization is missing.
    pub search_index_delay_ms: u64,
    /// Redis for the cross-replica event bus (`REDIS_URL`); unset: in-process bus.
    pub redis_url: Option<String>,
    /// HS256 signing secret for access tokens, at least 32 bytes. Unset: one is generated
    /// on first start and kept in `data_dir/jwt-secret`.
    #[serde(default, skip_serializing)]
    pub jwt_secret: Option<SecretString>,
    /// `iss` of issued tokens, checked on every request.
    pub jwt_issuer: String,
    /// `aud` of issued tokens, checked on every request.
    pub jwt_audience: String,
    /// Log filter, in `tracing` `EnvFilter` syntax (`info`, `humanaios=debug,info`).
    pub log: String,
    /// Log line format.
    pub log_format: LogFormat,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Sustained requests a minute allowed per member, API key, or (for anonymous calls)
    /// client address.
    pub rate_limit_per_minute: u32,
    /// Requests allowed at once above the sustained rate.
    pub rate_limit_burst: u32,
    /// Deepest GraphQL selection accepted.
    pub graphql_max_depth: usize,
    /// Highest GraphQL complexity accepted.
    pub graphql_max_complexity: usize,
    /// Whether the schema may be introspected and errors suggest field names (GraphiQL needs
    /// introspection). Unset: on in development, off in production.
    pub graphql_introspection: Option<bool>,
    /// Most aliased fields one GraphQL document may hold (aliases multiply the work of one
    /// request).
    pub graphql_max_aliases: usize,
    /// `development` or `production`.
    pub environment: Environment,
    /// The address users reach the server at; OAuth redirect URIs are built from it
    /// (`{public_url}/api/v1/auth/oauth/{provider}/callback`), so it must match what is
    /// registered with the provider exactly.
    pub public_url: String,
    /// Google sign-in; on when the client id is set.
    pub oauth_google_client_id: Option<String>,
    #[serde(default, skip_serializing)]
    pub oauth_google_client_secret: Option<SecretString>,
    pub oauth_google_auth_url: String,
    pub oauth_google_token_url: String,
    pub oauth_google_userinfo_url: String,
    /// GitHub sign-in; on when the client id is set.
    pub oauth_github_client_id: Option<String>,
    #[serde(default, skip_serializing)]
    pub oauth_github_client_secret: Option<SecretString>,
    pub oauth_github_auth_url: String,
    pub oauth_github_token_url: String,
    /// GitHub's REST API (`/user/emails` is read from it).
    pub oauth_github_api_url: String,
    /// Comma-separated origins (`https://app.example.com`) whose pages may call the API
    /// from a browser; empty: same-origin only.
    pub cors_origins: String,
    /// Load the demo organization on start when the database is empty.
    pub demo: bool,
    /// Seconds between evaluations of the alert rules (and sends of due webhook
    /// deliveries).
    pub alert_interval_seconds: u64,
    /// The first wait before a failed webhook delivery is retried, in seconds; it doubles
    /// with each attempt, up to an hour.
    pub webhook_retry_seconds: u64,
    /// Base URL of an OpenAI-compatible chat API (`https://api.openai.com/v1`) that refines
    /// human-task detection; `{url}/chat/completions` is called. Unset: the rules alone.
    pub classifier_url: Option<String>,
    /// The model the classifier asks.
    pub classifier_model: String,
    /// Bearer key for the classifier API, if it needs one.
    #[serde(default, skip_serializing)]
    pub classifier_api_key: Option<SecretString>,
    /// How long one classifier call may take, in milliseconds, before the rules' answer is
    /// used instead.
    pub classifier_timeout_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            data_dir: PathBuf::from("data"),
            db_max_connections: 10,
            ingest_writers: 4,
            search_index_delay_ms: 200,
            redis_url: None,
            jwt_secret: None,
            jwt_issuer: "humanaios".to_owned(),
            jwt_audience: "humanaios-api".to_owned(),
            log: "info".to_owned(),
            log_format: LogFormat::Text,
            max_body_bytes: 2 * 1024 * 1024,
            rate_limit_per_minute: 1_200,
            rate_limit_burst: 200,
            graphql_max_depth: 12,
            graphql_max_complexity: 2_000,
            graphql_introspection: None,
            graphql_max_aliases: 30,
            environment: Environment::Development,
            cors_origins: String::new(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            oauth_google_client_id: None,
            oauth_google_client_secret: None,
            oauth_google_auth_url: "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
            oauth_google_token_url: "https://oauth2.googleapis.com/token".to_owned(),
            oauth_google_userinfo_url: "https://openidconnect.googleapis.com/v1/userinfo"
                .to_owned(),
            oauth_github_client_id: None,
            oauth_github_client_secret: None,
            oauth_github_auth_url: "https://github.com/login/oauth/authorize".to_owned(),
            oauth_github_token_url: "https://github.com/login/oauth/access_token".to_owned(),
            oauth_github_api_url: "https://api.github.com".to_owned(),
            demo: false,
            alert_interval_seconds: 30,
            webhook_retry_seconds: 10,
            classifier_url: None,
            classifier_model: "gpt-4o-mini".to_owned(),
            classifier_api_key: None,
            classifier_timeout_ms: 3_000,
        }
    }
}

impl Config {
    /// Defaults → `file` (or `HUMANAIOS_CONFIG`) → environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        Ok(Self::figment(file).extract()?)
    }

    fn figment(file: Option<&Path>) -> Figment {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("HUMANAIOS_CONFIG").map(PathBuf::from));
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("HUMANAIOS_").ignore(&["CONFIG"]))
            .merge(Env::raw().only(&["DATABASE_URL", "REDIS_URL"]))
    }

    /// The database URL in use: the configured one, or the SQLite file in `data_dir`.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("humanaios.db").display()
            ),
        }
    }

    /// Whether introspection (and field suggestions) are on.
    pub fn introspection_enabled(&self) -> bool {
        self.graphql_introspection
            .unwrap_or(self.environment == Environment::Development)
    }

    /// The CORS origins, one each.
    pub fn cors_origin_list(&self) -> Vec<&str> {
        self.cors_origins
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .collect()
    }

    /// `HUMANAIOS_*` variables in the environment that no setting reads.
    pub fn unknown_env_vars() -> Vec<String> {
        std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("HUMANAIOS_") && !ENV_VARS.contains(&k.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret as _;

    #[test]
    // figment's Jail closure must return figment's (large) error type.
    #[allow(clippy::result_large_err)]
    fn the_environment_overrides_the_file_which_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "humanaios.toml",
                "bind = \"0.0.0.0:9000\"\nmax_body_bytes = 1024\nlog = \"debug\"\n",
            )?;
            jail.set_env("HUMANAIOS_CONFIG", "humanaios.toml");
            jail.set_env("HUMANAIOS_BIND", "127.0.0.1:9100");
            jail.set_env("DATABASE_URL", "postgres://db/humanaios");
            jail.set_env(
                "HUMANAIOS_JWT_SECRET",
                "from-the-environment-0123456789abcdef",
            );
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config.bind.port(), 9100, "environment beats file");
            assert_eq!(config.max_body_bytes, 1024, "file beats default");
            assert_eq!(config.log, "debug");
            assert_eq!(config.jwt_issuer, "humanaios", "default kept");
            assert_eq!(config.effective_database_url(), "postgres://db/humanaios");
            let secret = config
                .jwt_secret
                .as_ref()
                .map(|s| s.expose_secret().to_owned());
            assert_eq!(
                secret.as_deref(),
                Some("from-the-environment-0123456789abcdef")
            );
            Ok(())
        });
    }

    #[test]
    fn the_default_database_is_a_sqlite_file_in_the_data_dir() {
        let config = Config::default();
        assert_eq!(
            config.effective_database_url(),
            "sqlite://data/humanaios.db?mode=rwc"
        );
    }
}
