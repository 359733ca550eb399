//! The dashboard's flows in headless Chromium against a real server on a fresh database, one
//! test per flow, each on SQLite and PostgreSQL. The flows are the node scripts in
//! `web/e2e/flows/` (playwright-core driving Debian's chromium); the test prepares the data
//! over GraphQL, runs the script, and checks what it reports and what the server now holds.
//! Screenshots go to `target/screenshots/<backend>/`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use humanaios::on_both_backends;
use serde_json::{Value, json};

use crate::browser::{run_browser_script, workspace_root};
use crate::helpers::{Backend, Member, TestApp, spawn_app};

/// The password `TestApp::sign_up` gives every admin.
const ADMIN_PASSWORD: &str = "a long enough password";
/// The password `TestApp::add_member` gives every member.
const MEMBER_PASSWORD: &str = "member password 1";
/// How long a feed entry may take to appear after its ingest was acknowledged.
const FEED_BUDGET: Duration = Duration::from_secs(1);
/// How long the overview may take to render, from navigation start, on loopback.
const FIRST_RENDER_BUDGET: Duration = Duration::from_secs(1);

/// Where a backend's screenshots go.
fn screenshots(backend: Backend) -> PathBuf {
    let name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    workspace_root().join("target/screenshots").join(name)
}

/// Runs `web/e2e/flows/<flow>.mjs` with `args` (plus the server's URL and the screenshot
/// directory) and returns the JSON it printed; fails the test with the script's reasons if it
/// failed, or if it did not save each of `shots` (checked by time, so a file left by an
/// earlier run does not count).
async fn run_flow(
    app: &TestApp,
    backend: Backend,
    flow: &str,
    mut args: Value,
    shots: &[&str],
) -> Value {
    args["baseUrl"] = json!(app.url(""));
    args["screenshotDir"] = json!(screenshots(backend));
    let started = SystemTime::now();
    let script = format!("flows/{flow}.mjs");
    let stdout = run_browser_script(&script, &[args.to_string().as_ref()]).await;
    for shot in shots {
        let path = screenshots(backend).join(shot);
        let saved = std::fs::metadata(&path).and_then(|m| m.modified());
        assert!(
            saved.is_ok_and(|at| at >= started),
            "{flow} saved the screenshot {}",
            path.display()
        );
    }
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{flow} printed {stdout:?}: {e}"))
}

/// Opens a task for `agent` and returns its id.
async fn create_task(app: &TestApp, token: &str, agent: &str, title: &str, kind: &str) -> String {
    let data = app
        .graphql_ok(
            Some(token),
            "mutation($i: CreateHumanTaskInput!) { createHumanTask(input: $i) { task { id } } }",
            json!({ "i": { "agentId": agent, "title": title, "type": kind,
                           "description": "Opened by the browser test." } }),
        )
        .await;
    data["createHumanTask"]["task"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A task's status, result, note and failure reason, as the API reports them.
async fn task_state(app: &TestApp, token: &str, id: &str) -> Value {
    app.graphql_ok(
        Some(token),
        "query($id: ID!) { humanTask(id: $id) { status result resultNote failureReason } }",
        json!({ "id": id }),
    )
    .await["humanTask"]
        .clone()
}

/// The email of the member holding `token`.
async fn email_of(app: &TestApp, token: &str) -> String {
    app.graphql_ok(Some(token), "{ viewer { user { email } } }", json!({}))
        .await["viewer"]["user"]["email"]
        .as_str()
        .unwrap()
        .to_owned()
}

on_both_backends!(
    an_admin_reaches_every_section_and_sees_why_when_the_api_is_down,
    a_feed_entry_appears_within_a_second_of_its_acknowledged_ingest,
    the_inbox_approves_an_approval_task_and_takes_another_through_every_step,
    a_stale_inbox_explains_a_conflicting_change_and_reloads,
    an_admin_creates_rotates_and_revokes_an_api_key_and_a_viewer_gets_no_such_buttons,
    a_worker_on_a_phone_starts_completes_and_fails_their_tasks,
    an_admin_follows_costs_feed_agents_a_run_trace_and_analytics,
);

async fn an_admin_reaches_every_section_and_sees_why_when_the_api_is_down(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;

    let report = run_flow(
        &app,
        backend,
        "navigation",
        json!({ "email": admin.email, "password": ADMIN_PASSWORD }),
        &["overview.png", "nav-settings.png", "api-down.png"],
    )
    .await;

    let first_render = report["firstRenderMs"].as_f64().unwrap();
    println!("{backend:?}: the overview rendered {first_render:.0} ms after navigation start");
    assert!(
        first_render <= FIRST_RENDER_BUDGET.as_millis() as f64,
        "the overview took {first_render} ms to render"
    );
    assert_eq!(
        report["sections"],
        json!([
            "Overview",
            "Agents",
            "Analytics",
            "Tasks",
            "My tasks",
            "Settings",
            "Alerts",
            "Audit log"
        ])
    );
    let down = report["downMessage"].as_str().unwrap();
    assert!(down.contains("Can't reach the HumanAIOS server"), "{down}");
}

async fn a_feed_entry_appears_within_a_second_of_its_acknowledged_ingest(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "latency-probe").await;
    let key = app.create_api_key(&admin.token).await;

    let report = run_flow(
        &app,
        backend,
        "feed-latency",
        json!({ "email": admin.email, "password": ADMIN_PASSWORD,
                "apiKey": key, "agentId": agent }),
        &["feed-latency.png"],
    )
    .await;

    let latency = report["latencyMs"].as_f64().unwrap();
    // Shown with --nocapture: the figure BENCHMARKS.md quotes.
    println!(
        "{backend:?}: the feed entry was visible {latency:.0} ms after the acknowledged ingest"
    );
    assert!(
        latency <= FEED_BUDGET.as_millis() as f64,
        "the entry took {latency} ms to appear"
    );
    // The entry the browser saw is the one stored.
    let stored = app
        .graphql_ok(
            Some(&admin.token),
            "{ activities(first: 5) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(stored["activities"]["nodes"][0]["id"], report["activityId"]);
}

async fn the_inbox_approves_an_approval_task_and_takes_another_through_every_step(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let operator = app.add_member(&admin.token, entity::Role::Operator).await;
    let operator = Member {
        email: email_of(&app, &operator).await,
        token: operator,
    };
    let agent = app.create_agent(&admin.token, "dock-agent").await;
    let approval_title = "Allow a refund of $40 to order 1182";
    let work_title = "Inspect the loading dock";
    let approval = create_task(&app, &admin.token, &agent, approval_title, "APPROVAL").await;
    let work = create_task(&app, &admin.token, &agent, work_title, "INSPECTION").await;

    let report = run_flow(
        &app,
        backend,
        "task-inbox",
        json!({ "email": operator.email, "password": MEMBER_PASSWORD,
                "approvalTitle": approval_title, "workTitle": work_title }),
        &[
            "inbox-pending.png",
            "inbox-complete-form.png",
            "inbox-completed.png",
        ],
    )
    .await;

    assert_eq!(report["approval"], "COMPLETED");
    assert_eq!(
        report["work"],
        json!(["APPROVED", "ASSIGNED", "IN_PROGRESS", "COMPLETED"])
    );
    assert_eq!(
        task_state(&app, &admin.token, &approval).await["status"],
        "COMPLETED"
    );
    let work = task_state(&app, &admin.token, &work).await;
    assert_eq!(work["status"], "COMPLETED");
    assert_eq!(work["result"], json!({ "dock": "clear", "photos": 3 }));
    assert_eq!(work["resultNote"], "All clear, photos attached");
}

async fn a_stale_inbox_explains_a_conflicting_change_and_reloads(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let operator = app.add_member(&admin.token, entity::Role::Operator).await;
    let operator_email = email_of(&app, &operator).await;
    let agent = app.create_agent(&admin.token, "contested-agent").await;
    let title = "Call the customer back";
    let task = create_task(&app, &admin.token, &agent, title, "OTHER").await;

    let report = run_flow(
        &app,
        backend,
        "task-conflict",
        json!({ "email": operator_email, "password": MEMBER_PASSWORD, "title": title,
                "taskId": task, "otherToken": admin.token }),
        &["inbox-conflict.png"],
    )
    .await;

    let message = report["message"].as_str().unwrap();
    assert!(
        message.contains("Someone else changed this task first") && message.contains(title),
        "{message}"
    );
    assert!(
        message.contains("APPROVED"),
        "names the task's state: {message}"
    );
    assert_eq!(report["statusAfter"], "APPROVED");
    // The stale approval changed nothing.
    assert_eq!(
        task_state(&app, &admin.token, &task).await["status"],
        "APPROVED"
    );
}

async fn an_admin_creates_rotates_and_revokes_an_api_key_and_a_viewer_gets_no_such_buttons(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let viewer = app.add_member(&admin.token, entity::Role::Viewer).await;
    let viewer_email = email_of(&app, &viewer).await;
    let agent = app.create_agent(&admin.token, "keyed-agent").await;
    let pending_title = "Verify the new supplier";
    create_task(&app, &admin.token, &agent, pending_title, "VERIFICATION").await;

    let report = run_flow(
        &app,
        backend,
        "api-keys",
        json!({ "email": admin.email, "password": ADMIN_PASSWORD, "keyName": "browser-key",
                "viewerEmail": viewer_email, "viewerPassword": MEMBER_PASSWORD,
                "pendingTitle": pending_title }),
        &[
            "api-key-created.png",
            "api-key-rotated.png",
            "api-key-revoked.png",
            "viewer-tasks.png",
        ],
    )
    .await;

    let created = report["created"].as_str().unwrap();
    let rotated = report["rotated"].as_str().unwrap();
    assert!(created.starts_with("hai_"), "{created}");
    assert!(rotated.starts_with("hai_") && rotated != created);
    // The rotated-out key works for its grace period; the revoked successor no longer does.
    let ingest =
        |id: &str| json!({ "activities": [crate::helpers::activity(id, "TOOL_CALL", "0.001")] });
    let (status, body) = app
        .post_json(created, "/api/v1/ingest", ingest(&agent))
        .await;
    assert_eq!((status, &body["inserted"]), (200, &json!(1)), "{body}");
    let (status, body) = app
        .post_json(rotated, "/api/v1/ingest", ingest(&agent))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );

    assert_eq!(
        report["viewerSections"],
        json!([
            "Overview",
            "Agents",
            "Analytics",
            "Tasks",
            "My tasks",
            "Alerts"
        ])
    );
    assert_eq!(report["viewerTaskButtons"], json!([]));
    assert!(
        report["viewerSettings"]
            .as_str()
            .unwrap()
            .contains("Only admins")
    );
}

async fn a_worker_on_a_phone_starts_completes_and_fails_their_tasks(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let worker = app.add_member(&admin.token, entity::Role::Viewer).await;
    let worker_id = app
        .graphql_ok(Some(&worker), "{ viewer { user { id email } } }", json!({}))
        .await["viewer"]["user"]
        .clone();
    let agent = app.create_agent(&admin.token, "errand-agent").await;
    let complete_title = "Pick up the parcel at Rue Neuve 12";
    let fail_title = "Buy printer paper";
    let mut tasks = Vec::new();
    for title in [complete_title, fail_title] {
        let id = create_task(&app, &admin.token, &agent, title, "PICKUP").await;
        for step in [
            "mutation($id: ID!) { approveHumanTask(id: $id) { id } }",
            "mutation($id: ID!, $to: ID!) { assignHumanTask(id: $id, assigneeId: $to) { id } }",
        ] {
            app.graphql_ok(
                Some(&admin.token),
                step,
                json!({ "id": id, "to": worker_id["id"] }),
            )
            .await;
        }
        tasks.push(id);
    }

    let report = run_flow(
        &app,
        backend,
        "worker",
        json!({ "email": worker_id["email"], "password": MEMBER_PASSWORD,
                "completeTitle": complete_title, "failTitle": fail_title }),
        &[
            "worker-my-tasks.png",
            "worker-complete-form.png",
            "worker-done.png",
        ],
    )
    .await;

    let mut before: Vec<String> = serde_json::from_value(report["before"].clone()).unwrap();
    before.sort();
    assert_eq!(before, [fail_title, complete_title]);
    assert_eq!(report["after"], json!([]));
    assert_eq!(
        report["overflowPx"], 0,
        "nothing wider than a 390 px screen"
    );
    let done = task_state(&app, &admin.token, &tasks[0]).await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["resultNote"], "Parcel picked up, receipt in the van");
    let failed = task_state(&app, &admin.token, &tasks[1]).await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["failureReason"], "The shop was closed");
}

/// A span of a run, `seconds_ago` before now, lasting `ms`.
fn span(agent: &str, run: &str, parent: Option<&str>, name: &str, cost: &str, ms: i64) -> Value {
    let started = chrono::Utc::now() - chrono::Duration::seconds(30);
    json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "agentId": agent,
        "runId": run,
        "parentId": parent,
        "type": "TOOL_CALL",
        "name": name,
        "costUsd": cost,
        "durationMs": ms,
        "startedAt": started.to_rfc3339(),
        "endedAt": (started + chrono::Duration::milliseconds(ms)).to_rfc3339(),
        "timestamp": started.to_rfc3339(),
    })
}

async fn an_admin_follows_costs_feed_agents_a_run_trace_and_analytics(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let planner = app.create_agent(&admin.token, "planner").await;
    let searcher = app.create_agent(&admin.token, "searcher").await;
    let key = app.create_api_key(&admin.token).await;

    // The planner's run: a root span, a tool call inside it, and a failed call inside that
    // ($1.00 in all); the searcher's one activity costs $2.50. One of four failed: 25%.
    let run = uuid::Uuid::now_v7().to_string();
    let mut root = span(&planner, &run, None, "plan-trip", "0.5", 1_200);
    root["type"] = json!("DECISION");
    root["payload"] = json!({ "prompt": "Plan a weekend in Lisbon", "response": "Fly on Friday" });
    let root_id = root["id"].as_str().unwrap().to_owned();
    let mut flights = span(
        &planner,
        &run,
        Some(&root_id),
        "search_flights",
        "0.25",
        600,
    );
    flights["payload"] = json!({ "arguments": { "to": "LIS" }, "result": "3 flights" });
    let flights_id = flights["id"].as_str().unwrap().to_owned();
    let mut prices = span(
        &planner,
        &run,
        Some(&flights_id),
        "fetch_prices",
        "0.25",
        200,
    );
    prices["status"] = json!("ERROR");
    prices["errorMessage"] = json!("the fare service timed out");
    let mut lookup = span(
        &searcher,
        &uuid::Uuid::now_v7().to_string(),
        None,
        "lookup",
        "2.5",
        90,
    );
    lookup["payload"] = json!({ "query": "hotels near the river" });
    let answer = app
        .record(&key, json!([root, flights, prices, lookup]))
        .await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], 4,
        "{answer}"
    );

    let report = run_flow(
        &app,
        backend,
        "observability",
        json!({ "email": admin.email, "password": ADMIN_PASSWORD, "apiKey": key,
                "plannerId": planner, "searchWord": "lisbon", "runId": run }),
        &[
            "overview-figures.png",
            "feed-paused.png",
            "feed-filtered.png",
            "agents.png",
            "agent-detail.png",
            "run-trace.png",
            "analytics.png",
        ],
    )
    .await;

    // The overview adds up what was ingested.
    assert_eq!(
        report["figures"],
        json!({ "today": "$3.50", "month": "$3.50", "errorRate": "25.0%" })
    );
    // Paused, the new entry waited (and was counted); resumed, it showed.
    assert_eq!(
        report["held"],
        json!({ "label": "Resume (1 new)", "shownWhilePaused": 0 })
    );
    assert_eq!(report["resumed"], 1);
    // Filtered by the searcher, the planner's entries are gone.
    let filtered = report["filtered"].as_array().unwrap();
    assert!(!filtered.is_empty(), "{report}");
    assert!(filtered.iter().all(|a| a == "searcher"), "{filtered:?}");
    assert_eq!(report["sparklines"], 2);
    assert_eq!(report["charts"], 3);
    // A word of the root span's prompt finds that span, and only it.
    assert_eq!(report["found"], json!([root_id]));
    // The trace: three spans, nested, with their own costs, the failed one marked, each
    // opening to its payload.
    let spans = report["spans"].as_array().unwrap();
    let shape: Vec<_> = spans
        .iter()
        .map(|s| {
            (
                s["name"].clone(),
                s["indent"].clone(),
                s["cost"].clone(),
                s["failed"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (
                json!("plan-trip"),
                json!("0px"),
                json!("$0.5000"),
                json!(false)
            ),
            (
                json!("search_flights"),
                json!("16px"),
                json!("$0.2500"),
                json!(false)
            ),
            (
                json!("fetch_prices"),
                json!("32px"),
                json!("$0.2500"),
                json!(true)
            ),
        ]
    );
    let details = |i: usize| spans[i]["details"].as_str().unwrap().to_owned();
    assert!(
        details(0).contains("Plan a weekend in Lisbon"),
        "{}",
        details(0)
    );
    assert!(
        details(1).contains("LIS") && details(1).contains("3 flights"),
        "{}",
        details(1)
    );
    assert!(
        details(2).contains("the fare service timed out"),
        "{}",
        details(2)
    );
    // Analytics: the searcher spent most.
    assert_eq!(
        report["costByAgent"],
        json!([["searcher", "$2.50"], ["planner", "$1.00"]])
    );
}

// Sign-up, log-out, session refresh, settings, alerts and the audit log.
on_both_backends!(
    someone_signs_up_logs_out_signs_in_again_and_stays_signed_in_past_the_token_expiry,
    an_admin_invites_a_viewer_changes_a_role_and_adds_a_pii_pattern_that_redacts_ingest,
    an_alert_rule_created_in_the_browser_fires_on_ingested_errors_and_shows_live,
    the_audit_page_filters_pages_and_says_the_chain_is_intact,
);

async fn someone_signs_up_logs_out_signs_in_again_and_stays_signed_in_past_the_token_expiry(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let email = format!("founder-{}@example.com", uuid::Uuid::now_v7().simple());

    let report = run_flow(
        &app,
        backend,
        "session",
        json!({ "organization": "Browser Co", "email": email, "password": ADMIN_PASSWORD }),
        &["signed-up.png", "logged-out.png", "session-refreshed.png"],
    )
    .await;

    assert_eq!(
        report["signedUpStorage"],
        json!(["humanaios.expires", "humanaios.refresh", "humanaios.token"])
    );
    assert_eq!(report["storageAfterLogOut"], json!([]));
    assert_eq!(report["refreshedByExpiry"], true);
    assert_eq!(report["refreshedAfterRefusal"], true);
    assert_eq!(report["tasksHeading"], "Tasks");
    // The organization exists with its founder as admin.
    let token = app
        .graphql_ok(
            None,
            "mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }",
            json!({ "i": { "email": email, "password": ADMIN_PASSWORD } }),
        )
        .await["logIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let viewer = app
        .graphql_ok(
            Some(&token),
            "{ viewer { role organization { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["viewer"],
        json!({ "role": "ADMIN", "organization": { "name": "Browser Co" } })
    );
    // Logging out ended that sign-in on the server: its refresh token no longer works.
    let refused = app
        .graphql(
            None,
            "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }",
            json!({ "t": report["loggedOutRefreshToken"] }),
        )
        .await;
    assert!(refused["errors"].is_array(), "{refused}");
}

async fn an_admin_invites_a_viewer_changes_a_role_and_adds_a_pii_pattern_that_redacts_ingest(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let operator = app.add_member(&admin.token, entity::Role::Operator).await;
    let operator_email = email_of(&app, &operator).await;
    let agent = app.create_agent(&admin.token, "pii-agent").await;
    let invitee = format!("invitee-{}@example.com", uuid::Uuid::now_v7().simple());

    let report = run_flow(
        &app,
        backend,
        "settings",
        json!({ "email": admin.email, "password": ADMIN_PASSWORD, "inviteeEmail": invitee,
                "inviteePassword": MEMBER_PASSWORD, "operatorEmail": operator_email,
                "patternName": "ORDER_ID", "pattern": "ORD-[0-9]{6}", "model": "house-model-1" }),
        &[
            "invitation-link.png",
            "invitation-accepted.png",
            "settings-admin.png",
        ],
    )
    .await;

    let link = report["invitationLink"].as_str().unwrap();
    assert!(
        link.starts_with(&app.url("/accept-invitation?token=")),
        "{link}"
    );
    assert!(report["inviteeWho"].as_str().unwrap().ends_with("viewer"));
    assert_eq!(report["roleShown"], "viewer");
    assert!(
        report["patternRow"]
            .as_str()
            .unwrap()
            .contains("ORD-[0-9]{6}")
    );
    assert!(report["priceRow"].as_str().unwrap().contains("$1.5"));

    // What the server now holds: the invitee is a viewer, the operator too.
    let members = app
        .graphql_ok(
            Some(&admin.token),
            "{ members(first: 10) { nodes { email role } } }",
            json!({}),
        )
        .await;
    let role_of = |email: &str| {
        members["members"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email)
            .map(|m| m["role"].clone())
    };
    assert_eq!(role_of(&invitee), Some(json!("VIEWER")));
    assert_eq!(role_of(&operator_email), Some(json!("VIEWER")));
    // The price override is in force.
    let prices = app
        .graphql_ok(
            Some(&admin.token),
            "{ modelPrices { model source input output } }",
            json!({}),
        )
        .await;
    assert!(
        prices["modelPrices"].as_array().unwrap().contains(
            &json!({ "model": "house-model-1", "source": "ORGANIZATION", "input": "1.5", "output": "6" })
        ),
        "{prices}"
    );
    // The pattern redacts what is ingested from now on.
    let key = app.create_api_key(&admin.token).await;
    let mut activity = crate::helpers::activity(&agent, "TOOL_CALL", "0.001");
    activity["payload"] = json!({ "order": "ORD-123456 shipped" });
    let recorded = app.record(&key, json!([activity])).await;
    assert_eq!(
        recorded["data"]["recordActivities"]["inserted"], 1,
        "{recorded}"
    );
    let stored = app
        .graphql_ok(
            Some(&admin.token),
            "{ activities(first: 1) { nodes { payload } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        stored["activities"]["nodes"][0]["payload"],
        json!({ "order": "[REDACTED:ORDER_ID] shipped" })
    );
}

async fn an_alert_rule_created_in_the_browser_fires_on_ingested_errors_and_shows_live(
    backend: Backend,
) {
    let app = crate::helpers::spawn_app_with(backend, |config| {
        config.alert_interval_seconds = 1;
        config.webhook_retry_seconds = 1;
    })
    .await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "flaky-agent").await;
    let key = app.create_api_key(&admin.token).await;
    let rule_name = "Too many errors";
    // Nothing listens there: each delivery fails and says why.
    let webhook_url = "http://127.0.0.1:9/hooks/humanaios";

    let report = run_flow(
        &app,
        backend,
        "alerts",
        json!({ "email": admin.email, "password": ADMIN_PASSWORD, "apiKey": key,
                "agentId": agent, "ruleName": rule_name, "webhookUrl": webhook_url }),
        &["alert-fired.png", "alert-webhook-deliveries.png"],
    )
    .await;

    assert!(
        report["ruleRow"]
            .as_str()
            .unwrap()
            .contains("error rate > 0.5 over 5 min")
    );
    assert_eq!(report["firedRule"], rule_name);
    assert!(!report["webhookSecret"].as_str().unwrap().is_empty());
    assert!(
        report["deliveryRow"].as_str().unwrap().contains("pending")
            || report["deliveryRow"].as_str().unwrap().contains("failed"),
        "{}",
        report["deliveryRow"]
    );
    // The server holds the rule as created and the alert as shown.
    let data = app
        .graphql_ok(
            Some(&admin.token),
            "{ alertRules { name kind threshold windowMinutes agentId }
               alerts(first: 5) { nodes { ruleName agentId firing message } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["alertRules"],
        json!([{ "name": rule_name, "kind": "ERROR_RATE", "threshold": "0.5",
                 "windowMinutes": 5, "agentId": null }])
    );
    let alert = &data["alerts"]["nodes"][0];
    assert_eq!(
        (&alert["ruleName"], &alert["agentId"], &alert["firing"]),
        (&json!(rule_name), &json!(agent), &json!(true))
    );
    assert_eq!(alert["message"], report["firedMessage"]);
}

async fn the_audit_page_filters_pages_and_says_the_chain_is_intact(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    // More than a page (25) of entries, some of them about agents.
    for i in 0..30 {
        app.create_agent(&admin.token, &format!("audited-{i}"))
            .await;
    }

    let report = run_flow(
        &app,
        backend,
        "audit",
        json!({ "email": admin.email, "password": ADMIN_PASSWORD }),
        &["audit-verified.png"],
    )
    .await;

    assert_eq!(report["firstPage"], 25);
    assert!(report["secondPage"].as_u64().unwrap() >= 6);
    let actions = report["filteredActions"].as_array().unwrap();
    assert!(!actions.is_empty());
    assert!(
        actions
            .iter()
            .all(|a| a.as_str().unwrap().starts_with("agent."))
    );
    let verdict = report["verdict"].as_str().unwrap();
    assert!(verdict.starts_with("The chain is intact"), "{verdict}");
    let server = app
        .graphql_ok(
            Some(&admin.token),
            "{ verifyAuditChain { ok checked } }",
            json!({}),
        )
        .await;
    assert_eq!(server["verifyAuditChain"]["ok"], true);
    assert!(verdict.contains(&format!(
        "{} records checked",
        server["verifyAuditChain"]["checked"]
    )));
}

on_both_backends!(the_assign_form_offers_the_nearer_member_first_and_the_task_shows_its_history);

async fn the_assign_form_offers_the_nearer_member_first_and_the_task_shows_its_history(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "dispatch-agent").await;
    // Brussels Grand-Place; one worker two streets away, one in Antwerp.
    let (near, far) = (
        app.add_member(&admin.token, entity::Role::Viewer).await,
        app.add_member(&admin.token, entity::Role::Viewer).await,
    );
    for (token, lat, lon) in [(&far, 51.2194, 4.4025), (&near, 50.8485, 4.3540)] {
        app.graphql_ok(
            Some(token),
            "mutation($lat: Float, $lon: Float) { updateMyLocation(latitude: $lat, longitude: $lon, available: true) { id } }",
            json!({ "lat": lat, "lon": lon }),
        )
        .await;
    }
    let near_email = email_of(&app, &near).await;
    let far_email = email_of(&app, &far).await;
    let title = "Check the shop window at the Grand-Place";
    let task = app
        .graphql_ok(
            Some(&admin.token),
            "mutation($i: CreateHumanTaskInput!) { createHumanTask(input: $i) { task { id } } }",
            json!({ "i": { "agentId": agent, "title": title, "type": "INSPECTION",
                           "latitude": 50.8467, "longitude": 4.3525, "address": "Grand-Place, Brussels" } }),
        )
        .await["createHumanTask"]["task"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.graphql_ok(
        Some(&admin.token),
        "mutation($id: ID!) { approveHumanTask(id: $id) { id } }",
        json!({ "id": task }),
    )
    .await;

    let report = run_flow(
        &app,
        backend,
        "assign",
        json!({ "email": admin.email, "password": ADMIN_PASSWORD, "title": title }),
        &["assign-suggestions.png", "task-history.png"],
    )
    .await;

    let choices: Vec<String> = serde_json::from_value(report["choices"].clone()).unwrap();
    assert!(
        choices[0].starts_with(&format!("{near_email} · ")) && choices[0].ends_with(" m · 0 open"),
        "{choices:?}"
    );
    assert!(
        choices[1].starts_with(&format!("{far_email} · ")) && choices[1].contains(" km · "),
        "{choices:?}"
    );
    let history: Vec<String> = serde_json::from_value(report["history"].clone()).unwrap();
    assert_eq!(history, ["task.assign", "task.approve", "task.create"]);
    let assigned = app
        .graphql_ok(
            Some(&admin.token),
            "query($id: ID!) { humanTask(id: $id) { status assignee { email } } }",
            json!({ "id": task }),
        )
        .await;
    assert_eq!(
        assigned["humanTask"],
        json!({ "status": "ASSIGNED", "assignee": { "email": near_email } })
    );
}

on_both_backends!(an_operator_signs_in_moves_around_and_approves_with_the_keyboard_only);

async fn an_operator_signs_in_moves_around_and_approves_with_the_keyboard_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let operator = app.add_member(&admin.token, entity::Role::Operator).await;
    let email = email_of(&app, &operator).await;
    let agent = app.create_agent(&admin.token, "keyboard-agent").await;
    let title = "Allow the keyboard refund";
    let task = create_task(&app, &admin.token, &agent, title, "APPROVAL").await;

    let sections = ["Agents", "Tasks", "My tasks"];
    let report = run_flow(
        &app,
        backend,
        "keyboard",
        json!({ "email": email, "password": MEMBER_PASSWORD,
                "sections": sections, "taskTitle": title }),
        &["keyboard-sections.png", "keyboard-focus-approve.png"],
    )
    .await;

    assert_eq!(report["reached"], json!(sections));
    assert_eq!(
        report["unringed"],
        json!([]),
        "every control reached with Tab shows where the focus is"
    );
    assert_eq!(report["approved"], true);
    assert_eq!(
        task_state(&app, &admin.token, &task).await["status"],
        "COMPLETED",
        "the approval pressed with Enter reached the server"
    );
}
