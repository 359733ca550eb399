//! GraphQL and HTTP hardening: alias limits, production defaults, CORS from configured
//! origins only, and GET never executing operations.

use humanaios::config::Environment;
use serde_json::json;

use crate::helpers::{Backend, error_code, spawn_app, spawn_app_with};

#[tokio::test]
async fn documents_with_too_many_aliases_are_refused() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.graphql_max_aliases = 3).await;
    let admin = app.sign_up().await;
    let three = "{ a: agents { nodes { id } } b: agents { nodes { id } } c: viewer { role } }";
    app.graphql_ok(Some(&admin.token), three, json!({})).await;
    let four = "{ a: agents { nodes { id } } b: agents { nodes { id } } c: viewer { role } d: viewer { role } }";
    let answer = app.graphql(Some(&admin.token), four, json!({})).await;
    assert_eq!(error_code(&answer), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("4 aliases")
    );
}

#[tokio::test]
async fn production_turns_introspection_and_suggestions_off_unless_asked() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.environment = Environment::Production).await;
    let admin = app.sign_up().await;
    let answer = app
        .graphql(
            Some(&admin.token),
            "{ __schema { types { name } } }",
            json!({}),
        )
        .await;
    assert!(
        answer["data"]["__schema"].is_null(),
        "no schema revealed: {answer}"
    );
    let answer = app
        .graphql(Some(&admin.token), "{ agents { nodez { id } } }", json!({}))
        .await;
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(
        !message.contains("Did you mean"),
        "no suggestions: {message}"
    );

    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.environment = Environment::Production;
        c.graphql_introspection = Some(true);
    })
    .await;
    let data = app
        .graphql_ok(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn cors_answers_configured_origins_only() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.cors_origins = "https://app.example.com, https://ops.example.com".into();
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://ops.example.com").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://ops.example.com"
    );
    let refused = preflight("https://evil.example.net").await.unwrap();
    assert!(
        !refused
            .headers()
            .contains_key("access-control-allow-origin")
    );

    let unconfigured = spawn_app(Backend::Sqlite).await;
    let response = unconfigured
        .client
        .request(reqwest::Method::OPTIONS, unconfigured.url("/graphql"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn get_never_executes_an_operation() {
    let app = spawn_app(Backend::Sqlite).await;
    let mutation = "mutation { signUp(input: { email: \"get@example.com\", password: \"a long enough password\", organizationName: \"x\" }) { accessToken } }";
    let encoded: String = mutation
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let response = app
        .client
        .get(app.url(&format!("/graphql?query={encoded}")))
        .send()
        .await
        .unwrap();
    assert!(
        response.text().await.unwrap().contains("GraphiQL"),
        "GET only serves GraphiQL"
    );
    let answer = app
        .graphql(
            None,
            "mutation { logIn(input: { email: \"get@example.com\", password: \"a long enough password\" }) { accessToken } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&answer),
        "INVALID_CREDENTIALS",
        "the GET created nobody"
    );
}
