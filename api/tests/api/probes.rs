//! Health, readiness and metrics endpoints.

use crate::helpers::{Backend, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(probes_answer_and_metrics_count_requests_by_route);

async fn probes_answer_and_metrics_count_requests_by_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "metered").await;
    let (status, _) = app
        .get_json(&admin.token, &format!("/api/v1/agents/{agent}"))
        .await;
    assert_eq!(status, 200);

    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("humanaios_http_requests_total")
                && l.contains("route=\"/api/v1/agents/{id}\"")
                && l.contains("status=\"200\"")),
        "{metrics}"
    );
    assert!(metrics.contains("humanaios_http_request_duration_seconds"));
}
