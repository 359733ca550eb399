//! Members and invitations: invite with a role, accept once, change roles and remove
//! members (with immediate effect on their sessions), and never lose the last admin.

use entity::invitation;
use sea_orm::EntityTrait as _;
use sea_orm::sea_query::Expr;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, error_code, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(
    an_invitation_is_accepted_once_and_the_new_member_has_the_invited_role,
    expired_or_revoked_invitations_and_taken_emails_are_refused,
    the_last_admin_can_be_neither_demoted_nor_removed,
    role_changes_and_removals_take_effect_on_live_sessions_at_once,
);

async fn invite(app: &TestApp, admin: &str, email: &str, role: &str) -> Value {
    app.graphql(
        Some(admin),
        "mutation($e: String!, $r: Role!) { inviteMember(input: { email: $e, role: $r }) { token acceptPath invitation { id email role expiresAt } } }",
        json!({ "e": email, "r": role }),
    )
    .await
}

async fn accept(app: &TestApp, token: &str) -> Value {
    app.graphql(
        None,
        "mutation($t: String!) { acceptInvitation(input: { token: $t, password: \"a long enough password\" }) { accessToken refreshToken user { email role } } }",
        json!({ "t": token }),
    )
    .await
}

async fn an_invitation_is_accepted_once_and_the_new_member_has_the_invited_role(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let sent = invite(&app, &admin.token, "Carol@Example.com", "OPERATOR").await;
    let token = sent["data"]["inviteMember"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        sent["data"]["inviteMember"]["invitation"]["email"],
        "carol@example.com"
    );
    assert_eq!(
        sent["data"]["inviteMember"]["acceptPath"],
        format!("/accept-invitation?token={token}")
    );

    let joined = accept(&app, &token).await;
    assert_eq!(
        joined["data"]["acceptInvitation"]["user"],
        json!({ "email": "carol@example.com", "role": "OPERATOR" })
    );
    let carol = joined["data"]["acceptInvitation"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_agent(&carol, "carols-agent").await;

    let again = accept(&app, &token).await;
    assert_eq!(error_code(&again), "INVITATION_INVALID");

    let data = app
        .graphql_ok(
            Some(&admin.token),
            "{ members { nodes { email role } } invitations { nodes { acceptedAt } } }",
            json!({}),
        )
        .await;
    let emails: Vec<&str> = data["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"carol@example.com") && emails.contains(&admin.email.as_str()));
    assert!(data["invitations"]["nodes"][0]["acceptedAt"].is_string());
    let log = app
        .graphql_ok(
            Some(&admin.token),
            "{ auditLog(action: \"member\") { nodes { action actorLabel } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        log["auditLog"]["nodes"],
        json!([
            { "action": "member.join", "actorLabel": "carol@example.com" },
            { "action": "member.invite", "actorLabel": admin.email },
        ])
    );
}

async fn expired_or_revoked_invitations_and_taken_emails_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let expiring = invite(&app, &admin.token, "late@example.com", "VIEWER").await;
    invitation::Entity::update_many()
        .col_expr(
            invitation::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let answer = accept(
        &app,
        expiring["data"]["inviteMember"]["token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(error_code(&answer), "INVITATION_INVALID");

    let revoked = invite(&app, &admin.token, "withdrawn@example.com", "VIEWER").await;
    let id = revoked["data"]["inviteMember"]["invitation"]["id"].clone();
    let data = app
        .graphql_ok(
            Some(&admin.token),
            "mutation($id: ID!) { revokeInvitation(id: $id) { revokedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert!(data["revokeInvitation"]["revokedAt"].is_string());
    let answer = accept(
        &app,
        revoked["data"]["inviteMember"]["token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(error_code(&answer), "INVITATION_INVALID");

    let answer = invite(&app, &admin.token, &admin.email, "VIEWER").await;
    assert_eq!(error_code(&answer), "EMAIL_TAKEN");
    let answer = invite(&app, &admin.token, "not an email", "VIEWER").await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");
}

async fn member_id(app: &TestApp, token: &str) -> Value {
    app.graphql_ok(Some(token), "{ viewer { user { id } } }", json!({}))
        .await["viewer"]["user"]["id"]
        .clone()
}

async fn set_role(app: &TestApp, admin: &str, id: &Value, role: &str) -> Value {
    app.graphql(
        Some(admin),
        "mutation($id: ID!, $r: Role!) { updateMemberRole(userId: $id, role: $r) { role } }",
        json!({ "id": id, "r": role }),
    )
    .await
}

async fn the_last_admin_can_be_neither_demoted_nor_removed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let me = member_id(&app, &admin.token).await;
    assert_eq!(
        error_code(&set_role(&app, &admin.token, &me, "OPERATOR").await),
        "LAST_ADMIN"
    );
    let answer = app
        .graphql(
            Some(&admin.token),
            "mutation($id: ID!) { removeMember(userId: $id) }",
            json!({ "id": me }),
        )
        .await;
    assert_eq!(error_code(&answer), "LAST_ADMIN");

    // With a second admin, the first may step down.
    let other = app.add_member(&admin.token, entity::Role::Operator).await;
    let other_id = member_id(&app, &other).await;
    assert_eq!(
        set_role(&app, &admin.token, &other_id, "ADMIN").await["data"]["updateMemberRole"]["role"],
        "ADMIN"
    );
    assert_eq!(
        set_role(&app, &admin.token, &me, "VIEWER").await["data"]["updateMemberRole"]["role"],
        "VIEWER"
    );
    // Now the other is the last admin.
    assert_eq!(
        error_code(&set_role(&app, &other, &other_id, "VIEWER").await),
        "LAST_ADMIN"
    );
}

async fn role_changes_and_removals_take_effect_on_live_sessions_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let operator = app.add_member(&admin.token, entity::Role::Operator).await;
    let operator_id = member_id(&app, &operator).await;
    app.create_agent(&operator, "allowed").await;

    set_role(&app, &admin.token, &operator_id, "VIEWER").await;
    let answer = app
        .graphql(
            Some(&operator),
            "mutation { createAgent(input: { name: \"refused\", type: MCP }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&answer),
        "FORBIDDEN",
        "the same token, the new role"
    );

    let data = app
        .graphql_ok(
            Some(&admin.token),
            "mutation($id: ID!) { removeMember(userId: $id) }",
            json!({ "id": operator_id }),
        )
        .await;
    assert_eq!(data["removeMember"], true);
    let (status, body) = app.get_json(&operator, "/api/v1/agents").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );
}
