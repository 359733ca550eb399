//! Metrics from the per-minute rollups equal a brute-force computation over the stored
//! activities: counts, errors, exact cost, tokens and average exactly, percentiles within
//! the histogram's stated error. Through GraphQL and REST, after concurrent ingests.

use chrono::{DateTime, Duration, DurationRound as _, Utc};
use entity::{ActivityStatus, agent_activity};
use futures_util::future::join_all;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, activity, error_code, spawn_app};
use humanaios::on_both_backends;

/// The percentile error `AgentMetrics.latency` promises (3.125%).
const RELATIVE_ERROR: f64 = 1.0 / 32.0;

const METRICS_FIELDS: &str = "from to activities errors errorRate throughputPerMinute costUsd \
    priced unpriced tokens { input output cacheRead cacheWrite reasoning } \
    latency { measured averageMs p50Ms p95Ms p99Ms } stepMinutes \
    series { at activities errors costUsd p50Ms p95Ms p99Ms }";

/// 300 activities of `agent` spread over the three minutes from `start`: durations from
/// 0 ms to minutes (some absent), errors, supplied costs, tokens priced by the table, and
/// tokens of a model no price covers.
fn generated(agent: &str, start: DateTime<Utc>) -> Vec<Value> {
    // Seeded, so every run sends the same activities.
    let mut rng = StdRng::seed_from_u64(7);
    (0..300)
        .map(|i| {
            let at = start + Duration::milliseconds(rng.random_range(0..180_000));
            let mut a = activity(agent, if i % 9 == 0 { "ERROR" } else { "TOOL_CALL" }, "0");
            a["timestamp"] = json!(at.to_rfc3339());
            a["durationMs"] = match i % 10 {
                0 => Value::Null,
                _ => {
                    let bits = rng.random_range(0..20);
                    json!(rng.random_range(0..1_i64 << bits))
                }
            };
            a["costUsd"] = Value::Null;
            match i % 4 {
                0 => {
                    let nanos = rng.random_range(0..1_000_000_000);
                    a["costUsd"] = json!(format!("0.{nanos:09}"));
                }
                1 => {
                    a["model"] = json!("claude-sonnet-4-5");
                    a["inputTokens"] = json!(rng.random_range(0..5_000));
                    a["outputTokens"] = json!(rng.random_range(0..900));
                    a["cacheReadTokens"] = json!(rng.random_range(0..3_000));
                }
                2 => {
                    a["model"] = json!("a-model-without-a-price");
                    a["inputTokens"] = json!(rng.random_range(0..5_000));
                    a["reasoningTokens"] = json!(rng.random_range(0..400));
                }
                _ => {}
            }
            if i % 13 == 0 {
                a["status"] = json!("ERROR");
            }
            a
        })
        .collect()
}

/// What the metrics of `rows` must be, computed from every stored activity.
struct BruteForce {
    activities: i64,
    errors: i64,
    cost: Decimal,
    priced: i64,
    unpriced: i64,
    tokens: [i64; 5],
    durations: Vec<i64>,
}

impl BruteForce {
    fn of(rows: &[&agent_activity::Model]) -> BruteForce {
        let mut durations: Vec<i64> = rows.iter().filter_map(|a| a.duration_ms).collect();
        durations.sort_unstable();
        let sum = |f: fn(&agent_activity::Model) -> Option<i64>| {
            rows.iter().filter_map(|a| f(a)).sum::<i64>()
        };
        BruteForce {
            activities: rows.len() as i64,
            errors: rows
                .iter()
                .filter(|a| a.status == ActivityStatus::Error)
                .count() as i64,
            cost: rows
                .iter()
                .filter_map(|a| a.cost_usd)
                .map(|c| c.amount())
                .sum(),
            priced: rows.iter().filter(|a| a.cost_usd.is_some()).count() as i64,
            unpriced: rows.iter().filter(|a| a.unpriced).count() as i64,
            tokens: [
                sum(|a| a.input_tokens),
                sum(|a| a.output_tokens),
                sum(|a| a.cache_read_tokens),
                sum(|a| a.cache_write_tokens),
                sum(|a| a.reasoning_tokens),
            ],
            durations,
        }
    }

    /// The exact nearest-rank percentile: the ⌈q·n⌉-th smallest duration.
    fn percentile(&self, q: f64) -> Option<f64> {
        let n = self.durations.len();
        (n > 0).then(|| {
            let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
            self.durations[rank - 1] as f64
        })
    }

    /// Asserts that `metrics` (GraphQL or REST) says what the activities say.
    fn check(&self, metrics: &Value, minutes: i64, context: &str) {
        let int = |v: &Value| v.as_i64().unwrap_or_else(|| panic!("{context}: {v}"));
        assert_eq!(int(&metrics["activities"]), self.activities, "{context}");
        assert_eq!(int(&metrics["errors"]), self.errors, "{context}");
        assert_eq!(decimal(&metrics["costUsd"]), self.cost, "{context}");
        assert_eq!(int(&metrics["priced"]), self.priced, "{context}");
        assert_eq!(int(&metrics["unpriced"]), self.unpriced, "{context}");
        let tokens = &metrics["tokens"];
        let got: Vec<i64> = ["input", "output", "cacheRead", "cacheWrite", "reasoning"]
            .iter()
            .map(|kind| int(&tokens[kind]))
            .collect();
        assert_eq!(got, self.tokens, "{context}");
        let rate = self.errors as f64 / self.activities as f64;
        assert!(close(&metrics["errorRate"], rate), "{context}");
        let throughput = self.activities as f64 / minutes as f64;
        assert!(
            close(&metrics["throughputPerMinute"], throughput),
            "{context}"
        );

        let latency = &metrics["latency"];
        assert_eq!(
            int(&latency["measured"]),
            self.durations.len() as i64,
            "{context}"
        );
        let average = self.durations.iter().sum::<i64>() as f64 / self.durations.len() as f64;
        assert!(close(&latency["averageMs"], average), "{context}");
        for (field, q) in [("p50Ms", 0.5), ("p95Ms", 0.95), ("p99Ms", 0.99)] {
            let exact = self.percentile(q).unwrap();
            let estimate = latency[field].as_f64().unwrap();
            assert!(
                (estimate - exact).abs() <= RELATIVE_ERROR * exact,
                "{context}: {field} {estimate} vs exact {exact}"
            );
        }
    }
}

fn decimal(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("money is a string: {v}"))
        .parse()
        .unwrap()
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64()
        .is_some_and(|got| (got - expected).abs() <= 1e-9 * expected.abs().max(1.0))
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn agent_metrics(app: &TestApp, token: &str, agent: &str, window: Value) -> Value {
    let query = format!(
        "query($id: ID!, $w: MetricsWindowInput) {{ agent(id: $id) {{ metrics(window: $w) {{ {METRICS_FIELDS} }} }} }}"
    );
    let data = app
        .graphql_ok(Some(token), &query, json!({ "id": agent, "w": window }))
        .await;
    data["agent"]["metrics"].clone()
}

async fn org_metrics(app: &TestApp, token: &str, window: Value) -> Value {
    let query = format!(
        "query($w: MetricsWindowInput) {{ orgMetrics(window: $w) {{ {METRICS_FIELDS} }} }}"
    );
    let data = app
        .graphql_ok(Some(token), &query, json!({ "w": window }))
        .await;
    data["orgMetrics"].clone()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

on_both_backends!(metrics_match_a_brute_force_computation_over_the_stored_activities);

async fn metrics_match_a_brute_force_computation_over_the_stored_activities(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let worker = app.create_agent(&alice.token, "worker").await;
    let helper = app.create_agent(&alice.token, "helper").await;
    let key = app.create_api_key(&alice.token).await;
    let start = Utc::now().duration_trunc(Duration::minutes(1)).unwrap() - Duration::minutes(30);

    // Six batches at once: on PostgreSQL they upsert the same minute rows concurrently.
    let activities = generated(&worker, start);
    let batches: Vec<Value> = activities.chunks(50).map(|c| json!(c)).collect();
    let answers = join_all(batches.iter().map(|b| app.record(&key, b.clone()))).await;
    for answer in &answers {
        assert_eq!(
            answer["data"]["recordActivities"]["inserted"], 50,
            "{answer}"
        );
    }
    // A retried batch is not counted twice.
    let retry = app.record(&key, batches[0].clone()).await;
    assert_eq!(retry["data"]["recordActivities"]["duplicates"], 50);
    let helpers_activity = {
        let mut a = activity(&helper, "DECISION", "1.25");
        a["timestamp"] = json!(rfc3339(start + Duration::seconds(90)));
        a["durationMs"] = json!(40_000);
        a
    };
    app.record(&key, json!([helpers_activity])).await;

    let stored = agent_activity::Entity::find()
        .filter(agent_activity::Column::AgentId.eq(worker.parse::<Uuid>().unwrap()))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 300);
    let expected = BruteForce::of(&stored.iter().collect::<Vec<_>>());
    assert!(expected.priced > 100 && expected.unpriced > 50 && expected.errors > 30);

    // The three minutes, through GraphQL and REST.
    let end = start + Duration::minutes(3);
    let window = json!({ "from": rfc3339(start), "to": rfc3339(end) });
    let metrics = agent_metrics(&app, &alice.token, &worker, window.clone()).await;
    expected.check(&metrics, 3, "GraphQL, three minutes");
    assert_eq!((time(&metrics["from"]), time(&metrics["to"])), (start, end));
    assert_eq!(metrics["stepMinutes"], 1);
    let series = metrics["series"].as_array().unwrap();
    assert_eq!(series.len(), 3);
    for (i, point) in series.iter().enumerate() {
        let minute = start + Duration::minutes(i as i64);
        assert_eq!(time(&point["at"]), minute);
        let rows: Vec<_> = stored
            .iter()
            .filter(|a| a.timestamp >= minute && a.timestamp < minute + Duration::minutes(1))
            .collect();
        let part = BruteForce::of(&rows);
        assert_eq!(point["activities"].as_i64(), Some(part.activities));
        assert_eq!(point["errors"].as_i64(), Some(part.errors));
        assert_eq!(decimal(&point["costUsd"]), part.cost);
        for (field, q) in [("p50Ms", 0.5), ("p95Ms", 0.95), ("p99Ms", 0.99)] {
            let exact = part.percentile(q).unwrap();
            let estimate = point[field].as_f64().unwrap();
            assert!(
                (estimate - exact).abs() <= RELATIVE_ERROR * exact,
                "minute {i}, {field}"
            );
        }
    }
    let path = format!(
        "/api/v1/agents/{worker}/metrics?from={}&to={}",
        rfc3339(start),
        rfc3339(end)
    );
    let (status, body) = app.get_json(&alice.token, &path).await;
    assert_eq!(status, 200, "{body}");
    expected.check(&body, 3, "REST, three minutes");
    assert_eq!(body["series"].as_array().unwrap().len(), 3);

    // A window that leaves out the first minute leaves out its activities; a `from` inside
    // a minute widens to the start of that minute.
    let later: Vec<_> = stored
        .iter()
        .filter(|a| a.timestamp >= start + Duration::minutes(1))
        .collect();
    let window = json!({ "from": rfc3339(start + Duration::seconds(60)), "to": rfc3339(end) });
    let metrics = agent_metrics(&app, &alice.token, &worker, window).await;
    BruteForce::of(&later).check(&metrics, 2, "GraphQL, last two minutes");
    let window = json!({ "from": rfc3339(start + Duration::seconds(59)), "to": rfc3339(end) });
    let metrics = agent_metrics(&app, &alice.token, &worker, window).await;
    assert_eq!(time(&metrics["from"]), start);
    assert_eq!(metrics["activities"], 300);

    // The organization: both agents.
    let mut everything: Vec<_> = stored.iter().collect();
    let helpers_row = agent_activity::Entity::find_by_id(
        helpers_activity["id"]
            .as_str()
            .unwrap()
            .parse::<Uuid>()
            .unwrap(),
    )
    .one(&app.state.db)
    .await
    .unwrap()
    .unwrap();
    everything.push(&helpers_row);
    let window = json!({ "from": rfc3339(start), "to": rfc3339(end) });
    let metrics = org_metrics(&app, &alice.token, window).await;
    BruteForce::of(&everything).check(&metrics, 3, "orgMetrics");
    let (status, body) = app
        .get_json(
            &alice.token,
            &format!(
                "/api/v1/metrics?from={}&to={}",
                rfc3339(start),
                rfc3339(end)
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    BruteForce::of(&everything).check(&body, 3, "REST organization");

    // The default window (the last hour) holds them all; a quiet window holds nothing.
    let metrics = agent_metrics(&app, &alice.token, &worker, Value::Null).await;
    assert_eq!(metrics["activities"], 300);
    assert_eq!(metrics["series"].as_array().unwrap().len(), 60);
    let quiet = json!({ "from": rfc3339(end), "to": rfc3339(end + Duration::minutes(5)) });
    let metrics = agent_metrics(&app, &alice.token, &worker, quiet).await;
    assert_eq!(metrics["activities"], 0);
    assert_eq!(metrics["costUsd"], "0");
    assert!(metrics["errorRate"].is_null());
    assert_eq!(
        metrics["latency"],
        json!({ "measured": 0, "averageMs": null, "p50Ms": null, "p95Ms": null, "p99Ms": null })
    );
    assert_eq!(metrics["series"].as_array().unwrap().len(), 5);
}

on_both_backends!(bad_windows_and_other_orgs_agents_are_refused);

async fn bad_windows_and_other_orgs_agents_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let alices_agent = app.create_agent(&alice.token, "alices").await;
    let bobs_agent = app.create_agent(&bob.token, "bobs").await;
    let bobs_key = app.create_api_key(&bob.token).await;
    app.record(&bobs_key, json!([activity(&bobs_agent, "DECISION", "2")]))
        .await;

    // Bob's agent is not Alice's to measure, and his activities are not in her totals.
    let (status, body) = app
        .get_json(
            &alice.token,
            &format!("/api/v1/agents/{bobs_agent}/metrics"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let data = app
        .graphql_ok(
            Some(&alice.token),
            "query($id: ID!) { agent(id: $id) { metrics { activities } } orgMetrics { activities costUsd } }",
            json!({ "id": bobs_agent }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "agent": null, "orgMetrics": { "activities": 0, "costUsd": "0" } })
    );
    let data = app
        .graphql_ok(
            Some(&bob.token),
            "{ orgMetrics { activities costUsd } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["orgMetrics"],
        json!({ "activities": 1, "costUsd": "2" })
    );

    // Backwards, empty and overlong windows.
    let now = Utc::now();
    for (from, to) in [
        (now, now - Duration::hours(1)),
        (now - Duration::days(91), now),
    ] {
        let answer = app
            .graphql(
                Some(&alice.token),
                "query($w: MetricsWindowInput) { orgMetrics(window: $w) { activities } }",
                json!({ "w": { "from": rfc3339(from), "to": rfc3339(to) } }),
            )
            .await;
        assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{answer}");
        let (status, body) = app
            .get_json(
                &alice.token,
                &format!(
                    "/api/v1/agents/{alices_agent}/metrics?from={}&to={}",
                    rfc3339(from),
                    rfc3339(to)
                ),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("BAD_USER_INPUT")),
            "{body}"
        );
    }
    let (status, body) = app
        .get_json(&alice.token, "/api/v1/metrics?from=yesterday")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("MALFORMED_REQUEST"))
    );
}
