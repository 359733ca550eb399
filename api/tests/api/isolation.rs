//! One organization never sees another's records: not in GraphQL, not in REST, not through
//! ingest. Another org's record is answered exactly like one that does not exist.

use serde_json::json;

use crate::helpers::{Backend, activity, error_code, spawn_app};
use crate::on_both_backends;

on_both_backends!(another_orgs_agent_and_activities_are_not_found);

async fn another_orgs_agent_and_activities_are_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let bobs_agent = app.create_agent(&bob.token, "bobs-agent").await;
    let bobs_key = app.create_api_key(&bob.token).await;
    let answer = app
        .record(
            &bobs_key,
            json!([activity(&bobs_agent, "TOOL_CALL", "0.5")]),
        )
        .await;
    assert_eq!(answer["data"]["recordActivities"]["inserted"], 1);
    let missing = uuid::Uuid::now_v7().to_string();

    // GraphQL: Bob's agent looks exactly like an id that exists nowhere.
    let query = "query($id: ID!) { agent(id: $id) { id } }";
    let theirs = app
        .graphql_ok(Some(&alice.token), query, json!({ "id": bobs_agent }))
        .await;
    let nowhere = app
        .graphql_ok(Some(&alice.token), query, json!({ "id": missing }))
        .await;
    assert_eq!(theirs, json!({ "agent": null }));
    assert_eq!(theirs, nowhere);
    let data = app
        .graphql_ok(
            Some(&alice.token),
            "query($id: ID!) { agents { nodes { id } } activities(agentId: $id) { nodes { id } } }",
            json!({ "id": bobs_agent }),
        )
        .await;
    assert_eq!(data["agents"]["nodes"], json!([]));
    assert_eq!(data["activities"]["nodes"], json!([]));

    // REST: the same 404 body for Bob's agent and for nothing at all.
    let (status, theirs) = app
        .get_json(&alice.token, &format!("/api/v1/agents/{bobs_agent}"))
        .await;
    let (_, nowhere) = app
        .get_json(&alice.token, &format!("/api/v1/agents/{missing}"))
        .await;
    assert_eq!(status, 404);
    assert_eq!(theirs, nowhere);
    assert_eq!(theirs["error"]["code"], "NOT_FOUND");
    let (status, _) = app
        .get_json(
            &alice.token,
            &format!("/api/v1/agents/{bobs_agent}/activities"),
        )
        .await;
    assert_eq!(status, 404);

    // Ingest: Alice's key cannot write into Bob's agent, and nothing of the batch is kept.
    let alices_agent = app.create_agent(&alice.token, "alices-agent").await;
    let alices_key = app.create_api_key(&alice.token).await;
    let answer = app
        .record(
            &alices_key,
            json!([
                activity(&alices_agent, "DECISION", "1"),
                activity(&bobs_agent, "DECISION", "1")
            ]),
        )
        .await;
    assert_eq!(error_code(&answer), "NOT_FOUND");
    let data = app
        .graphql_ok(
            Some(&alice.token),
            "{ activities { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["activities"]["nodes"], json!([]));
    let data = app
        .graphql_ok(
            Some(&bob.token),
            "{ activities { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["activities"]["nodes"].as_array().unwrap().len(), 1);
}
