//! Recording activities idempotently and paging through them.

use serde_json::{Value, json};

use crate::helpers::{Backend, activity, error_code, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(
    a_retried_batch_is_neither_stored_twice_nor_an_error,
    pages_follow_each_other_without_gaps_or_repeats,
    filters_by_type_and_time_range,
    an_oversized_batch_or_too_precise_cost_is_refused_naming_the_field,
    every_field_reads_back_exactly_as_it_was_sent,
);

async fn a_retried_batch_is_neither_stored_twice_nor_an_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "a").await;
    let key = app.create_api_key(&admin.token).await;
    let first = activity(&agent, "TOOL_CALL", "0.1");
    let batch = json!([first, activity(&agent, "DECISION", "0.2")]);

    let answer = app.record(&key, batch.clone()).await;
    assert_eq!(answer["data"]["recordActivities"]["inserted"], 2);
    let answer = app.record(&key, batch).await;
    assert_eq!(
        answer["data"]["recordActivities"],
        json!({ "accepted": 2, "inserted": 0, "duplicates": 2 })
    );
    // The same id twice in one batch counts once.
    let answer = app
        .record(&key, json!([first, first, activity(&agent, "ERROR", "0")]))
        .await;
    assert_eq!(
        answer["data"]["recordActivities"],
        json!({ "accepted": 3, "inserted": 1, "duplicates": 2 })
    );
    let data = app
        .graphql_ok(
            Some(&key),
            "{ activities(first: 100) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["activities"]["nodes"].as_array().unwrap().len(), 3);
}

async fn pages_follow_each_other_without_gaps_or_repeats(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "pager").await;
    // 25 activities, several sharing a timestamp, so the id breaks ties.
    let batch: Vec<Value> = (0..25)
        .map(|i| {
            let mut a = activity(&agent, "TOOL_CALL", "0.01");
            a["timestamp"] = json!(format!("2026-11-20T10:00:{:02}.5Z", i / 3));
            a
        })
        .collect();
    let answer = app.record(&admin.token, json!(batch)).await;
    assert_eq!(answer["data"]["recordActivities"]["inserted"], 25);

    let query = "query($after: String) { activities(first: 10, after: $after) { pageInfo { hasNextPage endCursor } nodes { id timestamp } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = app
            .graphql_ok(Some(&admin.token), query, json!({ "after": after }))
            .await;
        let page = &data["activities"];
        seen.extend(page["nodes"].as_array().unwrap().iter().map(|n| {
            (
                n["timestamp"].as_str().unwrap().to_owned(),
                n["id"].as_str().unwrap().to_owned(),
            )
        }));
        pages += 1;
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(seen, sorted, "newest first, no repeats");

    let answer = app
        .graphql(
            Some(&admin.token),
            "{ activities(first: 101) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");
    let answer = app
        .graphql(
            Some(&admin.token),
            "{ activities(after: \"garbage\") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");
}

async fn filters_by_type_and_time_range(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "filtered").await;
    let at = |kind: &str, time: &str| {
        let mut a = activity(&agent, kind, "0");
        a["timestamp"] = json!(time);
        a
    };
    app.record(
        &admin.token,
        json!([
            at("ERROR", "2026-11-01T00:00:00Z"),
            at("ERROR", "2026-11-02T00:00:00Z"),
            at("TOOL_CALL", "2026-11-02T12:00:00Z"),
            at("ERROR", "2026-11-03T00:00:00Z"),
        ]),
    )
    .await;
    let data = app
        .graphql_ok(
            Some(&admin.token),
            "{ activities(types: [ERROR], from: \"2026-11-02T00:00:00Z\", to: \"2026-11-03T00:00:00Z\") { nodes { type timestamp } } }",
            json!({}),
        )
        .await;
    let nodes = data["activities"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    assert!(
        nodes[0]["timestamp"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-02T00:00:00")
    );
}

async fn an_oversized_batch_or_too_precise_cost_is_refused_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "strict").await;
    let batch: Vec<Value> = (0..1001)
        .map(|_| activity(&agent, "DECISION", "0"))
        .collect();
    let answer = app.record(&admin.token, json!(batch)).await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");
    assert_eq!(
        answer["errors"][0]["message"],
        "activities: must hold 1 to 1000 activities"
    );

    let answer = app
        .record(
            &admin.token,
            json!([
                activity(&agent, "DECISION", "1"),
                activity(&agent, "DECISION", "0.0000000001")
            ]),
        )
        .await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");
    assert_eq!(
        answer["errors"][0]["extensions"]["field"],
        "activities[1].costUsd"
    );
    let data = app
        .graphql_ok(
            Some(&admin.token),
            "{ activities { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["activities"]["nodes"],
        json!([]),
        "nothing of a refused batch is kept"
    );
}

on_both_backends!(concurrent_batches_on_two_replicas_store_and_count_each_id_once);

/// Sixteen batches at once, half through a second replica, each with twenty ids of its own
/// and the same five shared ids: every batch is acknowledged, each shared id is counted as
/// new by exactly one of them, and each activity is stored once with its own feed position.
async fn concurrent_batches_on_two_replicas_store_and_count_each_id_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let replica = app.spawn_replica(|_| {}).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "busy").await;
    let key = app.create_api_key(&admin.token).await;
    let shared: Vec<Value> = (0..5)
        .map(|_| activity(&agent, "DECISION", "0.002"))
        .collect();
    let batches: Vec<Value> = (0..16)
        .map(|_| {
            let own = (0..20).map(|_| activity(&agent, "TOOL_CALL", "0.001"));
            json!(own.chain(shared.iter().cloned()).collect::<Vec<_>>())
        })
        .collect();
    let answers = futures_util::future::join_all(batches.into_iter().enumerate().map(|(i, b)| {
        let server = if i % 2 == 0 { &app } else { &replica.app };
        server.record(&key, b)
    }))
    .await;
    let mut inserted = 0;
    let mut duplicates = 0;
    for answer in &answers {
        let outcome = &answer["data"]["recordActivities"];
        assert_eq!(outcome["accepted"], 25, "{answer}");
        inserted += outcome["inserted"].as_i64().unwrap();
        duplicates += outcome["duplicates"].as_i64().unwrap();
    }
    assert_eq!(inserted, 16 * 20 + 5, "each shared id is new exactly once");
    assert_eq!(duplicates, 16 * 5 - 5);

    let mut ids = std::collections::HashSet::new();
    let mut positions = std::collections::HashSet::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .graphql_ok(
                Some(&key),
                "query($after: String) { activities(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id feedCursor } } }",
                json!({ "after": after }),
            )
            .await;
        for node in data["activities"]["nodes"].as_array().unwrap() {
            assert!(ids.insert(node["id"].clone()), "stored twice: {node}");
            assert!(
                positions.insert(node["feedCursor"].clone()),
                "shared position: {node}"
            );
        }
        if !data["activities"]["pageInfo"]["hasNextPage"]
            .as_bool()
            .unwrap()
        {
            break;
        }
        after = data["activities"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(ids.len(), 16 * 20 + 5);
}

on_both_backends!(rest_ingest_records_runs_models_tokens_and_outcomes);

async fn rest_ingest_records_runs_models_tokens_and_outcomes(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "detailed").await;
    let key = app.create_api_key(&admin.token).await;
    let run = uuid::Uuid::now_v7().to_string();
    let mut root = activity(&agent, "DECISION", "0.001");
    root["runId"] = json!(run);
    root["name"] = json!("plan");
    let mut call = activity(&agent, "TOOL_CALL", "0.0123");
    call["runId"] = json!(run);
    call["parentId"] = root["id"].clone();
    call["name"] = json!("web_search");
    call["model"] = json!("claude-sonnet-4-5");
    call["inputTokens"] = json!(1200);
    call["outputTokens"] = json!(300);
    call["cacheReadTokens"] = json!(800);
    call["cacheWriteTokens"] = json!(0);
    call["reasoningTokens"] = json!(150);
    call["startedAt"] = json!("2026-11-20T10:00:00Z");
    call["endedAt"] = json!("2026-11-20T10:00:01.5Z");
    let mut failure = activity(&agent, "ERROR", "0");
    failure["errorMessage"] = json!("upstream timed out");
    let body = json!({ "activities": [root, call, failure] });

    let post = |body: Value| {
        app.client
            .post(app.url("/api/v1/ingest"))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    let response = post(body.clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    let outcome: Value = response.json().await.unwrap();
    assert_eq!(
        outcome,
        json!({ "accepted": 3, "inserted": 3, "duplicates": 0 })
    );
    let outcome: Value = post(body).await.unwrap().json().await.unwrap();
    assert_eq!(
        outcome,
        json!({ "accepted": 3, "inserted": 0, "duplicates": 3 }),
        "a retry stores nothing twice"
    );

    let data = app
        .graphql_ok(
            Some(&key),
            "{ activities { nodes { id type runId parentId name model inputTokens outputTokens cacheReadTokens cacheWriteTokens reasoningTokens status errorMessage startedAt endedAt } } }",
            json!({}),
        )
        .await;
    let nodes = data["activities"]["nodes"].as_array().unwrap();
    let stored_call = nodes.iter().find(|n| n["name"] == "web_search").unwrap();
    assert_eq!(stored_call["runId"], run.as_str());
    assert_eq!(
        stored_call["parentId"],
        nodes.iter().find(|n| n["name"] == "plan").unwrap()["id"]
    );
    assert_eq!(stored_call["model"], "claude-sonnet-4-5");
    assert_eq!(
        [
            &stored_call["inputTokens"],
            &stored_call["outputTokens"],
            &stored_call["cacheReadTokens"],
            &stored_call["cacheWriteTokens"],
            &stored_call["reasoningTokens"]
        ],
        [
            &json!(1200),
            &json!(300),
            &json!(800),
            &json!(0),
            &json!(150)
        ]
    );
    assert_eq!(stored_call["status"], "OK");
    assert!(
        stored_call["endedAt"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-20T10:00:01.5")
    );
    let stored_failure = nodes.iter().find(|n| n["type"] == "ERROR").unwrap();
    assert_eq!(
        stored_failure["status"], "ERROR",
        "errors default to status ERROR"
    );
    assert_eq!(stored_failure["errorMessage"], "upstream timed out");

    // Bad details name their field; nothing of the batch is stored.
    let mut negative = activity(&agent, "TOOL_CALL", "0");
    negative["outputTokens"] = json!(-1);
    let response = post(json!({ "activities": [activity(&agent, "DECISION", "0"), negative] }))
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "activities[1].outputTokens: must not be negative"
    );
    let mut backwards = activity(&agent, "TOOL_CALL", "0");
    backwards["startedAt"] = json!("2026-11-20T10:00:02Z");
    backwards["endedAt"] = json!("2026-11-20T10:00:01Z");
    let body: Value = post(json!({ "activities": [backwards] }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["error"]["message"],
        "activities[0].endedAt: is before startedAt"
    );
    let body: Value = post(json!({ "activities": [], "extra": 1 }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"]["code"], "MALFORMED_REQUEST");

    // Over 1 MiB is refused, naming the ingest limit.
    let mut big = activity(&agent, "TOOL_CALL", "0");
    big["payload"] = json!({ "blob": "x".repeat(1024 * 1024) });
    let response = post(json!({ "activities": [big] })).await.unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "request body is larger than the limit of 1048576 bytes"
    );
    let data = app
        .graphql_ok(
            Some(&key),
            "{ activities(first: 100) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["activities"]["nodes"].as_array().unwrap().len(), 3);
}

on_both_backends!(costs_come_from_tokens_at_the_models_price_and_unpriced_is_never_zero);

async fn costs_come_from_tokens_at_the_models_price_and_unpriced_is_never_zero(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "priced").await;
    let with = |model: &str, cost: Option<&str>| {
        let mut a = activity(&agent, "TOOL_CALL", "0");
        a["model"] = json!(model);
        a["inputTokens"] = json!(1_000);
        a["outputTokens"] = json!(500);
        a["cacheReadTokens"] = json!(2_000);
        a["cacheWriteTokens"] = json!(1_000);
        a["reasoningTokens"] = json!(100);
        a["costUsd"] = cost.map_or(Value::Null, |c| json!(c));
        a
    };
    let computed = with("claude-sonnet-4-5", None);
    let supplied = with("claude-sonnet-4-5", Some("0.5"));
    let unknown = with("in-house-model-7", None);
    let answer = app
        .record(&admin.token, json!([computed, supplied, unknown]))
        .await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], 3,
        "{answer}"
    );

    let cost_of = |data: &Value, id: &Value| {
        let node = data["activities"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == *id)
            .unwrap()
            .clone();
        (node["costUsd"].clone(), node["unpriced"].clone())
    };
    let query = "{ activities { nodes { id costUsd unpriced } } }";
    let data = app.graphql_ok(Some(&admin.token), query, json!({})).await;
    // 1,000 × $3 + 500 × $15 + 2,000 × $0.30 + 1,000 × $3.75 + 100 × $15, per million tokens.
    assert_eq!(
        cost_of(&data, &computed["id"]),
        (json!("0.01635"), json!(false))
    );
    assert_eq!(
        cost_of(&data, &supplied["id"]),
        (json!("0.5"), json!(false)),
        "a supplied cost wins"
    );
    assert_eq!(
        cost_of(&data, &unknown["id"]),
        (Value::Null, json!(true)),
        "unknown, not $0"
    );

    // The organization's own price for a model overrides the shipped table.
    app.graphql_ok(
        Some(&admin.token),
        "mutation($s: JSON!) { updateOrganization(input: { settings: $s }) { id } }",
        json!({ "s": { "prices": { "in-house-model-7": { "input": "1", "output": "2" } } } }),
    )
    .await;
    let again = with("in-house-model-7", None);
    app.record(&admin.token, json!([again])).await;
    let data = app.graphql_ok(Some(&admin.token), query, json!({})).await;
    // 1,000 × $1 + 500 × $2 + 2,000 × $1 + 1,000 × $1 + 100 × $2, per million tokens.
    assert_eq!(
        cost_of(&data, &again["id"]),
        (json!("0.0052"), json!(false))
    );

    // The price table as ingest applies it: listed prices, and the override in its place.
    let prices = app
        .graphql_ok(
            Some(&admin.token),
            "{ modelPrices { model source effectiveFrom input output cacheRead reasoning } }",
            json!({}),
        )
        .await["modelPrices"]
        .clone();
    let price_of = |prices: &Value, model: &str| {
        prices
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["model"] == model)
            .cloned()
            .unwrap_or_else(|| panic!("{model} missing from {prices}"))
    };
    let gpt = price_of(&prices, "gpt-4o");
    assert_eq!(
        (&gpt["source"], &gpt["input"], &gpt["cacheRead"]),
        (&json!("LISTED"), &json!("2.50"), &json!("1.25"))
    );
    assert!(gpt["effectiveFrom"].is_string());
    let own = price_of(&prices, "in-house-model-7");
    assert_eq!(
        (&own["source"], &own["input"], &own["cacheRead"]),
        (&json!("ORGANIZATION"), &json!("1"), &Value::Null)
    );
    let (status, rest) = app.get_json(&admin.token, "/api/v1/prices").await;
    assert_eq!(status, 200);
    assert_eq!(
        price_of(&rest, "in-house-model-7")["source"],
        "ORGANIZATION"
    );
}

/// What ingest stores is what it was sent, value for value: text that needs escaping,
/// microsecond times, nine-place costs, the largest token counts, and absent fields absent.
async fn every_field_reads_back_exactly_as_it_was_sent(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "exact").await;
    let key = app.create_api_key(&admin.token).await;
    let payload = json!({
        "prompt": "Quote \"this\", a back\\slash, a tab\tand ünïcödé 日本 🚀",
        "nested": { "list": [1, 2.5, -3e-7, true, null, "x"], "empty": {} },
        "big": 9007199254740991_i64,
    });
    let full = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "agentId": agent,
        "type": "TOOL_CALL",
        "payload": payload,
        "costUsd": "1.123456789",
        "durationMs": 86_400_000,
        "timestamp": "2026-11-20T10:00:00.123456Z",
        "runId": uuid::Uuid::now_v7().to_string(),
        "name": "name with 'quotes' and \"doubles\"",
        "model": "gpt-4o",
        "inputTokens": 9_007_199_254_740_991_i64,
        "outputTokens": 0,
        "status": "ERROR",
        "errorMessage": "line one\nline two",
        "startedAt": "2026-11-20T10:00:00.000001Z",
        "endedAt": "2026-11-20T10:00:00.999999Z",
    });
    let bare = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "agentId": agent,
        "type": "DECISION",
        "payload": {},
    });
    let answer = app.record(&key, json!([full, bare])).await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], 2,
        "{answer}"
    );

    let data = app
        .graphql_ok(
            Some(&key),
            "{ activities(first: 10) { nodes { id agentId type payload costUsd durationMs timestamp \
               runId parentId name model inputTokens outputTokens cacheReadTokens \
               cacheWriteTokens reasoningTokens status errorMessage startedAt endedAt } } }",
            json!({}),
        )
        .await;
    let nodes = data["activities"]["nodes"].as_array().unwrap();
    let stored = |id: &Value| nodes.iter().find(|n| &n["id"] == id).unwrap().clone();
    let got = stored(&full["id"]);
    assert_eq!(got["payload"], full["payload"]);
    for field in [
        "agentId",
        "type",
        "costUsd",
        "durationMs",
        "runId",
        "name",
        "model",
        "inputTokens",
        "outputTokens",
        "status",
        "errorMessage",
    ] {
        assert_eq!(got[field], full[field], "{field}");
    }
    for field in ["timestamp", "startedAt", "endedAt"] {
        let sent = chrono::DateTime::parse_from_rfc3339(full[field].as_str().unwrap()).unwrap();
        let read = chrono::DateTime::parse_from_rfc3339(got[field].as_str().unwrap()).unwrap();
        assert_eq!(read, sent, "{field}");
    }
    let got = stored(&bare["id"]);
    assert_eq!(got["payload"], json!({}));
    for field in [
        "costUsd",
        "durationMs",
        "runId",
        "parentId",
        "name",
        "model",
        "inputTokens",
        "cacheReadTokens",
        "errorMessage",
        "startedAt",
    ] {
        assert_eq!(got[field], Value::Null, "{field}");
    }
    assert_eq!(got["status"], "OK");
}
