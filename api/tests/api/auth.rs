//! Sign-up, log-in, roles and API keys, end to end.

use entity::Role;
use serde_json::json;

use crate::helpers::{Backend, activity, error_code, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(
    sign_up_log_in_create_agent_and_key_then_record_and_read_back,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    an_email_can_sign_up_only_once,
    a_revoked_api_key_stops_working_at_once,
    a_viewer_reads_but_cannot_change_anything,
);

async fn sign_up_log_in_create_agent_and_key_then_record_and_read_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;

    // Log in again with the password chosen at sign-up.
    let data = app
        .graphql_ok(
            None,
            "mutation($i: LogInInput!) { logIn(input: $i) { accessToken tokenType expiresIn user { email role } } }",
            json!({ "i": { "email": admin.email.to_uppercase(), "password": "a long enough password" } }),
        )
        .await;
    assert_eq!(data["logIn"]["user"]["role"], "ADMIN");
    assert_eq!(data["logIn"]["tokenType"], "Bearer");
    assert_eq!(data["logIn"]["expiresIn"], 3600);
    let token = data["logIn"]["accessToken"].as_str().unwrap().to_owned();

    let agent_id = app.create_agent(&token, "support-bot").await;
    let key = app.create_api_key(&token).await;
    assert!(key.starts_with("hai_"));

    let batch = json!([
        activity(&agent_id, "TOOL_CALL", "0.0042"),
        activity(&agent_id, "ERROR", "0.000000001"),
        activity(&agent_id, "HUMAN_REQUEST", "0"),
    ]);
    let answer = app.record(&key, batch.clone()).await;
    assert_eq!(
        answer["data"]["recordActivities"],
        json!({ "accepted": 3, "inserted": 3, "duplicates": 0 })
    );

    // Read back through GraphQL with the member's token…
    let data = app
        .graphql_ok(
            Some(&token),
            "query($id: ID!) { agent(id: $id) { name activities(first: 10) { nodes { id type costUsd durationMs payload } } } }",
            json!({ "id": agent_id }),
        )
        .await;
    let nodes = data["agent"]["activities"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    let mut ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    let mut sent: Vec<&str> = batch
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    ids.sort();
    sent.sort();
    assert_eq!(ids, sent, "the stored ids are the client's ids");
    let costs: Vec<&str> = nodes
        .iter()
        .map(|n| n["costUsd"].as_str().unwrap())
        .collect();
    assert!(costs.contains(&"0.0042") && costs.contains(&"0.000000001") && costs.contains(&"0"));
    assert_eq!(nodes[0]["payload"]["tool"], "search");

    // …and through REST with the API key, which reads like an operator.
    let (status, body) = app
        .get_json(
            &key,
            &format!("/api/v1/agents/{agent_id}/activities?type=TOOL_CALL,error"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    let (status, body) = app.get_json(&key, "/api/v1/agents").await;
    assert_eq!(status, 200);
    assert_eq!(body["items"][0]["name"], "support-bot");
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let query = "mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }";
    let wrong = app
        .graphql(
            None,
            query,
            json!({ "i": { "email": admin.email, "password": "not the password" } }),
        )
        .await;
    let unknown = app
        .graphql(
            None,
            query,
            json!({ "i": { "email": "nobody@example.com", "password": "not the password" } }),
        )
        .await;
    assert_eq!(error_code(&wrong), "INVALID_CREDENTIALS");
    assert_eq!(
        wrong["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
    assert_eq!(error_code(&unknown), "INVALID_CREDENTIALS");
}

async fn an_email_can_sign_up_only_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let answer = app
        .graphql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
            json!({ "input": { "email": admin.email, "password": "another long password", "organizationName": "Copy" } }),
        )
        .await;
    assert_eq!(error_code(&answer), "EMAIL_TAKEN");
}

async fn a_revoked_api_key_stops_working_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let data = app
        .graphql_ok(
            Some(&admin.token),
            "mutation { createApiKey(input: { name: \"ci\" }) { secret apiKey { id prefix } } }",
            json!({}),
        )
        .await;
    let key = data["createApiKey"]["secret"].as_str().unwrap().to_owned();
    let key_id = data["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(key.starts_with(data["createApiKey"]["apiKey"]["prefix"].as_str().unwrap()));
    let (status, _) = app.get_json(&key, "/api/v1/agents").await;
    assert_eq!(status, 200);

    let data = app
        .graphql_ok(
            Some(&admin.token),
            "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
            json!({ "id": key_id }),
        )
        .await;
    assert!(data["revokeApiKey"]["revokedAt"].is_string());
    let (status, body) = app.get_json(&key, "/api/v1/agents").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "UNAUTHENTICATED");
}

async fn a_viewer_reads_but_cannot_change_anything(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent_id = app.create_agent(&admin.token, "watched").await;
    let viewer = app.add_member(&admin.token, Role::Viewer).await;

    let data = app
        .graphql_ok(
            Some(&viewer),
            "{ agents { nodes { id } } viewer { role } }",
            json!({}),
        )
        .await;
    assert_eq!(data["agents"]["nodes"][0]["id"], agent_id.as_str());
    assert_eq!(data["viewer"]["role"], "VIEWER");

    let answer = app
        .graphql(
            Some(&viewer),
            "mutation { createAgent(input: { name: \"nope\", type: CUSTOM }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), "FORBIDDEN");
    let answer = app
        .record(&viewer, json!([activity(&agent_id, "DECISION", "1")]))
        .await;
    assert_eq!(error_code(&answer), "FORBIDDEN");
    let answer = app
        .graphql(
            Some(&viewer),
            "mutation { createApiKey(input: { name: \"x\" }) { secret } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), "FORBIDDEN");
    let response = app
        .client
        .post(app.url("/api/v1/agents"))
        .bearer_auth(&viewer)
        .json(&json!({ "name": "nope", "type": "CUSTOM" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}
