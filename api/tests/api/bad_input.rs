//! Bad input gets a clear error with a stable code: never a 500, never a panic, never a
//! half-written change.

use chrono::Utc;
use entity::{OrgId, Role, UserId};
use humanaios::auth::jwt::Claims;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, TEST_JWT_SECRET, TestApp, activity, error_code, spawn_app, spawn_app_with,
};
use humanaios::on_both_backends;

on_both_backends!(
    malformed_graphql_requests_get_codes_not_500s,
    expired_tampered_and_foreign_tokens_are_unauthenticated,
    a_body_over_the_limit_is_refused_and_nothing_is_written,
    malformed_rest_requests_get_codes_not_500s,
);

async fn post_raw(
    app: &TestApp,
    content_type: &str,
    body: &str,
    token: Option<&str>,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON even for errors"))
}

async fn malformed_graphql_requests_get_codes_not_500s(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let token = Some(admin.token.as_str());

    let (status, body) = post_raw(&app, "application/json", "{\"query\": ", token).await;
    assert_eq!((status, error_code(&body)), (400, "MALFORMED_REQUEST"));

    // A form post (what a cross-site page can send without a preflight) is refused.
    let (status, body) = post_raw(
        &app,
        "application/x-www-form-urlencoded",
        "query=%7Bviewer%7Brole%7D%7D",
        token,
    )
    .await;
    assert_eq!((status, error_code(&body)), (400, "MALFORMED_REQUEST"));

    let (status, body) = post_raw(
        &app,
        "application/json",
        r#"{"query": "{ viewer { "}"#,
        token,
    )
    .await;
    assert_eq!((status, error_code(&body)), (200, "GRAPHQL_PARSE_FAILED"));

    let answer = app
        .graphql(token, "{ agents { nodes { nickname } } }", json!({}))
        .await;
    assert_eq!(error_code(&answer), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nickname")
    );

    // A wrong enum value, as a literal and as a variable.
    let answer = app
        .graphql(
            token,
            "mutation { createAgent(input: { name: \"x\", type: ROBOT }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), "GRAPHQL_VALIDATION_FAILED");
    let answer = app
        .graphql(
            token,
            "mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }",
            json!({ "i": { "name": "x", "type": "ROBOT" } }),
        )
        .await;
    assert!(
        ["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"].contains(&error_code(&answer)),
        "{answer}"
    );
    // An unknown input field.
    let answer = app
        .graphql(
            token,
            "mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }",
            json!({ "i": { "name": "x", "type": "MCP", "colour": "red" } }),
        )
        .await;
    assert!(
        ["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"].contains(&error_code(&answer)),
        "{answer}"
    );
    // Too deep a query.
    let deep = "{ agents { nodes { activities { nodes { agent { activities { nodes { agent { activities { nodes { agent { activities { nodes { id } } } } } } } } } } } } } }";
    let answer = app.graphql(token, deep, json!({})).await;
    assert_eq!(error_code(&answer), "GRAPHQL_VALIDATION_FAILED", "{answer}");

    let data = app
        .graphql_ok(token, "{ agents { nodes { id } } }", json!({}))
        .await;
    assert_eq!(
        data["agents"]["nodes"],
        json!([]),
        "no agent was half-created"
    );
}

fn forge(claims: &Claims, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn expired_tampered_and_foreign_tokens_are_unauthenticated(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = Utc::now().timestamp();
    let claims = Claims {
        iss: "humanaios".into(),
        aud: "humanaios-api".into(),
        sub: UserId::new(),
        org: OrgId::new(),
        role: Role::Admin,
        typ: "access".into(),
        iat: now - 7200,
        nbf: now - 7200,
        exp: now - 3600,
    };
    let expired = forge(&claims, TEST_JWT_SECRET);
    let wrong_key = forge(
        &Claims {
            exp: now + 3600,
            ..claims.clone()
        },
        "another-secret-another-secret-another-se",
    );
    let wrong_type = forge(
        &Claims {
            exp: now + 3600,
            typ: "refresh".into(),
            ..claims.clone()
        },
        TEST_JWT_SECRET,
    );
    // Algorithm confusion: the right secret under another HMAC, and an "RS256" header over
    // an HMAC signature (what a server that let the token pick its algorithm would accept).
    let live = Claims {
        exp: now + 3600,
        ..claims.clone()
    };
    let hs512 = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS512),
        &live,
        &EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let rs256_header = {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = b64.encode(serde_json::to_vec(&live).unwrap());
        let message = format!("{header}.{payload}");
        let signature = jsonwebtoken::crypto::sign(
            message.as_bytes(),
            &EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
            jsonwebtoken::Algorithm::HS256,
        )
        .unwrap();
        format!("{message}.{signature}")
    };
    let admin = app.sign_up().await;
    let mut tampered = admin.token.clone();
    // Flip one character of the signature.
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });

    for (what, token) in [
        ("expired", &expired),
        ("wrong key", &wrong_key),
        ("wrong typ", &wrong_type),
        ("tampered", &tampered),
        ("HS512", &hs512),
        ("RS256 header", &rs256_header),
    ] {
        let (status, body) = post_raw(
            &app,
            "application/json",
            r#"{"query":"{ viewer { role } }"}"#,
            Some(token),
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (401, "UNAUTHENTICATED"),
            "{what}"
        );
        let (status, body) = app.get_json(token, "/api/v1/agents").await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("UNAUTHENTICATED")),
            "{what}"
        );
    }
    let (_, body) = post_raw(
        &app,
        "application/json",
        r#"{"query":"{ viewer { role } }"}"#,
        Some(&expired),
    )
    .await;
    assert_eq!(body["errors"][0]["message"], "access token has expired");
}

async fn a_body_over_the_limit_is_refused_and_nothing_is_written(backend: Backend) {
    let app = spawn_app_with(backend, |config| config.max_body_bytes = 16 * 1024).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "big").await;
    let mut big = activity(&agent, "TOOL_CALL", "0.1");
    big["payload"] = json!({ "blob": "x".repeat(20 * 1024) });
    let body = json!({
        "query": "mutation($a: [ActivityInput!]!) { recordActivities(activities: $a) { inserted } }",
        "variables": { "a": [big] },
    })
    .to_string();
    let (status, answer) = post_raw(&app, "application/json", &body, Some(&admin.token)).await;
    assert_eq!((status, error_code(&answer)), (413, "PAYLOAD_TOO_LARGE"));

    let response = app
        .client
        .post(app.url("/api/v1/agents"))
        .bearer_auth(&admin.token)
        .json(&json!({ "name": "y".repeat(20 * 1024), "type": "MCP" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "PAYLOAD_TOO_LARGE");

    let data = app
        .graphql_ok(
            Some(&admin.token),
            "{ activities { nodes { id } } agents { nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["activities"]["nodes"], json!([]));
    assert_eq!(data["agents"]["nodes"], json!([{ "name": "big" }]));
}

async fn malformed_rest_requests_get_codes_not_500s(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let post = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/agents"))
            .bearer_auth(&admin.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, status) in [
        ("{\"name\": ", 400),
        ("{\"name\": \"x\", \"type\": \"ROBOT\"}", 400),
        (
            "{\"name\": \"x\", \"type\": \"MCP\", \"colour\": \"red\"}",
            400,
        ),
        ("{\"name\": \"  \", \"type\": \"MCP\"}", 422),
    ] {
        let response = post(body).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{body}");
        let answer: Value = response.json().await.unwrap();
        let code = answer["error"]["code"].as_str().unwrap();
        assert!(
            ["MALFORMED_REQUEST", "BAD_USER_INPUT"].contains(&code),
            "{answer}"
        );
    }
    let (status, body) = app
        .get_json(&admin.token, "/api/v1/agents?first=lots")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("MALFORMED_REQUEST"))
    );
    let (status, body) = app
        .get_json(&admin.token, "/api/v1/agents?first=1000")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("BAD_USER_INPUT"))
    );
    let (status, body) = app
        .get_json(&admin.token, "/api/v1/agents/not-a-uuid")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let (status, body) = app.get_json(&admin.token, "/api/v1/nothing-here").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );

    // A duplicate name is a conflict, not a 500.
    let created = app.create_agent(&admin.token, "twin").await;
    assert!(!created.is_empty());
    let response = app
        .client
        .post(app.url("/api/v1/agents"))
        .bearer_auth(&admin.token)
        .json(&json!({ "name": "twin", "type": "CUSTOM" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AGENT_NAME_TAKEN");
}
