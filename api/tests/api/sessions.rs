//! Sessions: refresh tokens rotate on every use, a reused one ends its whole sign-in, log
//! out and password changes end sign-ins, over GraphQL and REST alike.

use entity::refresh_token;
use sea_orm::sea_query::Expr;
use sea_orm::{EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, error_code, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(
    a_refresh_token_works_once_and_its_reuse_ends_the_whole_sign_in,
    log_out_ends_one_sign_in_and_log_out_everywhere_ends_all,
    changing_the_password_ends_every_other_sign_in,
    an_expired_refresh_token_is_refused,
    rest_sign_up_log_in_refresh_and_log_out,
);

const SESSION: &str = "accessToken refreshToken refreshExpiresIn user { email }";

async fn log_in(app: &TestApp, email: &str, password: &str) -> Value {
    app.graphql(
        None,
        &format!("mutation($i: LogInInput!) {{ logIn(input: $i) {{ {SESSION} }} }}"),
        json!({ "i": { "email": email, "password": password } }),
    )
    .await
}

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.graphql(
        None,
        &format!("mutation($t: String!) {{ refreshSession(refreshToken: $t) {{ {SESSION} }} }}"),
        json!({ "t": token }),
    )
    .await
}

fn refresh_token_of(answer: &Value, field: &str) -> String {
    answer["data"][field]["refreshToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no session in {answer}"))
        .to_owned()
}

async fn a_refresh_token_works_once_and_its_reuse_ends_the_whole_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let laptop = log_in(&app, &admin.email, "a long enough password").await;
    let phone = log_in(&app, &admin.email, "a long enough password").await;
    assert_eq!(laptop["data"]["logIn"]["refreshExpiresIn"], 30 * 24 * 3600);
    let first = refresh_token_of(&laptop, "logIn");

    let renewed = refresh(&app, &first).await;
    let second = refresh_token_of(&renewed, "refreshSession");
    assert_ne!(first, second, "rotated");
    let access = renewed["data"]["refreshSession"]["accessToken"]
        .as_str()
        .unwrap();
    app.graphql_ok(Some(access), "{ viewer { role } }", json!({}))
        .await;

    // The first token again: someone copied it. The whole laptop sign-in ends…
    let reuse = refresh(&app, &first).await;
    assert_eq!(error_code(&reuse), "UNAUTHENTICATED");
    assert!(
        reuse["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    let after = refresh(&app, &second).await;
    assert_eq!(
        error_code(&after),
        "UNAUTHENTICATED",
        "the family is revoked"
    );
    // …and the phone's sign-in, another family, goes on.
    let phone = refresh(&app, &refresh_token_of(&phone, "logIn")).await;
    assert!(phone["errors"].is_null(), "{phone}");

    let garbage = refresh(&app, "hrt_not-a-token").await;
    assert_eq!(error_code(&garbage), "UNAUTHENTICATED");
}

async fn log_out_ends_one_sign_in_and_log_out_everywhere_ends_all(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let one = refresh_token_of(
        &log_in(&app, &admin.email, "a long enough password").await,
        "logIn",
    );
    let two = refresh_token_of(
        &log_in(&app, &admin.email, "a long enough password").await,
        "logIn",
    );
    let three = refresh_token_of(
        &log_in(&app, &admin.email, "a long enough password").await,
        "logIn",
    );

    let data = app
        .graphql_ok(
            None,
            "mutation($t: String!) { logOut(refreshToken: $t) }",
            json!({ "t": one }),
        )
        .await;
    assert_eq!(data["logOut"], true);
    assert_eq!(error_code(&refresh(&app, &one).await), "UNAUTHENTICATED");
    // Logging out twice is harmless, and audited once.
    app.graphql_ok(
        None,
        "mutation($t: String!) { logOut(refreshToken: $t) }",
        json!({ "t": one }),
    )
    .await;
    let log = app
        .graphql_ok(
            Some(&admin.token),
            "{ auditLog(action: \"auth.log_out\") { nodes { actorLabel } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        log["auditLog"]["nodes"],
        json!([{ "actorLabel": admin.email }])
    );
    let two = refresh_token_of(&refresh(&app, &two).await, "refreshSession");

    let data = app
        .graphql_ok(
            Some(&admin.token),
            "mutation { logOutEverywhere }",
            json!({}),
        )
        .await;
    assert_eq!(data["logOutEverywhere"], true);
    assert_eq!(error_code(&refresh(&app, &two).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&refresh(&app, &three).await), "UNAUTHENTICATED");
}

async fn changing_the_password_ends_every_other_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let other = refresh_token_of(
        &log_in(&app, &admin.email, "a long enough password").await,
        "logIn",
    );
    let change =
        "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { refreshToken } }";

    let wrong = app
        .graphql(
            Some(&admin.token),
            change,
            json!({ "i": { "currentPassword": "not it at all", "newPassword": "a brand new password" } }),
        )
        .await;
    assert_eq!(error_code(&wrong), "INVALID_CREDENTIALS");
    let short = app
        .graphql(
            Some(&admin.token),
            change,
            json!({ "i": { "currentPassword": "a long enough password", "newPassword": "short" } }),
        )
        .await;
    assert_eq!(error_code(&short), "BAD_USER_INPUT");

    let data = app
        .graphql_ok(
            Some(&admin.token),
            change,
            json!({ "i": { "currentPassword": "a long enough password", "newPassword": "a brand new password" } }),
        )
        .await;
    let fresh = data["changePassword"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(error_code(&refresh(&app, &other).await), "UNAUTHENTICATED");
    assert!(refresh(&app, &fresh).await["errors"].is_null());
    assert_eq!(
        error_code(&log_in(&app, &admin.email, "a long enough password").await),
        "INVALID_CREDENTIALS"
    );
    assert!(log_in(&app, &admin.email, "a brand new password").await["errors"].is_null());
}

async fn an_expired_refresh_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let token = refresh_token_of(
        &log_in(&app, &admin.email, "a long enough password").await,
        "logIn",
    );
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(sea_orm::ColumnTrait::eq(
            &refresh_token::Column::TokenHash,
            humanaios::auth::secrets::sha256_hex(&token),
        ))
        .exec(&app.state.db)
        .await
        .unwrap();
    let answer = refresh(&app, &token).await;
    assert_eq!(error_code(&answer), "UNAUTHENTICATED");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

async fn rest_sign_up_log_in_refresh_and_log_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let post = |path: &str, body: Value| app.client.post(app.url(path)).json(&body).send();
    let email = format!("rest-{}@example.com", uuid::Uuid::now_v7().simple());

    let response = post(
        "/api/v1/auth/signup",
        json!({ "email": email, "password": "a long enough password", "organizationName": "REST Org" }),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 201);
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["user"]["role"], "ADMIN");
    assert_eq!(session["tokenType"], "Bearer");

    let response = post(
        "/api/v1/auth/login",
        json!({ "email": email, "password": "wrong password!" }),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "INVALID_CREDENTIALS");

    let response = post(
        "/api/v1/auth/login",
        json!({ "email": email, "password": "a long enough password" }),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let session: Value = response.json().await.unwrap();
    let response = post(
        "/api/v1/auth/refresh",
        json!({ "refreshToken": session["refreshToken"] }),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let renewed: Value = response.json().await.unwrap();
    let (status, _) = app
        .get_json(renewed["accessToken"].as_str().unwrap(), "/api/v1/agents")
        .await;
    assert_eq!(status, 200);

    let response = post(
        "/api/v1/auth/logout",
        json!({ "refreshToken": renewed["refreshToken"] }),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 204);
    let response = post(
        "/api/v1/auth/refresh",
        json!({ "refreshToken": renewed["refreshToken"] }),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 401);
}
