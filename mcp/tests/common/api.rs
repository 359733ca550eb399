//! A real HumanAIOS API for the tests to record into: started in-process on a test
//! database, with an agent and an ingest key, and the agent's activities read back over
//! GraphQL as a user would.

use std::net::SocketAddr;
use std::time::Duration;

use humanaios::config::Config;
use humanaios::startup::App;
use humanaios::testing::TestDatabase;
use serde_json::{Value, json};

const SECRET: &str = "proxy-test-secret-proxy-test-secret-0123";

/// A running API server; dropping it stops the server (the database lives on in the
/// [`TestDatabase`]).
pub struct Api {
    pub addr: SocketAddr,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Starts the API on `database`, listening on `bind` (port 0 for any).
pub async fn start_api(database: &TestDatabase, bind: SocketAddr) -> Api {
    humanaios::startup::install_tls_provider();
    let config = Config {
        bind,
        database_url: Some(database.url.clone()),
        data_dir: database.dir.clone(),
        db_max_connections: 5,
        jwt_secret: Some(SECRET.to_owned().into()),
        ..Config::default()
    };
    let app = App::build(config).await.expect("the API builds");
    let addr = app.local_addr();
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    Api {
        addr,
        _shutdown: shutdown,
    }
}

/// A GraphQL request that must succeed; returns its `data`.
pub async fn graphql(
    addr: SocketAddr,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    // A fresh connection each time, so a stopped server is not kept alive by a pooled one.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut request = client
        .post(format!("http://{addr}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer: Value = request.send().await.unwrap().json().await.unwrap();
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"].clone()
}

/// Who records: an admin's token, the agent's id and its ingest key.
pub struct Recording {
    pub token: String,
    pub agent: String,
    pub key: String,
}

/// Signs up, registers an agent and makes an ingest key.
pub async fn agent_with_key(addr: SocketAddr) -> Recording {
    let email = format!("proxy-{}@example.com", uuid::Uuid::now_v7().simple());
    let data = graphql(
        addr,
        None,
        "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
        json!({ "i": { "email": email, "password": "a long enough password", "organizationName": "Proxy" } }),
    )
    .await;
    let token = data["signUp"]["accessToken"].as_str().unwrap().to_owned();
    let agent = made(
        addr,
        &token,
        "mutation { createAgent(input: { name: \"mcp-agent\", type: MCP }) { id } }",
        ["createAgent", "id"],
    )
    .await;
    let key = made(
        addr,
        &token,
        "mutation { createApiKey(input: { name: \"proxy\", scope: INGEST }) { secret } }",
        ["createApiKey", "secret"],
    )
    .await;
    Recording { token, agent, key }
}

/// Runs a mutation and returns the string at `path` in its data.
async fn made(addr: SocketAddr, token: &str, mutation: &str, path: [&str; 2]) -> String {
    let data = graphql(addr, Some(token), mutation, json!({})).await;
    data[path[0]][path[1]].as_str().unwrap().to_owned()
}

/// The agent's activities, oldest first, once `n` have arrived.
pub async fn activities(api: SocketAddr, token: &str, agent: &str, n: usize) -> Vec<Value> {
    let mut last = Vec::new();
    for _ in 0..200 {
        let data = graphql(
            api,
            Some(token),
            "query($a: ID!) { activities(agentId: $a, first: 100) { nodes { type name status payload errorMessage runId durationMs } } }",
            json!({ "a": agent }),
        )
        .await;
        let mut nodes = data["activities"]["nodes"].as_array().unwrap().clone();
        nodes.reverse();
        if nodes.len() >= n {
            return nodes;
        }
        last = nodes;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} activities arrived: {:?}", summary(&last));
}

/// Each activity as (type, name, status), to compare a whole sequence at a glance.
pub fn summary(activities: &[Value]) -> Vec<(&str, &str, &str)> {
    activities
        .iter()
        .map(|a| {
            let field = |name: &str| a[name].as_str().unwrap_or_default();
            (field("type"), field("name"), field("status"))
        })
        .collect()
}
