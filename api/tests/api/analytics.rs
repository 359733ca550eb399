//! Analytics from the rollups agree with brute-force sums over the stored activities.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};
use humanaios::on_both_backends;

on_both_backends!(
    costs_by_agent_model_and_day_equal_the_sums_of_the_activities,
    the_demo_week_and_its_tasks_show_in_analytics,
);

const COSTS: &str = "query($g: CostGroupBy!, $from: DateTime, $to: DateTime) { analytics { costs(groupBy: $g, from: $from, to: $to) { window { from to } totals { costUsd activities priced unpriced errors tokens { input output cacheRead } } groups { agentId agentName model day totals { costUsd activities unpriced } } } } }";

async fn costs_by_agent_model_and_day_equal_the_sums_of_the_activities(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let planner = app.create_agent(&admin.token, "planner").await;
    let coder = app.create_agent(&admin.token, "coder").await;
    let key = app.create_api_key(&admin.token).await;
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc();
    let mut batch = Vec::new();
    for i in 0..30i64 {
        let agent = if i % 3 == 0 { &coder } else { &planner };
        let mut a = json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "agentId": agent,
            "type": if i % 7 == 0 { "ERROR" } else { "TOOL_CALL" },
            // Four days: three days ago to today.
            "timestamp": (today - Duration::days(i % 4) - Duration::minutes(i)).to_rfc3339(),
            "durationMs": 100 + i,
        });
        match i % 3 {
            0 => {
                a["costUsd"] = json!(format!("0.00{}", i + 1));
                a["model"] = json!("claude-sonnet-4-5");
            }
            1 => {
                a["model"] = json!("gpt-4o");
                a["inputTokens"] = json!(1000 + i);
                a["outputTokens"] = json!(100);
                a["cacheReadTokens"] = json!(50);
            }
            // A model no price covers: unpriced, never $0.
            _ => {
                a["model"] = json!("in-house-model");
                a["inputTokens"] = json!(10);
            }
        }
        batch.push(a);
    }
    // A retried copy adds nothing to the rollups.
    for answer in [
        app.record(&key, json!(batch)).await,
        app.record(&key, json!(batch)).await,
    ] {
        assert!(answer["errors"].is_null(), "{answer}");
    }
    let stored = all_activities(&app, &key).await;
    assert_eq!(stored.len(), 30);

    let midnight = today - Duration::hours(12);
    let from = (midnight - Duration::days(3)).to_rfc3339();
    let to = (midnight + Duration::days(1)).to_rfc3339();
    let report = |group: &'static str| {
        let (app, key, from, to) = (&app, &key, from.clone(), to.clone());
        async move {
            app.graphql_ok(
                Some(key),
                COSTS,
                json!({ "g": group, "from": from, "to": to }),
            )
            .await["analytics"]["costs"]
                .clone()
        }
    };

    let by_agent = report("AGENT").await;
    let expected = brute_force(&stored, |a| a["agentId"].as_str().unwrap().to_owned());
    let got = grouped(&by_agent, |g| g["agentId"].as_str().unwrap().to_owned());
    assert_eq!(got, expected);
    assert!(
        by_agent["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["agentName"] == "planner")
    );
    let all = totals(&by_agent["totals"]);
    assert_eq!(all.1, 30);
    assert_eq!(
        all.2, 10,
        "the in-house model's ten activities are unpriced"
    );
    assert_eq!(by_agent["totals"]["errors"], 5);
    assert_eq!(by_agent["totals"]["tokens"]["cacheRead"], 500);

    let by_model = report("MODEL").await;
    let expected = brute_force(&stored, |a| a["model"].as_str().unwrap().to_owned());
    let got = grouped(&by_model, |g| g["model"].as_str().unwrap().to_owned());
    assert_eq!(got, expected);
    assert_eq!(got["in-house-model"].0, Decimal::ZERO);

    let by_day = report("DAY").await;
    let days = by_day["groups"].as_array().unwrap();
    assert_eq!(days.len(), 4, "every day of the window: {by_day}");
    let expected = brute_force(&stored, |a| {
        a["timestamp"].as_str().unwrap()[..10].to_owned()
    });
    let got = grouped(&by_day, |g| g["day"].as_str().unwrap()[..10].to_owned());
    assert_eq!(got, expected);

    // REST gives the same report.
    let (status, rest) = app
        .get_json(
            &key,
            &format!(
                "/api/v1/analytics/costs?groupBy=MODEL&from={}&to={}",
                urlencode(&from),
                urlencode(&to)
            ),
        )
        .await;
    assert_eq!(status, 200, "{rest}");
    assert_eq!(rest["totals"]["costUsd"], by_model["totals"]["costUsd"]);
    assert_eq!(rest["groups"].as_array().unwrap().len(), 3);

    // The forecast starts from this month's known cost.
    let month_start = format!("{}", today.format("%Y-%m-01"));
    let month_to_date: Decimal = stored
        .iter()
        .filter(|a| a["timestamp"].as_str().unwrap()[..10] >= *month_start)
        .filter_map(|a| a["costUsd"].as_str())
        .map(|c| c.parse::<Decimal>().unwrap())
        .sum();
    let forecast = app
        .graphql_ok(
            Some(&key),
            "{ analytics { forecast { monthToDateUsd projectedUsd lowUsd highUsd daysObserved } } }",
            json!({}),
        )
        .await["analytics"]["forecast"]
        .clone();
    let f = |name: &str| forecast[name].as_str().unwrap().parse::<Decimal>().unwrap();
    assert_eq!(f("monthToDateUsd"), month_to_date, "{forecast}");
    assert!(f("lowUsd") >= f("monthToDateUsd") && f("projectedUsd") >= f("lowUsd"));
    assert!(f("highUsd") >= f("projectedUsd"));

    // Performance per agent: the same counts as the activities, and latency percentiles.
    let performance = app
        .graphql_ok(
            Some(&key),
            "query($from: DateTime, $to: DateTime) { analytics { performance(from: $from, to: $to) { overall { activities errors errorRate p50Ms p95Ms } agents { agentId agentName performance { activities errors } } } } }",
            json!({ "from": from, "to": to }),
        )
        .await["analytics"]["performance"]
        .clone();
    assert_eq!(performance["overall"]["activities"], 30);
    assert_eq!(performance["overall"]["errors"], 5);
    assert_eq!(performance["agents"].as_array().unwrap().len(), 2);
    // REST gives the same figures.
    let (status, rest) = app
        .get_json(
            &key,
            &format!(
                "/api/v1/analytics/performance?from={}&to={}",
                urlencode(&from),
                urlencode(&to)
            ),
        )
        .await;
    assert_eq!(status, 200, "{rest}");
    for field in ["activities", "errors", "errorRate", "p50Ms", "p95Ms"] {
        assert_eq!(
            rest["overall"][field], performance["overall"][field],
            "{field}"
        );
    }
    let p95 = performance["overall"]["p95Ms"].as_f64().unwrap();
    assert!(
        (120.0..=135.0).contains(&p95),
        "durations are 100..129 ms: {performance}"
    );
    for agent in performance["agents"].as_array().unwrap() {
        let id = agent["agentId"].as_str().unwrap();
        let mine: Vec<&Value> = stored.iter().filter(|a| a["agentId"] == id).collect();
        assert_eq!(agent["performance"]["activities"], mine.len(), "{agent}");
        let errors = mine.iter().filter(|a| a["status"] == "ERROR").count();
        assert_eq!(agent["performance"]["errors"], errors, "{agent}");
    }

    // A window the wrong way round is refused, naming the field.
    let answer = app
        .graphql(
            Some(&key),
            COSTS,
            json!({ "g": "DAY", "from": to, "to": from }),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&answer), "BAD_USER_INPUT");
}

async fn the_demo_week_and_its_tasks_show_in_analytics(backend: Backend) {
    let app = spawn_app_with(backend, |config| config.demo = true).await;
    let token = app
        .graphql_ok(
            None,
            "mutation { logIn(input: { email: \"demo@humanaios.local\", password: \"humanaios-demo\" }) { accessToken } }",
            json!({}),
        )
        .await["logIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let from = (Utc::now() - Duration::days(6)).to_rfc3339();
    let data = app
        .graphql_ok(
            Some(&token),
            "query($from: DateTime) { analytics { costs(groupBy: DAY, from: $from) { totals { activities costUsd } groups { totals { activities } } } tasks(from: $from) { created budgetUsd byStatus { status count } } } }",
            json!({ "from": from }),
        )
        .await;
    let costs = &data["analytics"]["costs"];
    assert!(
        costs["totals"]["activities"].as_i64().unwrap() > 100,
        "{costs}"
    );
    for day in costs["groups"].as_array().unwrap() {
        assert!(
            day["totals"]["activities"].as_i64().unwrap() > 0,
            "a demo day without activity: {costs}"
        );
    }
    let tasks = &data["analytics"]["tasks"];
    assert_eq!(
        tasks["byStatus"].as_array().unwrap().len(),
        entity::TaskStatus::ALL.len(),
        "the demo inbox holds every status: {tasks}"
    );
    assert!(tasks["created"].as_i64().unwrap() >= entity::TaskStatus::ALL.len() as i64);
    // The demo tasks carry budgets; their sum is read on both backends alike.
    let budget: Decimal = tasks["budgetUsd"].as_str().unwrap().parse().unwrap();
    assert!(budget > Decimal::ZERO, "{tasks}");
}

/// (cost, activities, unpriced) per key, summed over `activities` one by one.
fn brute_force(
    activities: &[Value],
    key: impl Fn(&Value) -> String,
) -> BTreeMap<String, (Decimal, i64, i64)> {
    let mut sums: BTreeMap<String, (Decimal, i64, i64)> = BTreeMap::new();
    for a in activities {
        let entry = sums.entry(key(a)).or_default();
        if let Some(cost) = a["costUsd"].as_str() {
            entry.0 += cost.parse::<Decimal>().unwrap();
        }
        entry.1 += 1;
        entry.2 += i64::from(a["unpriced"].as_bool().unwrap());
    }
    sums
}

/// (cost, activities, unpriced) per group of a cost report, keyed by `key`.
fn grouped(
    report: &Value,
    key: impl Fn(&Value) -> String,
) -> BTreeMap<String, (Decimal, i64, i64)> {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (key(g), totals(&g["totals"])))
        .collect()
}

fn totals(t: &Value) -> (Decimal, i64, i64) {
    (
        t["costUsd"].as_str().unwrap().parse().unwrap(),
        t["activities"].as_i64().unwrap(),
        t["unpriced"].as_i64().unwrap(),
    )
}

async fn all_activities(app: &TestApp, key: &str) -> Vec<Value> {
    app.graphql_ok(
        Some(key),
        "{ activities(first: 100) { nodes { agentId model costUsd unpriced timestamp status durationMs } } }",
        json!({}),
    )
    .await["activities"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}
