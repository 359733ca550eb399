//! The role matrix covers every operation, and every entry answers each kind of caller —
//! anonymous, viewer, operator, admin, API key — exactly as the matrix says.

use std::collections::BTreeSet;
use std::time::Duration;

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use entity::{ApiKeyScope, Role};
use futures_util::{SinkExt as _, StreamExt as _};
use humanaios::auth::roles::{Allowed, MATRIX};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, activity, spawn_app};
use humanaios::on_both_backends;

const ROOTS: [&str; 3] = ["Query", "Mutation", "Subscription"];

#[test]
fn every_schema_operation_and_rest_route_is_in_the_matrix() {
    let sdl = humanaios::graphql::sdl();
    let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
    let mut operations = BTreeSet::new();
    for definition in document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition {
            let name = ty.node.name.node.to_string();
            if let (true, TypeKind::Object(object)) =
                (ROOTS.contains(&name.as_str()), &ty.node.kind)
            {
                for field in &object.fields {
                    operations.insert(format!("{name}.{}", field.node.name.node));
                }
            }
        }
    }
    for route in humanaios::http::rest::routes() {
        operations.insert(route.operation());
    }
    let matrix: BTreeSet<String> = MATRIX.iter().map(|(name, _)| (*name).to_owned()).collect();
    let missing: Vec<_> = operations.difference(&matrix).collect();
    let stale: Vec<_> = matrix.difference(&operations).collect();
    assert!(
        missing.is_empty(),
        "operations missing from the role matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix entries for operations that do not exist: {stale:?}"
    );
}

on_both_backends!(every_entry_answers_each_kind_of_caller_as_the_matrix_says);

/// The callers every entry is tried with.
#[derive(Debug, Clone, Copy)]
enum Caller {
    Anonymous,
    Member(Role),
    ApiKey(ApiKeyScope),
}

impl Caller {
    fn expected(self, allowed: Allowed) -> bool {
        match self {
            Caller::Anonymous => allowed.anonymous,
            Caller::Member(role) => allowed.roles.contains(&role),
            Caller::ApiKey(scope) => allowed.api_keys.contains(&scope),
        }
    }
}

/// A harmless, well-typed call of each operation: it may fail for its own reasons (a
/// wrong password, an unknown id) but never for want of rights unless the matrix says so.
fn sample(operation: &str, agent: &str) -> Sample {
    let unique = Uuid::now_v7().simple().to_string();
    let missing = Uuid::now_v7().to_string();
    let gql = |query: &str, variables: Value| Sample::GraphQl(query.to_owned(), variables);
    match operation {
        "Query.viewer" => gql("{ viewer { role } }", json!({})),
        "Query.signInProviders" => gql("{ signInProviders }", json!({})),
        "GET /api/v1/auth/oauth/{provider}/start" => {
            Sample::Rest("GET", "/api/v1/auth/oauth/google/start".into(), Value::Null)
        }
        "GET /api/v1/auth/oauth/{provider}/callback" => Sample::Rest(
            "GET",
            "/api/v1/auth/oauth/google/callback?code=x&state=y".into(),
            Value::Null,
        ),
        "Query.agents" => gql("{ agents { nodes { id } } }", json!({})),
        "Query.agent" => gql(
            "query($id: ID!) { agent(id: $id) { id } }",
            json!({ "id": agent }),
        ),
        "Query.activities" => gql("{ activities { nodes { id } } }", json!({})),
        "Query.analytics" => gql("{ analytics { forecast { projectedUsd } } }", json!({})),
        "GET /api/v1/analytics/costs" => Sample::Rest(
            "GET",
            "/api/v1/analytics/costs?groupBy=DAY".into(),
            Value::Null,
        ),
        "GET /api/v1/analytics/forecast" => {
            Sample::Rest("GET", "/api/v1/analytics/forecast".into(), Value::Null)
        }
        "Query.modelPrices" => gql("{ modelPrices { model } }", json!({})),
        "GET /api/v1/prices" => Sample::Rest("GET", "/api/v1/prices".into(), Value::Null),
        "GET /api/v1/analytics/performance" => {
            Sample::Rest("GET", "/api/v1/analytics/performance".into(), Value::Null)
        }
        "GET /api/v1/analytics/tasks" => {
            Sample::Rest("GET", "/api/v1/analytics/tasks".into(), Value::Null)
        }
        "Query.runs" => gql("{ runs { nodes { id } } }", json!({})),
        "Query.run" => gql(
            "query($id: ID!) { run(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Query.searchActivities" => gql(
            "{ searchActivities(query: \"weather\") { nodes { id } } }",
            json!({}),
        ),
        "GET /api/v1/runs" => Sample::Rest("GET", "/api/v1/runs".into(), Value::Null),
        "GET /api/v1/runs/{id}" => {
            Sample::Rest("GET", format!("/api/v1/runs/{missing}"), Value::Null)
        }
        "GET /api/v1/search" => Sample::Rest("GET", "/api/v1/search?q=weather".into(), Value::Null),
        "Query.orgMetrics" => gql("{ orgMetrics { activities } }", json!({})),
        "Query.apiKeys" => gql("{ apiKeys { nodes { id } } }", json!({})),
        "Query.auditLog" => gql("{ auditLog { nodes { id } } }", json!({})),
        "Query.members" => gql("{ members { nodes { id } } }", json!({})),
        "Query.invitations" => gql("{ invitations { nodes { id } } }", json!({})),
        "Mutation.inviteMember" => gql(
            "mutation($e: String!) { inviteMember(input: { email: $e, role: VIEWER }) { token } }",
            json!({ "e": format!("{unique}@example.com") }),
        ),
        "Mutation.acceptInvitation" => gql(
            "mutation { acceptInvitation(input: { token: \"hinv_x\", password: \"a long enough password\" }) { accessToken } }",
            json!({}),
        ),
        "Mutation.revokeInvitation" => gql(
            "mutation($id: ID!) { revokeInvitation(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.updateMemberRole" => gql(
            "mutation($id: ID!) { updateMemberRole(userId: $id, role: VIEWER) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.removeMember" => gql(
            "mutation($id: ID!) { removeMember(userId: $id) }",
            json!({ "id": missing }),
        ),
        "Query.verifyAuditChain" => gql("{ verifyAuditChain { ok } }", json!({})),
        "Query.redactionSettings" => gql("{ redactionSettings { rules { name } } }", json!({})),
        "Mutation.updateRedactionSettings" => gql(
            "mutation { updateRedactionSettings(input: {}) { rules { name } } }",
            json!({}),
        ),
        "GET /api/v1/redaction" => Sample::Rest("GET", "/api/v1/redaction".into(), Value::Null),
        "PUT /api/v1/redaction" => Sample::Rest("PUT", "/api/v1/redaction".into(), json!({})),
        "GET /api/v1/audit" => Sample::Rest("GET", "/api/v1/audit".into(), Value::Null),
        "Mutation.rotateApiKey" => gql(
            "mutation($id: ID!) { rotateApiKey(id: $id) { secret } }",
            json!({ "id": missing }),
        ),
        "Mutation.signUp" => gql(
            "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
            json!({ "i": { "email": format!("{unique}@example.com"), "password": "a long enough password", "organizationName": "x" } }),
        ),
        "Mutation.logIn" => gql(
            "mutation { logIn(input: { email: \"nobody@example.com\", password: \"wrong password\" }) { accessToken } }",
            json!({}),
        ),
        "Mutation.refreshSession" => gql(
            "mutation { refreshSession(refreshToken: \"hrt_x\") { accessToken } }",
            json!({}),
        ),
        "Mutation.logOut" => gql("mutation { logOut(refreshToken: \"hrt_x\") }", json!({})),
        "Mutation.logOutEverywhere" => gql("mutation { logOutEverywhere }", json!({})),
        "Mutation.changePassword" => gql(
            "mutation { changePassword(input: { currentPassword: \"not the password\", newPassword: \"another long password\" }) { accessToken } }",
            json!({}),
        ),
        "Mutation.createApiKey" => gql(
            "mutation { createApiKey(input: { name: \"k\" }) { secret } }",
            json!({}),
        ),
        "Mutation.revokeApiKey" => gql(
            "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.createAgent" => gql(
            "mutation($n: String!) { createAgent(input: { name: $n, type: CUSTOM }) { id } }",
            json!({ "n": unique }),
        ),
        "Mutation.updateAgent" => gql(
            "mutation($id: ID!) { updateAgent(id: $id, input: { status: ACTIVE }) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.recordActivities" => gql(
            "mutation($a: [ActivityInput!]!) { recordActivities(activities: $a) { inserted } }",
            json!({ "a": [activity(agent, "DECISION", "0")] }),
        ),
        "Subscription.activityFeed" => Sample::Subscription("subscription { activityFeed { id } }"),
        "POST /api/v1/auth/signup" => Sample::Rest(
            "POST",
            "/api/v1/auth/signup".into(),
            json!({ "email": format!("{unique}@example.com"), "password": "a long enough password", "organizationName": "x" }),
        ),
        "POST /api/v1/auth/login" => Sample::Rest(
            "POST",
            "/api/v1/auth/login".into(),
            json!({ "email": "nobody@example.com", "password": "wrong password" }),
        ),
        "POST /api/v1/auth/refresh" => Sample::Rest(
            "POST",
            "/api/v1/auth/refresh".into(),
            json!({ "refreshToken": "hrt_x" }),
        ),
        "POST /api/v1/auth/logout" => Sample::Rest(
            "POST",
            "/api/v1/auth/logout".into(),
            json!({ "refreshToken": "hrt_x" }),
        ),
        "GET /api/v1/agents" => Sample::Rest("GET", "/api/v1/agents".into(), Value::Null),
        "POST /api/v1/ingest" => Sample::Rest(
            "POST",
            "/api/v1/ingest".into(),
            json!({ "activities": [activity(agent, "DECISION", "0")] }),
        ),
        "POST /api/v1/auth/logout-everywhere" => {
            Sample::Rest("POST", "/api/v1/auth/logout-everywhere".into(), Value::Null)
        }
        "POST /api/v1/auth/password" => Sample::Rest(
            "POST",
            "/api/v1/auth/password".into(),
            json!({ "currentPassword": "not the password", "newPassword": "another long password" }),
        ),
        "GET /api/v1/api-keys" => Sample::Rest("GET", "/api/v1/api-keys".into(), Value::Null),
        "POST /api/v1/api-keys" => {
            Sample::Rest("POST", "/api/v1/api-keys".into(), json!({ "name": "k" }))
        }
        "POST /api/v1/api-keys/{id}/rotate" => Sample::Rest(
            "POST",
            format!("/api/v1/api-keys/{missing}/rotate"),
            json!({}),
        ),
        "POST /api/v1/api-keys/{id}/revoke" => Sample::Rest(
            "POST",
            format!("/api/v1/api-keys/{missing}/revoke"),
            Value::Null,
        ),
        "GET /api/v1/organization" => {
            Sample::Rest("GET", "/api/v1/organization".into(), Value::Null)
        }
        "PATCH /api/v1/organization" => {
            Sample::Rest("PATCH", "/api/v1/organization".into(), json!({}))
        }
        "GET /api/v1/members" => Sample::Rest("GET", "/api/v1/members".into(), Value::Null),
        "PATCH /api/v1/members/{id}" => Sample::Rest(
            "PATCH",
            format!("/api/v1/members/{missing}"),
            json!({ "role": "VIEWER" }),
        ),
        "DELETE /api/v1/members/{id}" => {
            Sample::Rest("DELETE", format!("/api/v1/members/{missing}"), Value::Null)
        }
        "GET /api/v1/invitations" => Sample::Rest("GET", "/api/v1/invitations".into(), Value::Null),
        "POST /api/v1/invitations" => Sample::Rest(
            "POST",
            "/api/v1/invitations".into(),
            json!({ "email": format!("{unique}@example.com"), "role": "VIEWER" }),
        ),
        "POST /api/v1/invitations/accept" => Sample::Rest(
            "POST",
            "/api/v1/invitations/accept".into(),
            json!({ "token": "hinv_x", "password": "a long enough password" }),
        ),
        "POST /api/v1/invitations/{id}/revoke" => Sample::Rest(
            "POST",
            format!("/api/v1/invitations/{missing}/revoke"),
            Value::Null,
        ),
        "GET /api/v1/audit/verify" => {
            Sample::Rest("GET", "/api/v1/audit/verify".into(), Value::Null)
        }
        "Mutation.updateOrganization" => gql(
            "mutation { updateOrganization(input: {}) { id } }",
            json!({}),
        ),
        "POST /api/v1/agents" => Sample::Rest(
            "POST",
            "/api/v1/agents".into(),
            json!({ "name": unique, "type": "CUSTOM" }),
        ),
        "GET /api/v1/agents/{id}" => {
            Sample::Rest("GET", format!("/api/v1/agents/{agent}"), Value::Null)
        }
        "GET /api/v1/agents/{id}/activities" => Sample::Rest(
            "GET",
            format!("/api/v1/agents/{agent}/activities"),
            Value::Null,
        ),
        "GET /api/v1/agents/{id}/spend" => {
            Sample::Rest("GET", format!("/api/v1/agents/{agent}/spend"), Value::Null)
        }
        "POST /v1/traces" => {
            Sample::Rest("POST", "/v1/traces".into(), json!({ "resourceSpans": [] }))
        }
        "POST /mcp" => Sample::Rest(
            "POST",
            "/mcp".into(),
            json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" }),
        ),
        "GET /api/v1/agents/{id}/metrics" => Sample::Rest(
            "GET",
            format!("/api/v1/agents/{agent}/metrics"),
            Value::Null,
        ),
        "GET /api/v1/metrics" => Sample::Rest("GET", "/api/v1/metrics".into(), Value::Null),
        "Query.alertRules" => gql("{ alertRules { id } }", json!({})),
        "Query.alerts" => gql("{ alerts { nodes { id } } }", json!({})),
        "Query.webhooks" => gql("{ webhooks { id } }", json!({})),
        "Query.webhookDeliveries" => gql(
            "query($id: ID!) { webhookDeliveries(webhookId: $id) { nodes { id } } }",
            json!({ "id": missing }),
        ),
        "Mutation.createAlertRule" => gql(
            "mutation { createAlertRule(input: { name: \"quiet\", kind: AGENT_SILENT }) { id } }",
            json!({}),
        ),
        "Mutation.updateAlertRule" => gql(
            "mutation($id: ID!) { updateAlertRule(id: $id, input: { enabled: false }) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.deleteAlertRule" => gql(
            "mutation($id: ID!) { deleteAlertRule(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.createWebhook" => gql(
            "mutation { createWebhook(input: { url: \"https://hooks.example.com/x\" }) { secret } }",
            json!({}),
        ),
        "Mutation.deleteWebhook" => gql(
            "mutation($id: ID!) { deleteWebhook(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Subscription.alertFired" => Sample::Subscription("subscription { alertFired { id } }"),
        "Query.mcpTools" => gql("{ mcpTools { id changed } }", json!({})),
        "Mutation.acceptMcpToolChange" => gql(
            "mutation($id: ID!) { acceptMcpToolChange(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "POST /api/v1/mcp/tools" => Sample::Rest(
            "POST",
            "/api/v1/mcp/tools".into(),
            json!({ "agentId": agent, "server": "npx server-everything", "tools": [{ "name": "echo", "description": "Echoes" }] }),
        ),
        "GET /api/v1/mcp/tools" => Sample::Rest("GET", "/api/v1/mcp/tools".into(), Value::Null),
        "POST /api/v1/mcp/tools/{id}/accept" => Sample::Rest(
            "POST",
            format!("/api/v1/mcp/tools/{missing}/accept"),
            Value::Null,
        ),
        "GET /api/v1/alert-rules" => Sample::Rest("GET", "/api/v1/alert-rules".into(), Value::Null),
        "POST /api/v1/alert-rules" => Sample::Rest(
            "POST",
            "/api/v1/alert-rules".into(),
            json!({ "name": "quiet", "kind": "AGENT_SILENT" }),
        ),
        "PATCH /api/v1/alert-rules/{id}" => Sample::Rest(
            "PATCH",
            format!("/api/v1/alert-rules/{missing}"),
            json!({ "enabled": false }),
        ),
        "DELETE /api/v1/alert-rules/{id}" => Sample::Rest(
            "DELETE",
            format!("/api/v1/alert-rules/{missing}"),
            Value::Null,
        ),
        "GET /api/v1/alerts" => Sample::Rest("GET", "/api/v1/alerts".into(), Value::Null),
        "GET /api/v1/webhooks" => Sample::Rest("GET", "/api/v1/webhooks".into(), Value::Null),
        "POST /api/v1/webhooks" => Sample::Rest(
            "POST",
            "/api/v1/webhooks".into(),
            json!({ "url": "https://hooks.example.com/x" }),
        ),
        "DELETE /api/v1/webhooks/{id}" => {
            Sample::Rest("DELETE", format!("/api/v1/webhooks/{missing}"), Value::Null)
        }
        "GET /api/v1/webhooks/{id}/deliveries" => Sample::Rest(
            "GET",
            format!("/api/v1/webhooks/{missing}/deliveries"),
            Value::Null,
        ),
        "Query.humanTasks" => gql("{ humanTasks { nodes { id } } }", json!({})),
        "Query.humanTask" => gql(
            "query($id: ID!) { humanTask(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Query.myTasks" => gql("{ myTasks { nodes { id } } }", json!({})),
        "Query.assigneeSuggestions" => gql(
            "query($id: ID!) { assigneeSuggestions(taskId: $id) { openTasks } }",
            json!({ "id": missing }),
        ),
        "Mutation.createHumanTask" => gql(
            "mutation($agent: ID!) { createHumanTask(input: { agentId: $agent, title: \"Check the door\" }) { task { id } } }",
            json!({ "agent": agent }),
        ),
        "Mutation.updateHumanTask" => gql(
            "mutation($id: ID!) { updateHumanTask(id: $id, input: { title: \"x\" }) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.approveHumanTask" => gql(
            "mutation($id: ID!) { approveHumanTask(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.rejectHumanTask" => gql(
            "mutation($id: ID!) { rejectHumanTask(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.assignHumanTask" => gql(
            "mutation($id: ID!) { assignHumanTask(id: $id, assigneeId: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.startHumanTask" => gql(
            "mutation($id: ID!) { startHumanTask(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.completeHumanTask" => gql(
            "mutation($id: ID!) { completeHumanTask(id: $id, result: {}) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.failHumanTask" => gql(
            "mutation($id: ID!) { failHumanTask(id: $id, reason: \"closed\") { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.cancelHumanTask" => gql(
            "mutation($id: ID!) { cancelHumanTask(id: $id) { id } }",
            json!({ "id": missing }),
        ),
        "Mutation.updateMyLocation" => gql(
            "mutation { updateMyLocation(latitude: 52.5, longitude: 13.4, available: true) { id } }",
            json!({}),
        ),
        "Subscription.humanTaskUpdated" => {
            Sample::Subscription("subscription { humanTaskUpdated { id status } }")
        }
        "GET /api/v1/tasks" => Sample::Rest("GET", "/api/v1/tasks".into(), Value::Null),
        "POST /api/v1/tasks" => Sample::Rest(
            "POST",
            "/api/v1/tasks".into(),
            json!({ "agentId": agent, "title": "Check the door" }),
        ),
        "GET /api/v1/tasks/{id}" => {
            Sample::Rest("GET", format!("/api/v1/tasks/{missing}"), Value::Null)
        }
        "PATCH /api/v1/tasks/{id}" => Sample::Rest(
            "PATCH",
            format!("/api/v1/tasks/{missing}"),
            json!({ "title": "x" }),
        ),
        "POST /api/v1/tasks/{id}/approve"
        | "POST /api/v1/tasks/{id}/reject"
        | "POST /api/v1/tasks/{id}/start"
        | "POST /api/v1/tasks/{id}/cancel" => Sample::Rest(
            "POST",
            operation
                .trim_start_matches("POST ")
                .replace("{id}", &missing),
            json!({}),
        ),
        "POST /api/v1/tasks/{id}/assign" => Sample::Rest(
            "POST",
            format!("/api/v1/tasks/{missing}/assign"),
            json!({ "assigneeId": missing }),
        ),
        "POST /api/v1/tasks/{id}/complete" => Sample::Rest(
            "POST",
            format!("/api/v1/tasks/{missing}/complete"),
            json!({ "result": {} }),
        ),
        "POST /api/v1/tasks/{id}/fail" => Sample::Rest(
            "POST",
            format!("/api/v1/tasks/{missing}/fail"),
            json!({ "reason": "closed" }),
        ),
        "GET /api/v1/tasks/{id}/suggestions" => Sample::Rest(
            "GET",
            format!("/api/v1/tasks/{missing}/suggestions"),
            Value::Null,
        ),
        "GET /api/v1/me/tasks" => Sample::Rest("GET", "/api/v1/me/tasks".into(), Value::Null),
        "PUT /api/v1/me/location" => Sample::Rest(
            "PUT",
            "/api/v1/me/location".into(),
            json!({ "latitude": 52.5, "longitude": 13.4, "available": true }),
        ),
        other => panic!("no sample call for {other}: add one here"),
    }
}

enum Sample {
    GraphQl(String, Value),
    Subscription(&'static str),
    Rest(&'static str, String, Value),
}

/// Whether an error is a refusal for want of rights (rather than any other failure).
fn is_refusal(code: &str, message: &str) -> bool {
    code == "FORBIDDEN" || (code == "UNAUTHENTICATED" && message == "sign in or send an API key")
}

async fn call(app: &TestApp, credential: Option<&str>, sample: Sample) -> bool {
    match sample {
        Sample::GraphQl(query, variables) => {
            let answer = app.graphql(credential, &query, variables).await;
            let error = &answer["errors"][0];
            !is_refusal(
                error["extensions"]["code"].as_str().unwrap_or_default(),
                error["message"].as_str().unwrap_or_default(),
            )
        }
        Sample::Rest(method, path, body) => {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = app.client.request(method.clone(), app.url(&path));
            if !body.is_null() {
                request = request.json(&body);
            }
            if let Some(credential) = credential {
                request = request.bearer_auth(credential);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_ne!(status, 500, "{method} {path}: {body}");
            assert_ne!(status, 405, "{method} {path} is routed");
            !is_refusal(
                body["error"]["code"].as_str().unwrap_or_default(),
                body["error"]["message"].as_str().unwrap_or_default(),
            )
        }
        Sample::Subscription(query) => subscribe_is_allowed(app, credential, query).await,
    }
}

/// Subscribes and reports whether the server refused: a refusal is an error at once; an
/// allowed subscription stays open and quiet.
async fn subscribe_is_allowed(app: &TestApp, credential: Option<&str>, query: &str) -> bool {
    let mut ws = crate::subscriptions::connect(app).await;
    let payload = match credential {
        Some(c) => json!({ "authorization": format!("Bearer {c}") }),
        None => json!({}),
    };
    let init = json!({ "type": "connection_init", "payload": payload }).to_string();
    ws.send(Message::text(init)).await.unwrap();
    let subscribe =
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }).to_string();
    ws.send(Message::text(subscribe)).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(700);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return true,
            Ok(Some(Ok(Message::Text(text)))) => {
                let message: Value = serde_json::from_str(&text).unwrap();
                // A failed subscription comes as `error`, or as `next` carrying errors.
                let error = match message["type"].as_str() {
                    Some("error") => Some(&message["payload"][0]),
                    Some("next") => message["payload"]["errors"].get(0),
                    _ => None,
                };
                if let Some(error) = error {
                    return !is_refusal(
                        error["extensions"]["code"].as_str().unwrap_or_default(),
                        error["message"].as_str().unwrap_or_default(),
                    );
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(other) => panic!("socket ended: {other:?}"),
        }
    }
}

async fn every_entry_answers_each_kind_of_caller_as_the_matrix_says(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "subject").await;
    let mut keys = Vec::new();
    for scope in ApiKeyScope::ALL {
        let data = app
            .graphql_ok(
                Some(&admin.token),
                "mutation($s: ApiKeyScope!) { createApiKey(input: { name: \"k\", scope: $s }) { secret } }",
                json!({ "s": scope }),
            )
            .await;
        keys.push((
            *scope,
            data["createApiKey"]["secret"].as_str().unwrap().to_owned(),
        ));
    }
    let operator = app.add_member(&admin.token, Role::Operator).await;
    let viewer = app.add_member(&admin.token, Role::Viewer).await;
    let mut callers = vec![
        (Caller::Anonymous, None),
        (Caller::Member(Role::Viewer), Some(viewer.as_str())),
        (Caller::Member(Role::Operator), Some(operator.as_str())),
        (Caller::Member(Role::Admin), Some(admin.token.as_str())),
    ];
    callers.extend(
        keys.iter()
            .map(|(scope, key)| (Caller::ApiKey(*scope), Some(key.as_str()))),
    );

    let mut wrong = Vec::new();
    for (operation, allowed) in MATRIX {
        for &(caller, credential) in &callers {
            let got = call(&app, credential, sample(operation, &agent)).await;
            if got != caller.expected(*allowed) {
                wrong.push(format!("{operation} as {caller:?}: allowed={got}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers that differ from the matrix:\n{}",
        wrong.join("\n")
    );
}
