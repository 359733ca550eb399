//! Alerts: each kind of rule fires when its condition holds and not otherwise; a firing
//! error-rate rule marks its agent `ERROR` until it recovers; alerts open human tasks, reach
//! `alertFired` subscribers and webhooks (signed, retried, every attempt visible); another
//! organization sees none of it. Evaluation is driven directly with the time each case
//! needs, except in the one test that proves the background loop does it alone.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{Backend, TestApp, activity, error_code, spawn_app, spawn_app_with};
use crate::subscriptions::{Socket, next_message};
use humanaios::on_both_backends;

on_both_backends!(
    an_error_rate_rule_fires_marks_the_agent_error_opens_a_task_and_recovers,
    cost_latency_and_pattern_rules_fire_only_for_the_agents_that_cross_them,
    a_silent_rule_fires_only_for_agents_that_reported_and_then_went_quiet,
    a_webhook_receiver_verifies_the_signature_and_accepts_the_retry,
    bad_rules_and_webhooks_are_refused_naming_the_field,
    the_background_loop_alone_fires_an_alert,
);

const ALERT_FIELDS: &str =
    "id ruleName kind agentId observed message firing resolvedAt taskId firedAt";

/// Evaluates the rules and sends due deliveries as of `at`.
async fn tick(app: &TestApp, at: DateTime<Utc>) {
    humanaios::alerts::tick(&app.state, at).await.unwrap();
}

async fn create_rule(app: &TestApp, token: &str, input: Value) -> String {
    let data = app
        .graphql_ok(
            Some(token),
            "mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    data["createAlertRule"]["id"].as_str().unwrap().to_owned()
}

/// The organization's alerts, newest first (`firing` as the query takes it).
async fn alerts(app: &TestApp, token: &str, firing: Option<bool>) -> Vec<Value> {
    let data = app
        .graphql_ok(
            Some(token),
            &format!(
                "query($f: Boolean) {{ alerts(firing: $f) {{ nodes {{ {ALERT_FIELDS} }} }} }}"
            ),
            json!({ "f": firing }),
        )
        .await;
    data["alerts"]["nodes"].as_array().unwrap().clone()
}

async fn agent_status(app: &TestApp, token: &str, agent: &str) -> String {
    let data = app
        .graphql_ok(
            Some(token),
            "query($id: ID!) { agent(id: $id) { status } }",
            json!({ "id": agent }),
        )
        .await;
    data["agent"]["status"].as_str().unwrap().to_owned()
}

/// An activity of `agent` with the given status, duration and cost.
fn reported(agent: &str, status: &str, duration_ms: i64, cost: &str) -> Value {
    let mut a = activity(agent, "TOOL_CALL", cost);
    a["status"] = json!(status);
    a["durationMs"] = json!(duration_ms);
    if status == "ERROR" {
        a["errorMessage"] = json!("tool failed");
    }
    a
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

async fn an_error_rate_rule_fires_marks_the_agent_error_opens_a_task_and_recovers(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let flaky = app.create_agent(&alice.token, "flaky").await;
    let steady = app.create_agent(&alice.token, "steady").await;
    let key = app.create_api_key(&alice.token).await;
    create_rule(
        &app,
        &alice.token,
        json!({ "name": "errors", "kind": "ERROR_RATE", "threshold": "0.5", "windowMinutes": 5, "openTask": true }),
    )
    .await;
    let now = Utc::now();
    tick(&app, now).await;
    assert!(alerts(&app, &alice.token, None).await.is_empty());

    // flaky: 2 errors in 3 (0.67 > 0.5); steady: 1 in 4 (0.25).
    let answer = app
        .record(
            &key,
            json!([
                reported(&flaky, "ERROR", 100, "0"),
                reported(&flaky, "ERROR", 100, "0"),
                reported(&flaky, "OK", 100, "0"),
                reported(&steady, "ERROR", 100, "0"),
                reported(&steady, "OK", 100, "0"),
                reported(&steady, "OK", 100, "0"),
                reported(&steady, "OK", 100, "0"),
            ]),
        )
        .await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], 7,
        "{answer}"
    );
    let now = Utc::now();
    tick(&app, now).await;
    tick(&app, now).await;
    let fired = alerts(&app, &alice.token, Some(true)).await;
    assert_eq!(fired.len(), 1, "one alert, not one a tick: {fired:?}");
    let alert = &fired[0];
    assert_eq!(alert["agentId"], flaky.as_str());
    assert_eq!(alert["kind"], "ERROR_RATE");
    assert_eq!(alert["ruleName"], "errors");
    assert_eq!(alert["observed"], "0.6667");
    assert_eq!(agent_status(&app, &alice.token, &flaky).await, "ERROR");
    assert_eq!(agent_status(&app, &alice.token, &steady).await, "ACTIVE");

    // The task it opened waits for a person, for the agent concerned.
    let task_id: uuid::Uuid = alert["taskId"].as_str().unwrap().parse().unwrap();
    let task = {
        use sea_orm::EntityTrait as _;
        entity::human_task::Entity::find_by_id(task_id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(task.status, entity::TaskStatus::Pending);
    assert_eq!(task.task_type, entity::TaskType::Other);
    assert_eq!(task.agent_id.to_string(), flaky);
    assert_eq!(task.title, "Alert: errors");

    // The window moves past the errors: the alert resolves and the agent is ACTIVE again.
    tick(&app, now + minutes(10)).await;
    assert!(alerts(&app, &alice.token, Some(true)).await.is_empty());
    let resolved = alerts(&app, &alice.token, Some(false)).await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0]["id"], alert["id"]);
    assert!(resolved[0]["resolvedAt"].is_string());
    assert_eq!(agent_status(&app, &alice.token, &flaky).await, "ACTIVE");

    // REST shows the same history.
    let (status, body) = app.get_json(&alice.token, "/api/v1/alerts").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"][0]["id"], alert["id"]);
    assert_eq!(body["items"][0]["firing"], false);
}

async fn cost_latency_and_pattern_rules_fire_only_for_the_agents_that_cross_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let big = app.create_agent(&alice.token, "big").await;
    let small = app.create_agent(&alice.token, "small").await;
    let key = app.create_api_key(&alice.token).await;
    // A matching error from before the pattern rule existed is not the rule's business.
    let mut old = reported(&small, "ERROR", 100, "0");
    old["errorMessage"] = json!("upstream timeout (before the rule)");
    app.record(&key, json!([old])).await;

    create_rule(
        &app,
        &alice.token,
        json!({ "name": "spend", "kind": "DAILY_COST", "threshold": "1.00" }),
    )
    .await;
    create_rule(
        &app,
        &alice.token,
        json!({ "name": "slow", "kind": "P95_LATENCY", "threshold": 500, "windowMinutes": 15 }),
    )
    .await;
    create_rule(
        &app,
        &alice.token,
        json!({ "name": "timeouts", "kind": "ERROR_PATTERN", "pattern": "(?i)time ?out" }),
    )
    .await;

    // big: $1.30 today, 2 s per call, a timeout; small: $0.30, 120 ms, another error.
    let mut timeout = reported(&big, "ERROR", 2_000, "0.5");
    timeout["errorMessage"] = json!("upstream Timeout after 30s");
    let mut other = reported(&small, "ERROR", 120, "0.1");
    other["errorMessage"] = json!("invalid input");
    let answer = app
        .record(
            &key,
            json!([
                reported(&big, "OK", 2_000, "0.8"),
                timeout,
                reported(&small, "OK", 120, "0.2"),
                other,
            ]),
        )
        .await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], 4,
        "{answer}"
    );
    let now = Utc::now();
    tick(&app, now).await;

    let mut fired: Vec<(String, String, String)> = alerts(&app, &alice.token, Some(true))
        .await
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_owned(),
                a["agentId"].as_str().unwrap().to_owned(),
                a["observed"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    fired.sort();
    assert_eq!(fired.len(), 3, "{fired:?}");
    assert_eq!(fired[0].0, "DAILY_COST");
    assert_eq!(
        (fired[0].1.as_str(), fired[0].2.as_str()),
        (big.as_str(), "1.3")
    );
    assert_eq!(fired[1].0, "ERROR_PATTERN");
    assert_eq!(
        (fired[1].1.as_str(), fired[1].2.as_str()),
        (big.as_str(), "1")
    );
    assert_eq!(fired[2].0, "P95_LATENCY");
    assert_eq!(fired[2].1, big);
    let p95: f64 = fired[2].2.parse().unwrap();
    assert!((1_900.0..=2_100.0).contains(&p95), "p95 {p95}");
    // None of them is an error-rate rule: the agent's status is left alone.
    assert_eq!(agent_status(&app, &alice.token, &big).await, "ACTIVE");

    // No new matching error: the pattern alert resolves; cost and latency still hold.
    tick(&app, now).await;
    let kinds: Vec<String> = alerts(&app, &alice.token, Some(true))
        .await
        .iter()
        .map(|a| a["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(!kinds.contains(&"ERROR_PATTERN".to_owned()));
}

async fn a_silent_rule_fires_only_for_agents_that_reported_and_then_went_quiet(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let talker = app.create_agent(&alice.token, "talker").await;
    let _never = app.create_agent(&alice.token, "never-started").await;
    let key = app.create_api_key(&alice.token).await;
    create_rule(
        &app,
        &alice.token,
        json!({ "name": "quiet", "kind": "AGENT_SILENT", "windowMinutes": 10 }),
    )
    .await;
    app.record(&key, json!([reported(&talker, "OK", 100, "0")]))
        .await;
    let now = Utc::now();

    tick(&app, now + minutes(9)).await;
    assert!(alerts(&app, &alice.token, None).await.is_empty());

    tick(&app, now + minutes(11)).await;
    let fired = alerts(&app, &alice.token, Some(true)).await;
    assert_eq!(fired.len(), 1, "only the agent that reported: {fired:?}");
    assert_eq!(fired[0]["agentId"], talker.as_str());
    assert_eq!(fired[0]["kind"], "AGENT_SILENT");
    assert_eq!(fired[0]["observed"], "11");

    // It speaks again: resolved.
    tick(&app, now).await;
    assert!(alerts(&app, &alice.token, Some(true)).await.is_empty());
}

/// What the test's webhook receiver saw.
#[derive(Default)]
pub(crate) struct Received {
    pub(crate) secret: String,
    /// Requests answered so far (the first gets a 500).
    pub(crate) requests: usize,
    /// Bodies whose signature checked out.
    pub(crate) verified: Vec<Value>,
    /// Requests whose signature did not.
    pub(crate) forged: usize,
}

/// A receiver on port 0 that refuses the first request with 500, then checks each
/// signature the way the README tells receivers to.
pub(crate) async fn spawn_receiver(received: Arc<Mutex<Received>>) -> SocketAddr {
    let handler = move |headers: HeaderMap, body: Bytes| {
        let received = received.clone();
        async move {
            let mut seen = received.lock().unwrap();
            seen.requests += 1;
            if seen.requests == 1 {
                return StatusCode::INTERNAL_SERVER_ERROR;
            }
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
            };
            let timestamp = header("x-humanaios-timestamp");
            let mut mac = Hmac::<Sha256>::new_from_slice(seen.secret.as_bytes()).unwrap();
            mac.update(timestamp.as_bytes());
            mac.update(b".");
            mac.update(&body);
            let expected = header("x-humanaios-signature")
                .strip_prefix("sha256=")
                .and_then(|hex| hex::decode(hex).ok())
                .unwrap_or_default();
            let fresh = timestamp
                .parse::<i64>()
                .is_ok_and(|t| (Utc::now().timestamp() - t).abs() < 300);
            if fresh
                && mac.verify_slice(&expected).is_ok()
                && !header("x-humanaios-delivery").is_empty()
            {
                seen.verified.push(serde_json::from_slice(&body).unwrap());
                StatusCode::NO_CONTENT
            } else {
                seen.forged += 1;
                StatusCode::UNAUTHORIZED
            }
        }
    };
    let router = axum::Router::new().route("/hook", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// Opens `alertFired` for `token` on a fresh socket.
async fn subscribe_alerts(app: &TestApp, token: &str) -> Socket {
    let query = format!("subscription {{ alertFired {{ {ALERT_FIELDS} }} }}");
    crate::subscriptions::open(app, token, &query, json!({})).await
}

async fn deliveries(app: &TestApp, token: &str, webhook: &str) -> Vec<Value> {
    let data = app
        .graphql_ok(
            Some(token),
            "query($id: ID!) { webhookDeliveries(webhookId: $id) { nodes { alertId status attempts lastStatusCode lastError deliveredAt } } }",
            json!({ "id": webhook }),
        )
        .await;
    data["webhookDeliveries"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

async fn a_webhook_receiver_verifies_the_signature_and_accepts_the_retry(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let agent = app.create_agent(&alice.token, "worker").await;
    let key = app.create_api_key(&alice.token).await;
    let received = Arc::new(Mutex::new(Received::default()));
    let receiver = spawn_receiver(received.clone()).await;

    let data = app
        .graphql_ok(
            Some(&alice.token),
            "mutation($u: String!) { createWebhook(input: { url: $u }) { secret webhook { id url enabled } } }",
            json!({ "u": format!("http://{receiver}/hook") }),
        )
        .await;
    let secret = data["createWebhook"]["secret"].as_str().unwrap().to_owned();
    let webhook = data["createWebhook"]["webhook"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    received.lock().unwrap().secret = secret;
    create_rule(
        &app,
        &alice.token,
        json!({ "name": "any error", "kind": "ERROR_RATE", "threshold": 0, "agentId": agent }),
    )
    .await;

    let mut alices_feed = subscribe_alerts(&app, &alice.token).await;
    let mut bobs_feed = subscribe_alerts(&app, &bob.token).await;
    app.record(&key, json!([reported(&agent, "ERROR", 100, "0")]))
        .await;
    let now = Utc::now();
    tick(&app, now).await;

    // alertFired reaches Alice, never Bob.
    let message = next_message(&mut alices_feed).await;
    assert_eq!(message["type"], "next", "{message}");
    let live = &message["payload"]["data"]["alertFired"];
    assert_eq!(live["ruleName"], "any error");
    assert_eq!(live["agentId"], agent.as_str());
    assert_eq!(live["firing"], true);
    let quiet =
        tokio::time::timeout(Duration::from_millis(500), next_message(&mut bobs_feed)).await;
    assert!(quiet.is_err(), "Bob heard Alice's alert: {quiet:?}");

    // The first attempt got a 500: visible, and due again after the backoff.
    let first = deliveries(&app, &alice.token, &webhook).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["alertId"], live["id"]);
    assert_eq!(first[0]["status"], "PENDING");
    assert_eq!(first[0]["attempts"], 1);
    assert_eq!(first[0]["lastStatusCode"], 500);
    assert!(
        first[0]["lastError"].as_str().unwrap().contains("500"),
        "{first:?}"
    );

    // Not due yet at the same instant; due an hour later.
    tick(&app, now).await;
    assert_eq!(received.lock().unwrap().requests, 1);
    tick(&app, now + minutes(60)).await;
    let second = deliveries(&app, &alice.token, &webhook).await;
    assert_eq!(second[0]["status"], "DELIVERED", "{second:?}");
    assert_eq!(second[0]["attempts"], 2);
    assert_eq!(second[0]["lastStatusCode"], 204);
    assert!(second[0]["lastError"].is_null());
    {
        let seen = received.lock().unwrap();
        assert_eq!(seen.forged, 0);
        assert_eq!(seen.verified.len(), 1);
        assert_eq!(seen.verified[0]["id"], live["id"]);
        assert_eq!(seen.verified[0]["kind"], "ERROR_RATE");
    }

    // REST mirrors it for Alice; Bob sees no webhook, no alert, and Alice's webhook is not
    // found for him.
    let (status, body) = app
        .get_json(
            &alice.token,
            &format!("/api/v1/webhooks/{webhook}/deliveries"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"][0]["status"], "DELIVERED");
    let (status, body) = app
        .get_json(
            &bob.token,
            &format!("/api/v1/webhooks/{webhook}/deliveries"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let data = app
        .graphql_ok(
            Some(&bob.token),
            "{ webhooks { id } alertRules { id } alerts { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "webhooks": [], "alertRules": [], "alerts": { "nodes": [] } })
    );
    let (_, body) = app.get_json(&alice.token, "/api/v1/webhooks").await;
    assert_eq!(body["items"][0]["id"], webhook.as_str());
    assert!(
        body["items"][0].get("secret").is_none(),
        "the secret is shown once"
    );
}

async fn bad_rules_and_webhooks_are_refused_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    for (input, field) in [
        (
            json!({ "name": "p", "kind": "ERROR_PATTERN", "pattern": "(unclosed" }),
            "pattern",
        ),
        (
            json!({ "name": "c", "kind": "DAILY_COST", "threshold": "-1" }),
            "threshold",
        ),
        (
            json!({ "name": "r", "kind": "ERROR_RATE", "threshold": "1.5" }),
            "threshold",
        ),
        (
            json!({ "name": "s", "kind": "AGENT_SILENT", "windowMinutes": 0 }),
            "windowMinutes",
        ),
        (json!({ "name": "l", "kind": "P95_LATENCY" }), "threshold"),
        (json!({ "name": "", "kind": "AGENT_SILENT" }), "name"),
    ] {
        let answer = app
            .graphql(
                Some(&alice.token),
                "mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
        assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{input}: {answer}");
        assert_eq!(answer["errors"][0]["extensions"]["field"], field, "{input}");
    }
    for url in [
        "ftp://example.com/hook",
        "javascript:alert(1)",
        "hooks.example.com",
    ] {
        let answer = app
            .graphql(
                Some(&alice.token),
                "mutation($u: String!) { createWebhook(input: { url: $u }) { secret } }",
                json!({ "u": url }),
            )
            .await;
        assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{url}");
        assert_eq!(answer["errors"][0]["extensions"]["field"], "url");
    }
    // REST answers the same way.
    let response = app
        .client
        .post(app.url("/api/v1/alert-rules"))
        .bearer_auth(&alice.token)
        .json(&json!({ "name": "c", "kind": "DAILY_COST", "threshold": "-2" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BAD_USER_INPUT");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("threshold"),
        "{body}"
    );
    assert!(alerts(&app, &alice.token, None).await.is_empty());
    let data = app
        .graphql_ok(
            Some(&alice.token),
            "{ alertRules { id } webhooks { id } }",
            json!({}),
        )
        .await;
    assert_eq!(data, json!({ "alertRules": [], "webhooks": [] }));
}

async fn the_background_loop_alone_fires_an_alert(backend: Backend) {
    let app = spawn_app_with(backend, |config| config.alert_interval_seconds = 1).await;
    let alice = app.sign_up().await;
    let agent = app.create_agent(&alice.token, "worker").await;
    let key = app.create_api_key(&alice.token).await;
    create_rule(
        &app,
        &alice.token,
        json!({ "name": "any error", "kind": "ERROR_RATE", "threshold": 0 }),
    )
    .await;
    app.record(&key, json!([reported(&agent, "ERROR", 100, "0")]))
        .await;
    for _ in 0..50 {
        if !alerts(&app, &alice.token, Some(true)).await.is_empty() {
            assert_eq!(agent_status(&app, &alice.token, &agent).await, "ERROR");
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no alert fired within 10 s of a 1 s evaluation interval");
}
