//! Introspection: GraphiQL's standard query works despite the API's tight depth limit, and
//! is refused entirely when introspection is switched off.

use serde_json::json;

use crate::helpers::{Backend, error_code, spawn_app, spawn_app_with};

/// graphql-js's `getIntrospectionQuery()`, as GraphiQL sends it (nine nested `ofType`s).
const INTROSPECTION_QUERY: &str = include_str!("introspection_query.graphql");

#[tokio::test]
async fn the_standard_introspection_query_runs_while_deep_api_queries_stay_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let data = app.graphql_ok(None, INTROSPECTION_QUERY, json!({})).await;
    let types = data["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Agent"));
    assert_eq!(data["__schema"]["subscriptionType"]["name"], "Subscription");

    // Mixing in an API field puts the query back under the API's limits.
    let deep_mixed = "{ __typename agents { nodes { activities { nodes { agent { activities { nodes { agent { activities { nodes { agent { activities { nodes { id } } } } } } } } } } } } } }";
    let answer = app.graphql(None, deep_mixed, json!({})).await;
    assert_eq!(error_code(&answer), "GRAPHQL_VALIDATION_FAILED");
}

#[tokio::test]
async fn introspection_switched_off_answers_no_schema() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.graphql_introspection = Some(false)).await;
    let answer = app.graphql(None, INTROSPECTION_QUERY, json!({})).await;
    assert!(answer["errors"].is_array(), "{answer}");
    assert!(
        answer["data"].is_null() || answer["data"]["__schema"].is_null(),
        "{answer}"
    );
}
