//! Rate limits: a burst over the limit gets 429 with `Retry-After`; requests under it all
//! succeed; each caller has their own bucket.

use serde_json::json;

use crate::helpers::{Backend, spawn_app_with};
use humanaios::on_both_backends;

on_both_backends!(a_burst_over_the_limit_gets_429_with_retry_after_and_other_callers_go_on);

async fn a_burst_over_the_limit_gets_429_with_retry_after_and_other_callers_go_on(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |config| {
        config.rate_limit_per_minute = 60;
        config.rate_limit_burst = 8;
    })
    .await;
    // Sign-up is anonymous: it draws from the address's bucket (1 of 8).
    let alice = app.sign_up().await;

    // Alice's own bucket: 8 requests pass, mixing GraphQL and REST…
    for i in 0..8 {
        let status = if i % 2 == 0 {
            let response = app
                .client
                .post(app.url("/graphql"))
                .bearer_auth(&alice.token)
                .json(&json!({ "query": "{ viewer { role } }" }))
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        } else {
            app.get_json(&alice.token, "/api/v1/agents").await.0
        };
        assert_eq!(status, 200, "request {i} is under the limit");
    }
    // …the 9th does not.
    let response = app
        .client
        .get(app.url("/api/v1/agents"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After: {retry_after}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&alice.token)
        .json(&json!({ "query": "{ viewer { role } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");

    // Bob, another caller, is not slowed down by Alice.
    let bob = app.sign_up().await;
    let (status, _) = app.get_json(&bob.token, "/api/v1/agents").await;
    assert_eq!(status, 200);

    // After the wait it names, Alice may call again.
    tokio::time::sleep(std::time::Duration::from_secs(retry_after)).await;
    let (status, _) = app.get_json(&alice.token, "/api/v1/agents").await;
    assert_eq!(status, 200);
}
