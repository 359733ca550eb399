//! `spawn_app`: a real HumanAIOS server on port 0 over its own fresh database, plus typed
//! helpers for what the tests do over and over.

use std::net::SocketAddr;

use humanaios::config::Config;
use humanaios::startup::App;
use humanaios::state::AppState;
pub use humanaios::testing::{Backend, TestDatabase};
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

/// The signing secret every test server uses, so tests can forge tokens for bad-input cases.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// A running server and a client for it. Dropping it stops the server and deletes its
/// database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub state: AppState,
    _database: TestDatabase,
    /// Dropping it begins the server's graceful stop.
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Runs a built server until its [`TestApp`] asks it to stop (or is dropped).
fn serve(app: App, client: reqwest::Client, database: TestDatabase) -> TestApp {
    let addr = app.local_addr();
    let state = app.state().clone();
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        client,
        state,
        _database: database,
        shutdown: Some(shutdown),
        served: Some(served),
    }
}

/// Starts a server on a fresh database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with a chance to change the configuration first.
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> TestApp {
    humanaios::startup::install_tls_provider();
    let database = TestDatabase::create(backend).await;
    let mut config = Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(database.url.clone()),
        data_dir: database.dir.clone(),
        db_max_connections: 5,
        jwt_secret: Some(SecretString::from(TEST_JWT_SECRET)),
        ..Config::default()
    };
    configure(&mut config);
    let app = App::build(config).await.expect("the app builds");
    // Redirects are answers to check (OAuth), not to follow.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    serve(app, client, database)
}

/// The Redis the cross-replica tests share.
pub fn test_redis_url() -> String {
    std::env::var("HUMANAIOS_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

impl TestApp {
    /// A second server over the same database (and whatever else `configure` sets), as
    /// another replica behind a load balancer would be. It stops when the returned value is
    /// dropped; the database stays with `self`.
    pub async fn spawn_replica(&self, configure: impl FnOnce(&mut Config)) -> Replica {
        let dir =
            std::env::temp_dir().join(format!("humanaios-replica-{}", Uuid::now_v7().simple()));
        let mut config = Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir,
            ..(*self.state.config).clone()
        };
        config.jwt_secret = Some(SecretString::from(TEST_JWT_SECRET));
        configure(&mut config);
        let app = App::build(config).await.expect("the replica builds");
        Replica {
            app: serve(app, self.client.clone(), TestDatabase::none()),
        }
    }

    /// Stops the server as SIGTERM would (graceful: requests in flight are finished) and
    /// returns once it has stopped, with what serving returned.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        drop(self.shutdown.take());
        match self.served.take() {
            Some(served) => served.await?,
            None => Ok(()),
        }
    }
}

/// A replica started by [`TestApp::spawn_replica`].
pub struct Replica {
    pub app: TestApp,
}

/// A signed-in member of a fresh organization.
pub struct Member {
    pub token: String,
    pub email: String,
}

impl TestApp {
    /// The database this server runs on, for another process to share.
    pub fn database_url(&self) -> &str {
        &self._database.url
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POSTs a GraphQL operation and returns the whole JSON answer (`data` and `errors`).
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        assert_eq!(response.status(), 200, "GraphQL over HTTP answers 200");
        response.json().await.expect("a JSON answer")
    }

    /// Like [`TestApp::graphql`], asserting there were no errors and returning `data`.
    pub async fn graphql_ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let answer = self.graphql(token, query, variables).await;
        assert!(
            answer.get("errors").is_none(),
            "unexpected errors: {answer}"
        );
        answer["data"].clone()
    }

    /// A GET with a bearer credential; returns status and JSON body.
    pub async fn get_json(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON answer"))
    }

    /// A POST with a bearer credential and a JSON body (none for `null`); returns status and
    /// JSON body.
    pub async fn post_json(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let mut request = self.client.post(self.url(path)).bearer_auth(token);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON answer"))
    }

    /// Signs up a new organization with a unique admin.
    pub async fn sign_up(&self) -> Member {
        let email = format!("admin-{}@example.com", Uuid::now_v7().simple());
        let data = self
            .graphql_ok(
                None,
                "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
                json!({ "input": { "email": email, "password": "a long enough password", "organizationName": "Org" } }),
            )
            .await;
        Member {
            token: data["signUp"]["accessToken"].as_str().unwrap().to_owned(),
            email,
        }
    }

    /// Adds a member with `role` to the organization of `admin_token` (straight into the
    /// database, until invitations exist) and returns their access token.
    pub async fn add_member(&self, admin_token: &str, role: entity::Role) -> String {
        use sea_orm::{ActiveModelTrait as _, Set};
        let org_id: Uuid = self
            .graphql_ok(
                Some(admin_token),
                "{ viewer { organization { id } } }",
                json!({}),
            )
            .await["viewer"]["organization"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let email = format!(
            "{}-{}@example.com",
            role.storage_name(),
            Uuid::now_v7().simple()
        );
        let password = "member password 1";
        entity::user::ActiveModel {
            id: Set(Uuid::now_v7()),
            org_id: Set(org_id),
            email: Set(email.clone()),
            password_hash: Set(Some(
                humanaios::auth::password::hash(password.into())
                    .await
                    .unwrap(),
            )),
            role: Set(role),
            auth_provider: Set(entity::AuthProvider::Email),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&self.state.db)
        .await
        .unwrap();
        let data = self
            .graphql_ok(
                None,
                "mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }",
                json!({ "i": { "email": email, "password": password } }),
            )
            .await;
        data["logIn"]["accessToken"].as_str().unwrap().to_owned()
    }

    /// Registers an agent and returns its id.
    pub async fn create_agent(&self, token: &str, name: &str) -> String {
        let data = self
            .graphql_ok(
                Some(token),
                "mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }",
                json!({ "input": { "name": name, "type": "MCP" } }),
            )
            .await;
        data["createAgent"]["id"].as_str().unwrap().to_owned()
    }

    /// Creates an API key and returns its secret.
    pub async fn create_api_key(&self, token: &str) -> String {
        let data = self
            .graphql_ok(
                Some(token),
                "mutation { createApiKey(input: { name: \"agent key\" }) { secret apiKey { id } } }",
                json!({}),
            )
            .await;
        data["createApiKey"]["secret"].as_str().unwrap().to_owned()
    }

    /// Records `activities` with `credential` and returns the whole answer.
    pub async fn record(&self, credential: &str, activities: Value) -> Value {
        self.graphql(
            Some(credential),
            "mutation($a: [ActivityInput!]!) { recordActivities(activities: $a) { accepted inserted duplicates } }",
            json!({ "a": activities }),
        )
        .await
    }
}

/// An activity input for `agent_id` with a fresh client-side id.
pub fn activity(agent_id: &str, kind: &str, cost: &str) -> Value {
    json!({
        "id": Uuid::now_v7().to_string(),
        "agentId": agent_id,
        "type": kind,
        "payload": { "tool": "search", "args": { "q": "weather" } },
        "costUsd": cost,
        "durationMs": 120,
    })
}

/// The `extensions.code` of the first error of a GraphQL answer.
pub fn error_code(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {answer}"))
}

/// The tests' Python (shared with the MCP proxy's tests).
pub use humanaios::testing::python;
