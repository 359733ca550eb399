//! One organization never sees another's records: not in GraphQL, not in REST, not through
//! ingest. Another org's record is answered exactly like one that does not exist.

use std::collections::BTreeSet;

use serde_json::json;

use crate::helpers::{Backend, activity, error_code, spawn_app};
use humanaios::on_both_backends;

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

#[test]
fn every_id_taking_operation_has_a_cross_org_check() {
    let mut expected = id_taking_operations();
    for route in humanaios::http::rest::routes() {
        if route.path.contains("{id}") {
            expected.insert(route.operation());
        }
    }
    let checked: BTreeSet<String> = CROSS_ORG_CHECKS.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        checked, expected,
        "each operation that takes an id needs a check in another_orgs_ids_reach_nothing_anywhere"
    );
}

/// The operations `another_orgs_ids_reach_nothing_anywhere` (and, for human tasks,
/// `tasks::another_orgs_tasks_agents_and_members_are_out_of_reach`) check.
const CROSS_ORG_CHECKS: &[&str] = &[
    "Query.humanTasks",
    "Query.humanTask",
    "Query.assigneeSuggestions",
    "Mutation.createHumanTask",
    "Mutation.updateHumanTask",
    "Mutation.approveHumanTask",
    "Mutation.rejectHumanTask",
    "Mutation.assignHumanTask",
    "Mutation.startHumanTask",
    "Mutation.completeHumanTask",
    "Mutation.failHumanTask",
    "Mutation.cancelHumanTask",
    "Subscription.humanTaskUpdated",
    "GET /api/v1/tasks/{id}",
    "PATCH /api/v1/tasks/{id}",
    "POST /api/v1/tasks/{id}/approve",
    "POST /api/v1/tasks/{id}/reject",
    "POST /api/v1/tasks/{id}/assign",
    "POST /api/v1/tasks/{id}/start",
    "POST /api/v1/tasks/{id}/complete",
    "POST /api/v1/tasks/{id}/fail",
    "POST /api/v1/tasks/{id}/cancel",
    "GET /api/v1/tasks/{id}/suggestions",
    "Query.agent",
    "Query.activities",
    "Query.runs",
    "Query.run",
    "Query.searchActivities",
    "Query.auditLog",
    "Mutation.updateAgent",
    "Mutation.revokeApiKey",
    "Mutation.revokeInvitation",
    "Mutation.updateMemberRole",
    "Mutation.removeMember",
    "Mutation.rotateApiKey",
    "Mutation.recordActivities",
    "Subscription.activityFeed",
    "GET /api/v1/agents/{id}",
    "GET /api/v1/agents/{id}/activities",
    "GET /api/v1/agents/{id}/spend",
    "Query.mcpTools",
    "POST /api/v1/mcp/tools/{id}/accept",
    "Mutation.acceptMcpToolChange",
    "GET /api/v1/runs/{id}",
    "GET /api/v1/agents/{id}/metrics",
    "POST /api/v1/api-keys/{id}/rotate",
    "POST /api/v1/api-keys/{id}/revoke",
    "PATCH /api/v1/members/{id}",
    "DELETE /api/v1/members/{id}",
    "POST /api/v1/invitations/{id}/revoke",
    "Mutation.createAlertRule",
    "Mutation.updateAlertRule",
    "Mutation.deleteAlertRule",
    "Query.webhookDeliveries",
    "Mutation.deleteWebhook",
    "PATCH /api/v1/alert-rules/{id}",
    "DELETE /api/v1/alert-rules/{id}",
    "DELETE /api/v1/webhooks/{id}",
    "GET /api/v1/webhooks/{id}/deliveries",
];

/// Root fields of the schema with an `ID` argument, directly or inside an input object.
fn id_taking_operations() -> BTreeSet<String> {
    use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
    let document = async_graphql::parser::parse_schema(humanaios::graphql::sdl()).unwrap();
    let mut inputs = std::collections::HashMap::new();
    let mut roots = Vec::new();
    for definition in document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition {
            let name = ty.node.name.node.to_string();
            match ty.node.kind {
                TypeKind::InputObject(input) => {
                    let fields: Vec<Type> =
                        input.fields.into_iter().map(|f| f.node.ty.node).collect();
                    inputs.insert(name, fields);
                }
                TypeKind::Object(object)
                    if ["Query", "Mutation", "Subscription"].contains(&name.as_str()) =>
                {
                    for field in object.fields {
                        let args: Vec<Type> = field
                            .node
                            .arguments
                            .into_iter()
                            .map(|a| a.node.ty.node)
                            .collect();
                        roots.push((format!("{name}.{}", field.node.name.node), args));
                    }
                }
                _ => {}
            }
        }
    }
    fn takes_id(
        ty: &Type,
        inputs: &std::collections::HashMap<String, Vec<Type>>,
        depth: usize,
    ) -> bool {
        match &ty.base {
            BaseType::List(inner) => takes_id(inner, inputs, depth),
            BaseType::Named(name) if name.as_str() == "ID" => true,
            BaseType::Named(name) => {
                depth < 8
                    && inputs
                        .get(name.as_str())
                        .is_some_and(|fields| fields.iter().any(|f| takes_id(f, inputs, depth + 1)))
            }
        }
    }
    roots
        .into_iter()
        .filter(|(_, args)| args.iter().any(|a| takes_id(a, &inputs, 0)))
        .map(|(name, _)| name)
        .collect()
}

on_both_backends!(another_orgs_ids_reach_nothing_anywhere);

async fn another_orgs_ids_reach_nothing_anywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let alices_agent = app.create_agent(&alice.token, "alices").await;
    let bobs_agent = app.create_agent(&bob.token, "bobs").await;
    let alices_key = app.create_api_key(&alice.token).await;
    let bobs_key = app
        .graphql_ok(
            Some(&bob.token),
            "mutation { createApiKey(input: { name: \"b\" }) { secret apiKey { id } } }",
            json!({}),
        )
        .await;
    let bobs_key_secret = bobs_key["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let bobs_key_id = bobs_key["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bobs_run = uuid::Uuid::now_v7().to_string();
    let mut bobs_activity = activity(&bobs_agent, "DECISION", "1");
    bobs_activity["runId"] = json!(bobs_run);
    app.record(&bobs_key_secret, json!([bobs_activity])).await;

    // Query.agent, Query.activities
    let data = app
        .graphql_ok(
            Some(&alice.token),
            "query($id: ID!) { agent(id: $id) { id } activities(agentId: $id) { nodes { id } } }",
            json!({ "id": bobs_agent }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "agent": null, "activities": { "nodes": [] } })
    );

    // Query.runs, Query.run, Query.searchActivities: Bob's run and words are not Alice's,
    // even when she names his agent or his run (his payload says "weather").
    let data = app
        .graphql_ok(
            Some(&alice.token),
            "query($agent: ID!, $run: ID!) {
                runs(agentId: $agent) { nodes { id } }
                run(id: $run) { id }
                searchActivities(query: \"weather\", agentId: $agent) { nodes { id } }
            }",
            json!({ "agent": bobs_agent, "run": bobs_run }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "runs": { "nodes": [] }, "run": null, "searchActivities": { "nodes": [] } })
    );
    let data = app
        .graphql_ok(
            Some(&bob.token),
            "query($run: ID!) { run(id: $run) { id } searchActivities(query: \"weather\") { nodes { id } } }",
            json!({ "run": bobs_run }),
        )
        .await;
    assert_eq!(data["run"]["id"], bobs_run.as_str());
    assert_eq!(
        data["searchActivities"]["nodes"].as_array().unwrap().len(),
        1
    );

    // Query.auditLog: Bob's agent as the target finds nothing in Alice's log.
    let data = app
        .graphql_ok(
            Some(&alice.token),
            "query($id: ID!) { auditLog(targetId: $id) { nodes { id } } }",
            json!({ "id": bobs_agent }),
        )
        .await;
    assert_eq!(data["auditLog"]["nodes"], json!([]));

    // Mutation.updateAgent
    let answer = app
        .graphql(
            Some(&alice.token),
            "mutation($id: ID!) { updateAgent(id: $id, input: { name: \"hijacked\", status: PAUSED }) { id } }",
            json!({ "id": bobs_agent }),
        )
        .await;
    assert_eq!(error_code(&answer), "NOT_FOUND");

    // Mutation.revokeApiKey
    let answer = app
        .graphql(
            Some(&alice.token),
            "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({ "id": bobs_key_id }),
        )
        .await;
    assert_eq!(error_code(&answer), "NOT_FOUND");

    // Members and invitations: Bob's member and invitation are out of Alice's reach.
    let bobs_user = app
        .graphql_ok(Some(&bob.token), "{ viewer { user { id } } }", json!({}))
        .await["viewer"]["user"]["id"]
        .clone();
    let bobs_invitation = app
        .graphql_ok(
            Some(&bob.token),
            "mutation { inviteMember(input: { email: \"carol@example.com\", role: OPERATOR }) { invitation { id } } }",
            json!({}),
        )
        .await["inviteMember"]["invitation"]["id"]
        .clone();
    for (mutation, id) in [
        (
            "mutation($id: ID!) { updateMemberRole(userId: $id, role: VIEWER) { id } }",
            &bobs_user,
        ),
        (
            "mutation($id: ID!) { removeMember(userId: $id) }",
            &bobs_user,
        ),
        (
            "mutation($id: ID!) { revokeInvitation(id: $id) { id } }",
            &bobs_invitation,
        ),
    ] {
        let answer = app
            .graphql(Some(&alice.token), mutation, json!({ "id": id }))
            .await;
        assert_eq!(error_code(&answer), "NOT_FOUND", "{mutation}");
    }
    let data = app
        .graphql_ok(
            Some(&bob.token),
            "{ viewer { role } invitations { nodes { revokedAt } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["viewer"]["role"], "ADMIN");
    assert!(data["invitations"]["nodes"][0]["revokedAt"].is_null());

    // Mutation.rotateApiKey
    let answer = app
        .graphql(
            Some(&alice.token),
            "mutation($id: ID!) { rotateApiKey(id: $id, graceSeconds: 0) { secret } }",
            json!({ "id": bobs_key_id }),
        )
        .await;
    assert_eq!(error_code(&answer), "NOT_FOUND");

    // Mutation.recordActivities
    let answer = app
        .record(&alices_key, json!([activity(&bobs_agent, "ERROR", "9")]))
        .await;
    assert_eq!(error_code(&answer), "NOT_FOUND");

    // Tool pinning: Bob's proxy pins a tool; Alice can neither list, accept nor report it.
    let report = |agent: &str| json!({ "agentId": agent, "server": "memory", "tools": [{ "name": "recall", "description": "v1" }] });
    let (status, pinned) = app
        .post_json(&bobs_key_secret, "/api/v1/mcp/tools", report(&bobs_agent))
        .await;
    assert_eq!(status, 200, "{pinned}");
    let bobs_tool = pinned["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .post_json(&alices_key, "/api/v1/mcp/tools", report(&bobs_agent))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let data = app
        .graphql_ok(
            Some(&alice.token),
            "query($agent: ID!) { mcpTools(agentId: $agent) { id } all: mcpTools { id } }",
            json!({ "agent": bobs_agent }),
        )
        .await;
    assert_eq!(data, json!({ "mcpTools": [], "all": [] }));
    let answer = app
        .graphql(
            Some(&alice.token),
            "mutation($id: ID!) { acceptMcpToolChange(id: $id) { id } }",
            json!({ "id": bobs_tool }),
        )
        .await;
    assert_eq!(error_code(&answer), "NOT_FOUND");
    let (status, body) = app
        .post_json(
            &alice.token,
            &format!("/api/v1/mcp/tools/{bobs_tool}/accept"),
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );

    // REST
    for path in [
        format!("/api/v1/agents/{bobs_agent}"),
        format!("/api/v1/agents/{bobs_agent}/activities"),
        format!("/api/v1/runs/{bobs_run}"),
        format!("/api/v1/agents/{bobs_agent}/metrics"),
        format!("/api/v1/agents/{bobs_agent}/spend"),
    ] {
        let (status, body) = app.get_json(&alice.token, &path).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("NOT_FOUND")),
            "{path}"
        );
    }
    let bobs_user_id = bobs_user.as_str().unwrap();
    let bobs_invitation_id = bobs_invitation.as_str().unwrap();
    for (method, path, body) in [
        (
            "POST",
            format!("/api/v1/api-keys/{bobs_key_id}/rotate"),
            json!({ "graceSeconds": 0 }),
        ),
        (
            "POST",
            format!("/api/v1/api-keys/{bobs_key_id}/revoke"),
            serde_json::Value::Null,
        ),
        (
            "PATCH",
            format!("/api/v1/members/{bobs_user_id}"),
            json!({ "role": "VIEWER" }),
        ),
        (
            "DELETE",
            format!("/api/v1/members/{bobs_user_id}"),
            serde_json::Value::Null,
        ),
        (
            "POST",
            format!("/api/v1/invitations/{bobs_invitation_id}/revoke"),
            serde_json::Value::Null,
        ),
    ] {
        let mut request = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(&path),
            )
            .bearer_auth(&alice.token);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
    }

    // Subscription.activityFeed: Alice asks for Bob's agent (and her own, to prove the feed
    // is live); Bob's next activity never reaches her.
    let mut feed = crate::subscriptions::subscribe(
        &app,
        &alice.token,
        json!({ "agentIds": [bobs_agent, alices_agent] }),
    )
    .await;
    let probes =
        crate::subscriptions::prove_live(&app, &alices_key, &alices_agent, &mut [&mut feed]).await;
    app.record(
        &bobs_key_secret,
        json!([activity(&bobs_agent, "DECISION", "1")]),
    )
    .await;
    let marker = activity(&alices_agent, "DECISION", "0");
    app.record(&alices_key, json!([marker])).await;
    assert_eq!(
        crate::subscriptions::next_ids(&mut feed, 1, &probes).await,
        [marker["id"].as_str().unwrap()]
    );

    // Alerts: Bob's agent, rule and webhook are out of Alice's reach.
    let bobs_rule = app
        .graphql_ok(
            Some(&bob.token),
            "mutation { createAlertRule(input: { name: \"quiet\", kind: AGENT_SILENT }) { id } }",
            json!({}),
        )
        .await["createAlertRule"]["id"]
        .clone();
    let bobs_webhook = app
        .graphql_ok(
            Some(&bob.token),
            "mutation { createWebhook(input: { url: \"https://hooks.example.com/bob\" }) { webhook { id } } }",
            json!({}),
        )
        .await["createWebhook"]["webhook"]["id"]
        .clone();
    for (operation, id) in [
        (
            "mutation($id: ID!) { createAlertRule(input: { name: \"x\", kind: AGENT_SILENT, agentId: $id }) { id } }",
            json!(bobs_agent),
        ),
        (
            "mutation($id: ID!) { updateAlertRule(id: $id, input: { enabled: false }) { id } }",
            bobs_rule.clone(),
        ),
        (
            "mutation($id: ID!) { deleteAlertRule(id: $id) { id } }",
            bobs_rule.clone(),
        ),
        (
            "query($id: ID!) { webhookDeliveries(webhookId: $id) { nodes { id } } }",
            bobs_webhook.clone(),
        ),
        (
            "mutation($id: ID!) { deleteWebhook(id: $id) { id } }",
            bobs_webhook.clone(),
        ),
    ] {
        let answer = app
            .graphql(Some(&alice.token), operation, json!({ "id": id }))
            .await;
        assert_eq!(error_code(&answer), "NOT_FOUND", "{operation}");
    }
    let bobs_rule_id = bobs_rule.as_str().unwrap();
    let bobs_webhook_id = bobs_webhook.as_str().unwrap();
    for (method, path, body) in [
        (
            "PATCH",
            format!("/api/v1/alert-rules/{bobs_rule_id}"),
            json!({ "enabled": false }),
        ),
        (
            "DELETE",
            format!("/api/v1/alert-rules/{bobs_rule_id}"),
            serde_json::Value::Null,
        ),
        (
            "DELETE",
            format!("/api/v1/webhooks/{bobs_webhook_id}"),
            serde_json::Value::Null,
        ),
        (
            "GET",
            format!("/api/v1/webhooks/{bobs_webhook_id}/deliveries"),
            serde_json::Value::Null,
        ),
    ] {
        let mut request = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(&path),
            )
            .bearer_auth(&alice.token);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
    }
    let data = app
        .graphql_ok(
            Some(&bob.token),
            "{ alertRules { id enabled } webhooks { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "alertRules": [{ "id": bobs_rule, "enabled": true }], "webhooks": [{ "id": bobs_webhook }] })
    );

    // Bob's records are as he left them.
    let data = app
        .graphql_ok(
            Some(&bob.token),
            "query($id: ID!) { agent(id: $id) { name status activities { nodes { type } } } }",
            json!({ "id": bobs_agent }),
        )
        .await;
    assert_eq!(data["agent"]["name"], "bobs");
    assert_eq!(data["agent"]["status"], "ACTIVE");
    assert_eq!(
        data["agent"]["activities"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (status, _) = app.get_json(&bobs_key_secret, "/api/v1/agents").await;
    assert_eq!(status, 200, "Bob's key was not revoked");
}
