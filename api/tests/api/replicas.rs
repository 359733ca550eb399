//! Many replicas, one feed: with Redis, a subscriber on one server receives what is
//! ingested on another, in order, and only for its own organization.

use serde_json::{Value, json};

use crate::helpers::{Backend, activity, spawn_app_with, test_redis_url};
use crate::subscriptions::{next_ids, prove_live, subscribe};
use humanaios::on_both_backends;

on_both_backends!(a_subscriber_on_one_replica_receives_what_another_replica_ingests);

async fn a_subscriber_on_one_replica_receives_what_another_replica_ingests(backend: Backend) {
    let first = spawn_app_with(backend, |c| c.redis_url = Some(test_redis_url())).await;
    let second = first
        .spawn_replica(|c| c.redis_url = Some(test_redis_url()))
        .await
        .app;

    // Everything below alternates between the two servers; they share the database.
    let alice = first.sign_up().await;
    let agent = second.create_agent(&alice.token, "replicated").await;
    let key = second.create_api_key(&alice.token).await;
    let bob = second.sign_up().await;

    let mut on_first = subscribe(&first, &alice.token, json!({})).await;
    let mut bobs_feed = subscribe(&first, &bob.token, json!({})).await;
    let mut on_second = subscribe(&second, &alice.token, json!({})).await;
    let mut probes = prove_live(&second, &key, &agent, &mut [&mut on_first]).await;
    probes.extend(prove_live(&first, &key, &agent, &mut [&mut on_second]).await);

    let batch: Vec<Value> = (0..5)
        .map(|_| activity(&agent, "TOOL_CALL", "0.01"))
        .collect();
    let ids: Vec<String> = batch
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    let answer = second.record(&key, json!(batch)).await;
    assert_eq!(answer["data"]["recordActivities"]["inserted"], 5);
    assert_eq!(
        next_ids(&mut on_first, 5, &probes).await,
        ids,
        "ingested on the second, seen on the first, in order"
    );
    assert_eq!(
        next_ids(&mut on_second, 5, &probes).await,
        ids,
        "and on the second itself, once each"
    );

    // Bob, another organization on the first server, got none of it: his next event is his own.
    let bobs_agent = first.create_agent(&bob.token, "bobs").await;
    let own = activity(&bobs_agent, "DECISION", "0");
    second.record(&bob.token, json!([own])).await;
    let bobs_probes = Default::default();
    assert_eq!(
        next_ids(&mut bobs_feed, 1, &bobs_probes).await,
        [own["id"].as_str().unwrap()]
    );
}
