//! API keys: scopes limit what a key may do; rotation keeps the old key working for the
//! grace period the admin chose; the list shows every key without its secret.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, activity, error_code, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(
    an_ingest_key_only_records_and_a_read_key_only_reads,
    a_rotated_key_works_until_its_grace_ends_and_the_successor_takes_over,
);

async fn create_key(app: &TestApp, token: &str, scope: &str) -> (String, String) {
    let data = app
        .graphql_ok(
            Some(token),
            "mutation($s: ApiKeyScope) { createApiKey(input: { name: \"agent\", scope: $s }) { secret apiKey { id scope } } }",
            json!({ "s": scope }),
        )
        .await;
    assert_eq!(data["createApiKey"]["apiKey"]["scope"], scope);
    (
        data["createApiKey"]["secret"].as_str().unwrap().to_owned(),
        data["createApiKey"]["apiKey"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

async fn an_ingest_key_only_records_and_a_read_key_only_reads(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "scoped").await;
    let (ingest, _) = create_key(&app, &admin.token, "INGEST").await;
    let (read, _) = create_key(&app, &admin.token, "READ").await;

    let answer = app
        .record(&ingest, json!([activity(&agent, "TOOL_CALL", "0.1")]))
        .await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], 1,
        "{answer}"
    );
    let answer = app
        .graphql(Some(&ingest), "{ activities { nodes { id } } }", json!({}))
        .await;
    assert_eq!(error_code(&answer), "FORBIDDEN");
    let (status, _) = app.get_json(&ingest, "/api/v1/agents").await;
    assert_eq!(status, 403);

    let data = app
        .graphql_ok(Some(&read), "{ activities { nodes { id } } }", json!({}))
        .await;
    assert_eq!(data["activities"]["nodes"].as_array().unwrap().len(), 1);
    let answer = app
        .record(&read, json!([activity(&agent, "TOOL_CALL", "0.1")]))
        .await;
    assert_eq!(error_code(&answer), "FORBIDDEN");
}

async fn a_rotated_key_works_until_its_grace_ends_and_the_successor_takes_over(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "rotating").await;
    let (old, old_id) = create_key(&app, &admin.token, "INGEST").await;
    let rotate = "mutation($id: ID!, $g: Int) { rotateApiKey(id: $id, graceSeconds: $g) { secret apiKey { id name scope expiresAt } } }";

    let data = app
        .graphql_ok(Some(&admin.token), rotate, json!({ "id": old_id, "g": 2 }))
        .await;
    let new = data["rotateApiKey"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        data["rotateApiKey"]["apiKey"]["scope"], "INGEST",
        "same scope"
    );
    assert_eq!(data["rotateApiKey"]["apiKey"]["name"], "agent", "same name");
    assert!(data["rotateApiKey"]["apiKey"]["expiresAt"].is_null());

    // During the grace period both keys work.
    for key in [&old, &new] {
        let answer = app
            .record(key, json!([activity(&agent, "DECISION", "0")]))
            .await;
        assert_eq!(
            answer["data"]["recordActivities"]["inserted"], 1,
            "{answer}"
        );
    }
    let list = app
        .graphql_ok(
            Some(&admin.token),
            "{ apiKeys { nodes { id expiresAt revokedAt } } }",
            json!({}),
        )
        .await;
    let nodes = list["apiKeys"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    let old_row: &Value = nodes.iter().find(|n| n["id"] == old_id.as_str()).unwrap();
    assert!(old_row["expiresAt"].is_string());

    // After it, only the successor does.
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let (status, body) = app.get_json(&old, "/api/v1/agents").await;
    assert_eq!(status, 401);
    assert_eq!(
        body["error"]["message"],
        "API key is invalid, expired or revoked"
    );
    let answer = app
        .record(&new, json!([activity(&agent, "DECISION", "0")]))
        .await;
    assert_eq!(answer["data"]["recordActivities"]["inserted"], 1);

    // An expired key cannot be rotated again, and a grace over 30 days is refused.
    let answer = app
        .graphql(Some(&admin.token), rotate, json!({ "id": old_id, "g": 0 }))
        .await;
    assert_eq!(error_code(&answer), "API_KEY_INACTIVE");
    let new_id = data["rotateApiKey"]["apiKey"]["id"].clone();
    let answer = app
        .graphql(
            Some(&admin.token),
            rotate,
            json!({ "id": new_id, "g": 31 * 86_400 }),
        )
        .await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");
}
