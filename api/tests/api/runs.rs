//! Runs and search: a run reads back as its span tree with totals that add up, runs page and
//! filter, search finds words wherever an activity keeps text, and nothing crosses orgs.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr as _;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, error_code, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(
    a_run_reads_back_as_a_tree_whose_totals_are_the_sums_of_its_spans,
    runs_page_newest_first_and_filter_by_agent_time_and_status,
    search_finds_words_in_payloads_and_error_messages_of_the_own_org_only,
    hostile_search_text_gets_a_clean_answer,
    a_deep_run_over_the_span_cap_reads_flat_and_says_it_was_cut,
    the_search_index_follows_corrections_deletions_and_a_rebuild,
);

/// A span of `run` at second `second` of 2026-11-20 10:00.
fn span(agent: &str, run: &str, parent: Option<&str>, second: u32) -> Value {
    json!({
        "id": Uuid::now_v7().to_string(),
        "agentId": agent,
        "type": "TOOL_CALL",
        "runId": run,
        "parentId": parent,
        "timestamp": format!("2026-11-20T10:00:{second:02}Z"),
    })
}

fn dec(value: &Value) -> Decimal {
    Decimal::from_str(
        value
            .as_str()
            .unwrap_or_else(|| panic!("{value} is not a string")),
    )
    .unwrap()
}

/// The four spans of a trip-planning run: root → llm call → tool call, and a failing
/// sibling of the llm call. Returns them in time order (root, llm, failing, tool).
fn trip_run(agent: &str, run: &str) -> Vec<Value> {
    let mut root = span(agent, run, None, 0);
    root["type"] = json!("DECISION");
    root["name"] = json!("plan trip");
    root["costUsd"] = json!("0.001");
    root["durationMs"] = json!(9_000);
    root["startedAt"] = json!("2026-11-20T10:00:00Z");
    root["endedAt"] = json!("2026-11-20T10:00:09Z");
    let root_id = root["id"].as_str().unwrap().to_owned();

    let mut llm = span(agent, run, Some(&root_id), 1);
    llm["name"] = json!("chat");
    llm["model"] = json!("claude-sonnet-4-5");
    llm["inputTokens"] = json!(1_000);
    llm["outputTokens"] = json!(200);
    llm["durationMs"] = json!(4_000);
    llm["payload"] = json!({ "prompt": "Find a ferry to Zanzibar", "response": "Calling search" });
    let llm_id = llm["id"].as_str().unwrap().to_owned();

    let mut failing = span(agent, run, Some(&root_id), 3);
    failing["type"] = json!("ERROR");
    failing["name"] = json!("weather");
    failing["model"] = json!("a-model-nobody-prices");
    failing["inputTokens"] = json!(50);
    failing["errorMessage"] = json!("upstream quokka timed out");
    failing["durationMs"] = json!(500);

    let mut tool = span(agent, run, Some(&llm_id), 5);
    tool["name"] = json!("search");
    tool["costUsd"] = json!("0.000002");
    tool["durationMs"] = json!(1_500);
    tool["payload"] = json!({ "args": { "q": "ferries" }, "result": ["Azam Marine"] });

    vec![root, llm, failing, tool]
}

const RUN_QUERY: &str = "query($id: ID!) { run(id: $id) {
    id agentId rootSpanName startedAt endedAt durationMs spanCount errorCount status
    totalCostUsd unpricedSpanCount tokens { input output total } spansTruncated
    roots { activity { id } children { activity { id } children { activity { id } children { activity { id } } } } }
    spans {
        depth parentId spanCount errorCount totalCostUsd totalUnpriced totalDurationMs elapsedMs
        totalTokens { input output total }
        activity { id name costUsd unpriced durationMs inputTokens outputTokens status errorMessage payload }
    }
} }";

async fn a_run_reads_back_as_a_tree_whose_totals_are_the_sums_of_its_spans(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "planner").await;
    let key = app.create_api_key(&admin.token).await;
    let run = Uuid::now_v7().to_string();
    let spans = trip_run(&agent, &run);
    let id = |i: usize| spans[i]["id"].as_str().unwrap().to_owned();
    // Reported out of order: the tree orders by time, not by arrival.
    let shuffled = json!([spans[3], spans[2], spans[0], spans[1]]);
    let answer = app.record(&key, shuffled).await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], 4,
        "{answer}"
    );

    let data = app
        .graphql_ok(Some(&admin.token), RUN_QUERY, json!({ "id": run }))
        .await;
    let run_data = &data["run"];

    // The nested form: root → [llm → [tool], failing].
    assert_eq!(
        run_data["roots"],
        json!([{ "activity": { "id": id(0) }, "children": [
            { "activity": { "id": id(1) }, "children": [
                { "activity": { "id": id(3) }, "children": [] }
            ] },
            { "activity": { "id": id(2) }, "children": [] }
        ] }])
    );

    // The flat form: depth first, with depth and parent.
    let flat = run_data["spans"].as_array().unwrap();
    let order: Vec<(String, i64, Value)> = flat
        .iter()
        .map(|s| {
            (
                s["activity"]["id"].as_str().unwrap().to_owned(),
                s["depth"].as_i64().unwrap(),
                s["parentId"].clone(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            (id(0), 0, Value::Null),
            (id(1), 1, json!(id(0))),
            (id(3), 2, json!(id(1))),
            (id(2), 1, json!(id(0))),
        ]
    );
    // The payload (prompt and response) comes with each span.
    assert_eq!(
        flat[1]["activity"]["payload"]["prompt"],
        "Find a ferry to Zanzibar"
    );

    // Every span's totals are the brute-force sums over the spans below it.
    let parents: HashMap<String, Option<String>> = flat
        .iter()
        .map(|s| {
            (
                s["activity"]["id"].as_str().unwrap().to_owned(),
                s["parentId"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let is_below = |span: &str, ancestor: &str| {
        let mut at = Some(span.to_owned());
        while let Some(current) = at {
            if current == ancestor {
                return true;
            }
            at = parents[&current].clone();
        }
        false
    };
    for node in flat {
        let me = node["activity"]["id"].as_str().unwrap();
        let below: Vec<&Value> = flat
            .iter()
            .filter(|s| is_below(s["activity"]["id"].as_str().unwrap(), me))
            .map(|s| &s["activity"])
            .collect();
        let cost: Decimal = below
            .iter()
            .filter(|a| !a["costUsd"].is_null())
            .map(|a| dec(&a["costUsd"]))
            .sum();
        let int_sum = |field: &str| -> i64 { below.iter().filter_map(|a| a[field].as_i64()).sum() };
        assert_eq!(dec(&node["totalCostUsd"]), cost, "{me}");
        assert_eq!(node["spanCount"], below.len(), "{me}");
        assert_eq!(
            node["totalUnpriced"],
            below.iter().filter(|a| a["unpriced"] == true).count(),
            "{me}"
        );
        assert_eq!(
            node["errorCount"],
            below.iter().filter(|a| a["status"] == "ERROR").count(),
            "{me}"
        );
        assert_eq!(node["totalDurationMs"], int_sum("durationMs"), "{me}");
        assert_eq!(
            node["totalTokens"],
            json!({
                "input": int_sum("inputTokens"),
                "output": int_sum("outputTokens"),
                "total": int_sum("inputTokens") + int_sum("outputTokens"),
            }),
            "{me}"
        );
    }
    // And the figures themselves: $0.001 + $0.006 (1,000 in and 200 out at the listed
    // price) + $0.000002; the failing span's model has no price.
    let root = &flat[0];
    assert_eq!(
        dec(&root["totalCostUsd"]),
        Decimal::from_str("0.007002").unwrap()
    );
    assert_eq!(root["totalUnpriced"], 1);
    assert_eq!(root["elapsedMs"], 9_000);
    assert_eq!(
        dec(&flat[1]["totalCostUsd"]),
        Decimal::from_str("0.006002").unwrap()
    );

    // The run's summary counts the same spans.
    assert_eq!(run_data["id"], run.as_str());
    assert_eq!(run_data["agentId"], agent.as_str());
    assert_eq!(run_data["rootSpanName"], "plan trip");
    assert_eq!(
        (
            &run_data["spanCount"],
            &run_data["errorCount"],
            &run_data["status"]
        ),
        (&json!(4), &json!(1), &json!("ERROR"))
    );
    assert_eq!(dec(&run_data["totalCostUsd"]), dec(&root["totalCostUsd"]));
    assert_eq!(run_data["unpricedSpanCount"], 1);
    assert_eq!(run_data["tokens"], root["totalTokens"]);
    assert_eq!(run_data["durationMs"], 9_000);
    assert_eq!(run_data["spansTruncated"], false);

    // REST answers the same run, flat.
    let (status, body) = app
        .get_json(&admin.token, &format!("/api/v1/runs/{run}"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rootSpanName"], "plan trip");
    assert_eq!(dec(&body["totalCostUsd"]), dec(&run_data["totalCostUsd"]));
    assert_eq!(body["status"], "ERROR");
    assert_eq!(placed(body["spans"].as_array().unwrap()), placed(flat));
    assert_eq!(
        body["spans"][3]["activity"]["errorMessage"],
        "upstream quokka timed out"
    );

    // An unknown run is null in GraphQL and 404 in REST; a malformed id is bad input.
    let missing = Uuid::now_v7().to_string();
    let data = app
        .graphql_ok(
            Some(&admin.token),
            "query($id: ID!) { run(id: $id) { id } }",
            json!({ "id": missing }),
        )
        .await;
    assert_eq!(data["run"], Value::Null);
    let (status, body) = app
        .get_json(&admin.token, &format!("/api/v1/runs/{missing}"))
        .await;
    assert_eq!((status, &body["error"]["code"]), (404, &json!("NOT_FOUND")));
    let answer = app
        .graphql(
            Some(&admin.token),
            "{ run(id: \"not-a-uuid\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");
}

/// Each span's id, depth, parent and subtree cost, in order.
fn placed(spans: &[Value]) -> Vec<(String, i64, Value, Decimal)> {
    spans
        .iter()
        .map(|s| {
            (
                s["activity"]["id"].as_str().unwrap().to_owned(),
                s["depth"].as_i64().unwrap(),
                s["parentId"].clone(),
                dec(&s["totalCostUsd"]),
            )
        })
        .collect()
}

/// Records a run of `spans` spans (the first one failing when `failed`) starting at
/// `minute` past 10:00 on 2026-11-20, and returns its id.
async fn record_run(
    app: &TestApp,
    key: &str,
    agent: &str,
    minute: u32,
    spans: usize,
    failed: bool,
) -> String {
    let run = Uuid::now_v7().to_string();
    let batch: Vec<Value> = (0..spans)
        .map(|i| {
            let mut s = span(agent, &run, None, i as u32);
            s["timestamp"] = json!(format!("2026-11-20T10:{minute:02}:{i:02}Z"));
            if failed && i == 0 {
                s["status"] = json!("ERROR");
            }
            s
        })
        .collect();
    let answer = app.record(key, json!(batch)).await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], spans,
        "{answer}"
    );
    run
}

async fn run_ids(app: &TestApp, token: &str, args: &str) -> (Vec<String>, Value) {
    let data = app
        .graphql_ok(
            Some(token),
            &format!("{{ runs{args} {{ nodes {{ id }} pageInfo {{ hasNextPage endCursor }} }} }}"),
            json!({}),
        )
        .await;
    let ids = data["runs"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    (ids, data["runs"]["pageInfo"].clone())
}

async fn runs_page_newest_first_and_filter_by_agent_time_and_status(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let alpha = app.create_agent(&admin.token, "alpha").await;
    let beta = app.create_agent(&admin.token, "beta").await;
    let key = app.create_api_key(&admin.token).await;
    let oldest = record_run(&app, &key, &alpha, 1, 2, false).await;
    let middle = record_run(&app, &key, &beta, 2, 3, true).await;
    let newest = record_run(&app, &key, &alpha, 3, 1, false).await;
    // An activity outside any run is not a run.
    let answer = app
        .record(
            &key,
            json!([crate::helpers::activity(&alpha, "DECISION", "0")]),
        )
        .await;
    assert_eq!(answer["data"]["recordActivities"]["inserted"], 1);

    let (first_page, info) = run_ids(&app, &admin.token, "(first: 2)").await;
    assert_eq!(first_page, [newest.as_str(), middle.as_str()]);
    assert_eq!(info["hasNextPage"], true);
    let after = info["endCursor"].as_str().unwrap();
    let (second_page, info) = run_ids(
        &app,
        &admin.token,
        &format!("(first: 2, after: \"{after}\")"),
    )
    .await;
    assert_eq!(second_page, [oldest.as_str()]);
    assert_eq!(info["hasNextPage"], false);

    let by_agent = |agent: &str| format!("(agentId: \"{agent}\")");
    assert_eq!(
        run_ids(&app, &admin.token, &by_agent(&alpha)).await.0,
        [newest.as_str(), oldest.as_str()]
    );
    assert_eq!(
        run_ids(&app, &admin.token, &by_agent(&beta)).await.0,
        [middle.as_str()]
    );
    assert_eq!(
        run_ids(&app, &admin.token, "(status: ERROR)").await.0,
        [middle.as_str()]
    );
    assert_eq!(
        run_ids(&app, &admin.token, "(status: OK)").await.0,
        [newest.as_str(), oldest.as_str()]
    );
    assert_eq!(
        run_ids(
            &app,
            &admin.token,
            "(from: \"2026-11-20T10:02:00Z\", to: \"2026-11-20T10:03:00Z\")"
        )
        .await
        .0,
        [middle.as_str()]
    );

    // Each row's summary.
    let data = app
        .graphql_ok(
            Some(&admin.token),
            "{ runs(status: ERROR) { nodes { agent { name } spanCount errorCount startedAt endedAt durationMs } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["runs"]["nodes"][0],
        json!({
            "agent": { "name": "beta" },
            "spanCount": 3,
            "errorCount": 1,
            "startedAt": "2026-11-20T10:02:00+00:00",
            "endedAt": "2026-11-20T10:02:02+00:00",
            "durationMs": 2_000,
        })
    );

    // REST pages and filters alike.
    let (status, body) = app.get_json(&admin.token, "/api/v1/runs?first=2").await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [newest.as_str(), middle.as_str()]);
    let after = body["pageInfo"]["endCursor"].as_str().unwrap();
    let (_, body) = app
        .get_json(
            &admin.token,
            &format!("/api/v1/runs?first=2&after={after}&agentId={alpha}&status=OK"),
        )
        .await;
    assert_eq!(body["items"][0]["id"], oldest.as_str());
    assert_eq!(body["items"].as_array().unwrap().len(), 1);

    // Bad input is named.
    let answer = app
        .graphql(
            Some(&admin.token),
            "{ runs(first: 0) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");
    let (status, body) = app
        .get_json(&admin.token, "/api/v1/runs?agentId=nope")
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("BAD_USER_INPUT"))
    );

    // Another organization has no runs.
    let other = app.sign_up().await;
    assert!(run_ids(&app, &other.token, "").await.0.is_empty());
}

/// Ids of the activities `query` finds, newest first.
async fn found(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let data = app
        .graphql_ok(
            Some(token),
            "query($q: String!) { searchActivities(query: $q, first: 100) { nodes { id } } }",
            json!({ "q": query }),
        )
        .await;
    data["searchActivities"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Records the trip run and returns the ids of its llm call and its failing span.
async fn record_trip(app: &TestApp, key: &str, agent: &str) -> (String, String) {
    let spans = trip_run(agent, &Uuid::now_v7().to_string());
    let answer = app.record(key, json!(spans)).await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], 4,
        "{answer}"
    );
    (
        spans[1]["id"].as_str().unwrap().to_owned(),
        spans[2]["id"].as_str().unwrap().to_owned(),
    )
}

async fn search_finds_words_in_payloads_and_error_messages_of_the_own_org_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let agent = app.create_agent(&alice.token, "planner").await;
    let key = app.create_api_key(&alice.token).await;
    let (llm, failing) = record_trip(&app, &key, &agent).await;
    // Bob's organization says the same words.
    let bob = app.sign_up().await;
    let bobs_agent = app.create_agent(&bob.token, "planner").await;
    let bobs_key = app.create_api_key(&bob.token).await;
    let (bobs_llm, _) = record_trip(&app, &bobs_key, &bobs_agent).await;

    assert_eq!(found(&app, &alice.token, "zanzibar").await, [llm.as_str()]);
    assert_eq!(
        found(&app, &alice.token, "FERRY Zanzibar").await,
        [llm.as_str()]
    );
    assert_eq!(
        found(&app, &alice.token, "quokka").await,
        [failing.as_str()]
    );
    // The step name is searched too.
    assert_eq!(
        found(&app, &alice.token, "weather").await,
        [failing.as_str()]
    );
    // Every word must be there.
    assert!(
        found(&app, &alice.token, "zanzibar quokka")
            .await
            .is_empty()
    );
    // JSON keys are structure, not text.
    assert!(found(&app, &alice.token, "prompt").await.is_empty());
    assert_eq!(found(&app, &bob.token, "zanzibar").await, [bobs_llm]);

    // Filtered by agent: another agent's activities are not found.
    let data = app
        .graphql_ok(
            Some(&alice.token),
            "{ searchActivities(query: \"quokka\", first: 1, agentId: \"00000000-0000-0000-0000-000000000001\") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["searchActivities"]["nodes"], json!([]));

    // REST finds the same.
    let (status, body) = app
        .get_json(&alice.token, "/api/v1/search?q=Zanzibar%20ferry")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["id"], llm.as_str());
    assert_eq!(body["items"][0]["name"], "chat");
}

async fn hostile_search_text_gets_a_clean_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "planner").await;
    let key = app.create_api_key(&admin.token).await;
    record_trip(&app, &key, &agent).await;
    let hostile = [
        "\"",
        "AND (",
        "NEAR(zanzibar",
        "zanzibar*",
        "-zanzibar",
        "' OR 1=1 --",
        "content:zanzibar",
        "id_key : x",
        "{content} : x",
        "a & b | !c <-> d",
        "\\\" \\",
        "\u{0}",
        "ü\u{301}",
        &"very long ".repeat(100),
    ];
    for text in hostile {
        let answer = app
            .graphql(
                Some(&admin.token),
                "query($q: String!) { searchActivities(query: $q) { nodes { id } } }",
                json!({ "q": text }),
            )
            .await;
        match answer.get("errors") {
            Some(_) => assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{text:?}: {answer}"),
            None => assert!(answer["data"]["searchActivities"]["nodes"].is_array()),
        }
        let (status, body) = app
            .get_json(
                &admin.token,
                &format!("/api/v1/search?q={}", urlencode(text)),
            )
            .await;
        assert!(
            status == 200 || (status == 422 && body["error"]["code"] == "BAD_USER_INPUT"),
            "{text:?}: {status} {body}"
        );
    }
    // Operators are words like any other: quoted, `zanzibar*` is the word `zanzibar`.
    let answer = app
        .graphql_ok(
            Some(&admin.token),
            "{ searchActivities(query: \"NEAR(zanzibar\") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(answer["searchActivities"]["nodes"], json!([]));
    let answer = app
        .graphql(
            Some(&admin.token),
            "{ searchActivities(query: \"\\\"\") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");
    assert_eq!(answer["errors"][0]["extensions"]["field"], "query");
}

/// Percent-encodes every byte outside the unreserved set.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Both backends find the same activities for the same words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_find_the_same_activities() {
    let queries = [
        "zanzibar",
        "ferry",
        "ferries",
        "Azam marine",
        "quokka timed",
        "upstream",
        "search",
        "plan trip",
        "chat",
        "calling",
        "weather",
        "nothing-like-this",
    ];
    let mut answers: Vec<Vec<Vec<String>>> = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        let admin = app.sign_up().await;
        let agent = app.create_agent(&admin.token, "planner").await;
        // The same ids on both backends, so the answers compare directly.
        let mut spans = trip_run(&agent, "5f0c8a52-8a0c-4c5e-9a57-3a1f6b1f2c01");
        let fixed = |n: u128| json!(Uuid::from_u128(0x1000 + n).to_string());
        for (i, s) in spans.iter_mut().enumerate() {
            s["id"] = fixed(i as u128);
            // root ← llm call, root ← failing step, llm call ← tool call.
            s["parentId"] = match i {
                0 => Value::Null,
                3 => fixed(1),
                _ => fixed(0),
            };
        }
        let answer = app.record(&admin.token, json!(spans)).await;
        assert_eq!(
            answer["data"]["recordActivities"]["inserted"], 4,
            "{answer}"
        );
        let mut per_query = Vec::new();
        for query in queries {
            per_query.push(found(&app, &admin.token, query).await);
        }
        answers.push(per_query);
    }
    assert_eq!(answers[0], answers[1]);
    // And the answers are not all empty.
    let hits: BTreeSet<usize> = answers[0].iter().map(Vec::len).collect();
    assert!(hits.contains(&1) && hits.contains(&0), "{answers:?}");
}

async fn a_deep_run_over_the_span_cap_reads_flat_and_says_it_was_cut(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "deep").await;
    let key = app.create_api_key(&admin.token).await;
    let run = Uuid::now_v7().to_string();
    // A chain of 10,001 spans, each inside the one before, a millisecond apart.
    let cap = 10_000;
    let ids: Vec<String> = (0..=cap).map(|_| Uuid::now_v7().to_string()).collect();
    for chunk in (0..=cap).collect::<Vec<_>>().chunks(1_000) {
        let batch: Vec<Value> = chunk
            .iter()
            .map(|&i| {
                let mut s = span(&agent, &run, (i > 0).then(|| ids[i - 1].as_str()), 0);
                s["id"] = json!(ids[i]);
                let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z").unwrap()
                    + chrono::Duration::milliseconds(i as i64);
                s["timestamp"] = json!(at.to_rfc3339());
                s["costUsd"] = json!("0.000001");
                s
            })
            .collect();
        let answer = app.record(&key, json!(batch)).await;
        assert_eq!(
            answer["data"]["recordActivities"]["inserted"],
            chunk.len(),
            "{answer}"
        );
    }

    let data = app
        .graphql_ok(
            Some(&admin.token),
            "query($id: ID!) { run(id: $id) { spanCount totalCostUsd spansTruncated spans { depth } } }",
            json!({ "id": run }),
        )
        .await;
    let run_data = &data["run"];
    // The summary counts every span; the tree holds the earliest 10,000 and says so.
    assert_eq!(run_data["spanCount"], cap + 1);
    assert_eq!(
        dec(&run_data["totalCostUsd"]),
        Decimal::from_str("0.010001").unwrap()
    );
    assert_eq!(run_data["spansTruncated"], true);
    let depths: Vec<i64> = run_data["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["depth"].as_i64().unwrap())
        .collect();
    assert_eq!(depths, (0..cap as i64).collect::<Vec<_>>());
    let (status, body) = app
        .get_json(&admin.token, &format!("/api/v1/runs/{run}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["spansTruncated"], true);
    assert_eq!(body["spans"].as_array().unwrap().len(), cap);
    assert_eq!(body["spans"][cap - 1]["spanCount"], 1);
    assert_eq!(body["spans"][0]["spanCount"], cap);
}

async fn the_search_index_follows_corrections_deletions_and_a_rebuild(backend: Backend) {
    use migration::{Migrator, MigratorTrait as _};
    use sea_orm::{ActiveModelTrait as _, EntityTrait as _, IntoActiveModel as _, Set};

    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "planner").await;
    let key = app.create_api_key(&admin.token).await;
    let (llm, failing) = record_trip(&app, &key, &agent).await;
    let db = &app.state.db;

    // A corrected payload is found by its new words only.
    let stored = entity::agent_activity::Entity::find_by_id(llm.parse::<Uuid>().unwrap())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut corrected = stored.into_active_model();
    corrected.payload = Set(json!({ "prompt": "Find a train to Mombasa" }));
    corrected.update(db).await.unwrap();
    assert!(found(&app, &admin.token, "zanzibar").await.is_empty());
    assert_eq!(found(&app, &admin.token, "mombasa").await, [llm.as_str()]);

    // A deleted activity is not found.
    entity::agent_activity::Entity::delete_by_id(failing.parse::<Uuid>().unwrap())
        .exec(db)
        .await
        .unwrap();
    assert!(found(&app, &admin.token, "quokka").await.is_empty());

    // Undoing the migration and running it again indexes what is already stored.
    let from_the_end = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261125_000012_runs_and_search")
        .unwrap()
        + 1;
    Migrator::down(db, Some(from_the_end as u32)).await.unwrap();
    Migrator::up(db, None).await.unwrap();
    assert_eq!(found(&app, &admin.token, "mombasa").await, [llm.as_str()]);
    assert_eq!(found(&app, &admin.token, "azam").await.len(), 1);
    assert!(found(&app, &admin.token, "quokka").await.is_empty());
}
