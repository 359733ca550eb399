//! The audit log: every change leaves a record in the same transaction, the chain verifies,
//! and tampering with a stored record is found at that record.

use entity::audit_log;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, error_code, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(
    changes_are_recorded_with_who_what_and_where_and_the_chain_verifies,
    a_tampered_or_removed_record_breaks_the_chain_at_that_record,
);

async fn audit(app: &TestApp, token: &str, filter: &str) -> Vec<Value> {
    let data = app
        .graphql_ok(
            Some(token),
            &format!("{{ auditLog(first: 100{filter}) {{ nodes {{ seq action actorType actorLabel targetType targetId summary ip userAgent }} }} }}"),
            json!({}),
        )
        .await;
    data["auditLog"]["nodes"].as_array().unwrap().clone()
}

async fn verify(app: &TestApp, token: &str) -> Value {
    app.graphql_ok(
        Some(token),
        "{ verifyAuditChain { ok checked firstBroken { seq action } } }",
        json!({}),
    )
    .await["verifyAuditChain"]
        .clone()
}

async fn changes_are_recorded_with_who_what_and_where_and_the_chain_verifies(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .header("user-agent", "audit-test/1.0")
        .json(&json!({ "query": "mutation { createAgent(input: { name: \"audited\", type: MCP }) { id } }" }))
        .send()
        .await
        .unwrap();
    let agent = response.json::<Value>().await.unwrap()["data"]["createAgent"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.graphql_ok(
        Some(&admin.token),
        "mutation($id: ID!) { updateAgent(id: $id, input: { status: PAUSED, name: \"audited\" }) { id } }",
        json!({ "id": agent }),
    )
    .await;
    // A refused change leaves no record.
    let answer = app
        .graphql(
            Some(&admin.token),
            "mutation { createAgent(input: { name: \"audited\", type: MCP }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), "AGENT_NAME_TAKEN");
    let created = app
        .graphql_ok(
            Some(&admin.token),
            "mutation { createApiKey(input: { name: \"ci\", scope: INGEST }) { secret apiKey { id } } }",
            json!({}),
        )
        .await;
    let key_id = created["createApiKey"]["apiKey"]["id"].clone();
    let key_secret = created["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let rotated_secret = app
        .graphql_ok(
            Some(&admin.token),
            "mutation($id: ID!) { rotateApiKey(id: $id, graceSeconds: 60) { secret } }",
            json!({ "id": key_id }),
        )
        .await["rotateApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    app.graphql_ok(
        Some(&admin.token),
        "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
        json!({ "id": key_id }),
    )
    .await;

    let log = audit(&app, &admin.token, "").await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "api_key.revoke",
            "api_key.rotate",
            "api_key.create",
            "agent.update",
            "agent.create",
            "auth.sign_up"
        ]
    );
    let seqs: Vec<i64> = log.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [6, 5, 4, 3, 2, 1]);
    let create = &log[4];
    assert_eq!(create["actorType"], "user");
    assert_eq!(create["actorLabel"], admin.email.as_str());
    assert_eq!(create["targetId"], agent.as_str());
    assert_eq!(create["ip"], "127.0.0.1");
    assert_eq!(create["userAgent"], "audit-test/1.0");
    assert_eq!(create["summary"]["after"]["name"], "audited");
    // The update records what changed (status), not what stayed (name).
    assert_eq!(
        log[3]["summary"],
        json!({ "before": { "status": "ACTIVE" }, "after": { "status": "PAUSED" } })
    );
    // No secret is ever logged.
    let text = serde_json::to_string(&log).unwrap();
    for secret in [&key_secret, &rotated_secret] {
        assert!(
            !text.contains(secret.as_str()),
            "a key secret reached the audit log"
        );
    }

    let keys = audit(&app, &admin.token, ", action: \"api_key\"").await;
    assert_eq!(keys.len(), 3);
    let for_agent = audit(&app, &admin.token, &format!(", targetId: \"{agent}\"")).await;
    assert_eq!(for_agent.len(), 2);

    assert_eq!(
        verify(&app, &admin.token).await,
        json!({ "ok": true, "checked": 6, "firstBroken": null })
    );

    // Signing in is recorded too, and REST reads the same log.
    app.graphql_ok(
        None,
        "mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }",
        json!({ "i": { "email": admin.email, "password": "a long enough password" } }),
    )
    .await;
    let (status, body) = app
        .get_json(&admin.token, "/api/v1/audit?action=auth.sign_in")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["seq"], 7);

    // Another organization's log is its own.
    let other = app.sign_up().await;
    let theirs = audit(&app, &other.token, "").await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["seq"], 1);
}

async fn a_tampered_or_removed_record_breaks_the_chain_at_that_record(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    for name in ["one", "two", "three", "four"] {
        app.create_agent(&admin.token, name).await;
    }
    assert_eq!(verify(&app, &admin.token).await["ok"], true);
    let org_of = |seq: i64| {
        audit_log::Entity::find()
            .filter(audit_log::Column::Seq.eq(seq))
            .filter(audit_log::Column::ActorLabel.eq(admin.email.clone()))
    };

    // Someone with database access rewrites what record 3 says.
    let third = org_of(3).one(&app.state.db).await.unwrap().unwrap();
    audit_log::Entity::update_many()
        .col_expr(
            audit_log::Column::Summary,
            Expr::value(json!({ "after": { "name": "innocent" } })),
        )
        .filter(audit_log::Column::Id.eq(third.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let result = verify(&app, &admin.token).await;
    assert_eq!(result["ok"], false);
    assert_eq!(result["firstBroken"]["seq"], 3);
    assert_eq!(result["checked"], 3);

    // Put it back, then remove record 2 instead: the break shows at record 3.
    audit_log::Entity::update_many()
        .col_expr(
            audit_log::Column::Summary,
            Expr::value(third.summary.clone()),
        )
        .filter(audit_log::Column::Id.eq(third.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(verify(&app, &admin.token).await["ok"], true);
    let second = org_of(2).one(&app.state.db).await.unwrap().unwrap();
    audit_log::Entity::delete_by_id(second.id)
        .exec(&app.state.db)
        .await
        .unwrap();
    let result = verify(&app, &admin.token).await;
    assert_eq!(result["ok"], false);
    assert_eq!(result["firstBroken"]["seq"], 3);
}
