//! The REST routes do what their GraphQL twins do: organization, members, invitations,
//! API keys, sessions and the audit chain.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(rest_manages_organization_members_keys_sessions_and_audit);

async fn send(
    app: &TestApp,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let mut request = app.client.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        app.url(path),
    );
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn rest_manages_organization_members_keys_sessions_and_audit(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let token = Some(admin.token.as_str());

    let (status, org) = send(
        &app,
        token,
        "PATCH",
        "/api/v1/organization",
        json!({ "name": "Renamed", "plan": "PRO", "settings": { "tz": "UTC" } }),
    )
    .await;
    assert_eq!(status, 200, "{org}");
    assert_eq!(
        (org["name"].as_str(), org["plan"].as_str()),
        (Some("Renamed"), Some("PRO"))
    );
    let (_, org) = send(&app, token, "GET", "/api/v1/organization", Value::Null).await;
    assert_eq!(org["settings"], json!({ "tz": "UTC" }));

    let (status, invited) = send(
        &app,
        token,
        "POST",
        "/api/v1/invitations",
        json!({ "email": "dave@example.com", "role": "OPERATOR" }),
    )
    .await;
    assert_eq!(status, 201, "{invited}");
    let (status, session) = send(
        &app,
        None,
        "POST",
        "/api/v1/invitations/accept",
        json!({ "token": invited["token"], "password": "a long enough password" }),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    assert_eq!(session["user"]["role"], "OPERATOR");
    let dave = session["user"]["id"].as_str().unwrap().to_owned();
    let (_, members) = send(&app, token, "GET", "/api/v1/members", Value::Null).await;
    assert_eq!(members["items"].as_array().unwrap().len(), 2);
    let (status, changed) = send(
        &app,
        token,
        "PATCH",
        &format!("/api/v1/members/{dave}"),
        json!({ "role": "VIEWER" }),
    )
    .await;
    assert_eq!((status, changed["role"].as_str()), (200, Some("VIEWER")));
    let (status, _) = send(
        &app,
        token,
        "DELETE",
        &format!("/api/v1/members/{dave}"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let (_, invitations) = send(&app, token, "GET", "/api/v1/invitations", Value::Null).await;
    assert!(invitations["items"][0]["acceptedAt"].is_string());

    let (status, created) = send(
        &app,
        token,
        "POST",
        "/api/v1/api-keys",
        json!({ "name": "rest", "scope": "READ" }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let key_id = created["apiKey"]["id"].as_str().unwrap().to_owned();
    let (status, rotated) = send(
        &app,
        token,
        "POST",
        &format!("/api/v1/api-keys/{key_id}/rotate"),
        json!({ "graceSeconds": 0 }),
    )
    .await;
    assert_eq!(
        (status, rotated["apiKey"]["scope"].as_str()),
        (200, Some("READ"))
    );
    let new_id = rotated["apiKey"]["id"].as_str().unwrap().to_owned();
    let (status, revoked) = send(
        &app,
        token,
        "POST",
        &format!("/api/v1/api-keys/{new_id}/revoke"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert!(revoked["revokedAt"].is_string());
    let (_, keys) = send(&app, token, "GET", "/api/v1/api-keys", Value::Null).await;
    assert_eq!(keys["items"].as_array().unwrap().len(), 2);
    assert!(
        keys["items"][0].get("secret").is_none(),
        "lists never show secrets"
    );

    let (status, session) = send(
        &app,
        token,
        "POST",
        "/api/v1/auth/password",
        json!({ "currentPassword": "a long enough password", "newPassword": "the new password!" }),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    let (status, _) = send(
        &app,
        token,
        "POST",
        "/api/v1/auth/logout-everywhere",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send(
        &app,
        None,
        "POST",
        "/api/v1/auth/refresh",
        json!({ "refreshToken": session["refreshToken"] }),
    )
    .await;
    assert_eq!(status, 401, "logged out everywhere");

    let (status, verified) = send(&app, token, "GET", "/api/v1/audit/verify", Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(verified["ok"], true);
    let (_, log) = send(&app, token, "GET", "/api/v1/audit?first=100", Value::Null).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "organization.update",
        "member.invite",
        "member.join",
        "member.role_change",
        "member.remove",
        "api_key.create",
        "api_key.rotate",
        "api_key.revoke",
        "auth.change_password",
        "auth.log_out_everywhere",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    assert_eq!(
        verified["checked"].as_u64().unwrap() as usize,
        actions.len()
    );
}
