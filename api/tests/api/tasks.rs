//! Human tasks end to end: raised by an agent, approved, assigned, started and completed by
//! people over GraphQL and REST, and the answer back to the agent over its subscription,
//! its signed callback and polling; the version guard under real concurrency; radius search
//! against brute force; and the errors a user gets for steps that cannot happen.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entity::{Role, TaskSource, TaskType};
use humanaios::tasks::geo::{Point, distance_km};
use rand::Rng as _;
use sea_orm::{ActiveModelTrait as _, IntoActiveModel as _};
use serde_json::{Value, json};

use crate::alerts::{Received, spawn_receiver};
use crate::helpers::{Backend, TestApp, error_code, spawn_app};
use crate::subscriptions::{next_message, open};
use humanaios::on_both_backends;

on_both_backends!(
    an_agents_request_is_approved_assigned_done_and_answered_on_every_channel,
    a_human_request_activity_opens_one_task_even_when_retried,
    of_concurrent_approvals_exactly_one_wins,
    radius_search_finds_exactly_what_brute_force_finds,
    steps_that_cannot_happen_are_refused_with_clear_errors,
    a_budget_over_the_limit_takes_an_admin_and_suggestions_are_nearest_first,
    another_orgs_tasks_agents_and_members_are_out_of_reach,
    an_activity_that_needs_a_person_opens_a_task_and_the_classifier_refines_it,
);

const TASK_FIELDS: &str = "id status version result resultNote assignedTo failureReason";

pub(crate) async fn user_id(app: &TestApp, token: &str) -> String {
    app.graphql_ok(Some(token), "{ viewer { user { id } } }", json!({}))
        .await["viewer"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Sends a REST request and returns the status and JSON body.
pub(crate) async fn rest(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            app.url(path),
        )
        .bearer_auth(token);
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Waits until `check` holds for what the receiver saw.
async fn wait_for(received: &Arc<Mutex<Received>>, check: impl Fn(&Received) -> bool) {
    for _ in 0..200 {
        if check(&received.lock().unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the callback receiver never saw what was expected");
}

/// The next `humanTaskUpdated` payload on the socket.
async fn next_update(ws: &mut crate::subscriptions::Socket) -> Value {
    let message = next_message(ws).await;
    assert_eq!(message["type"], "next", "{message}");
    message["payload"]["data"]["humanTaskUpdated"].clone()
}

async fn an_agents_request_is_approved_assigned_done_and_answered_on_every_channel(
    backend: Backend,
) {
    // The receiver refuses its first request, so the callback must be retried.
    let app = crate::helpers::spawn_app_with(backend, |c| c.webhook_retry_seconds = 1).await;
    let admin = app.sign_up().await;
    let operator = app.add_member(&admin.token, Role::Operator).await;
    let worker = app.add_member(&admin.token, Role::Viewer).await;
    let worker_id = user_id(&app, &worker).await;
    let agent = app.create_agent(&admin.token, "field-agent").await;
    let agent_key = app.create_api_key(&admin.token).await;
    let received = Arc::new(Mutex::new(Received::default()));
    let receiver = spawn_receiver(received.clone()).await;

    // The agent asks over REST with its key, and hears back on a subscription with it too.
    let (status, created) = rest(
        &app,
        &agent_key,
        "POST",
        "/api/v1/tasks",
        json!({
            "agentId": agent,
            "title": "Verify the storefront is open",
            "description": "Customer says the shop closed; confirm with a photo.",
            "type": "VERIFICATION",
            "latitude": 40.7128,
            "longitude": -74.006,
            "address": "1 Main St, New York",
            "budgetUsd": "25.50",
            "deadline": "2030-01-01T17:00:00Z",
            "callbackUrl": format!("http://{receiver}/hook"),
        }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["version"], 1);
    assert_eq!(created["budgetUsd"], "25.5");
    assert_eq!(created["source"], "API");
    let task = created["id"].as_str().unwrap().to_owned();
    let secret = created["callbackSecret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    received.lock().unwrap().secret = secret;
    let mut agent_socket = open(
        &app,
        &agent_key,
        &format!("subscription($id: ID!) {{ humanTaskUpdated(taskId: $id) {{ {TASK_FIELDS} }} }}"),
        json!({ "id": task }),
    )
    .await;
    // Give the subscription a moment to be registered before the first change.
    tokio::time::sleep(Duration::from_millis(200)).await;

    // An operator approves over GraphQL, then assigns over REST.
    let approved = app
        .graphql_ok(
            Some(&operator),
            &format!("mutation($id: ID!) {{ approveHumanTask(id: $id, expectedVersion: 1) {{ {TASK_FIELDS} }} }}"),
            json!({ "id": task }),
        )
        .await;
    assert_eq!(approved["approveHumanTask"]["status"], "APPROVED");
    let (status, assigned) = rest(
        &app,
        &operator,
        "POST",
        &format!("/api/v1/tasks/{task}/assign"),
        json!({ "assigneeId": worker_id, "expectedVersion": 2 }),
    )
    .await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["status"], "ASSIGNED");
    assert_eq!(assigned["assignedTo"], worker_id.as_str());

    // The worker (a viewer) sees it in their tasks, starts it over GraphQL and completes it
    // over REST.
    let mine = app
        .graphql_ok(
            Some(&worker),
            "{ myTasks { nodes { id status } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["myTasks"]["nodes"],
        json!([{ "id": task, "status": "ASSIGNED" }])
    );
    let started = app
        .graphql_ok(
            Some(&worker),
            "mutation($id: ID!) { startHumanTask(id: $id) { status } }",
            json!({ "id": task }),
        )
        .await;
    assert_eq!(started["startHumanTask"]["status"], "IN_PROGRESS");
    let result = json!({ "open": false, "photos": ["https://example.com/p1.jpg"] });
    let (status, completed) = rest(
        &app,
        &worker,
        "POST",
        &format!("/api/v1/tasks/{task}/complete"),
        json!({ "result": result, "note": "Shutters down, sign says closed for good." }),
    )
    .await;
    assert_eq!(status, 200, "{completed}");
    assert_eq!(completed["status"], "COMPLETED");
    assert_eq!(completed["version"], 5);

    // The agent heard every step on its subscription, ending with the result.
    let mut statuses = Vec::new();
    let mut last = Value::Null;
    while statuses.len() < 4 {
        last = next_update(&mut agent_socket).await;
        statuses.push(last["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        statuses,
        ["APPROVED", "ASSIGNED", "IN_PROGRESS", "COMPLETED"]
    );
    assert_eq!(last["result"], result);
    assert_eq!(
        last["resultNote"],
        "Shutters down, sign says closed for good."
    );

    // Its callback got every change, signed (the first attempt was refused and retried),
    // in version order, the last carrying the result.
    wait_for(&received, |r| {
        r.verified
            .iter()
            .any(|body| body["task"]["status"] == "COMPLETED")
    })
    .await;
    {
        let seen = received.lock().unwrap();
        assert_eq!(seen.forged, 0);
        let versions: Vec<i64> = seen
            .verified
            .iter()
            .map(|b| b["task"]["version"].as_i64().unwrap())
            .collect();
        assert_eq!(versions, [2, 3, 4, 5], "one delivery per change, in order");
        let last = seen.verified.last().unwrap();
        assert_eq!(last["event"], "human_task.updated");
        assert_eq!(last["task"]["result"], result);
        assert!(last["task"].get("callbackSecret").is_none());
    }
    // The receiver has the last body a moment before the server records the answer.
    let mut deliveries = Vec::new();
    for _ in 0..100 {
        let data = app
            .graphql_ok(
                Some(&operator),
                "query($id: ID!) { humanTask(id: $id) { callbackDeliveries { taskVersion status attempts } } }",
                json!({ "id": task }),
            )
            .await;
        deliveries = data["humanTask"]["callbackDeliveries"]
            .as_array()
            .unwrap()
            .clone();
        if deliveries.iter().all(|d| d["status"] == "DELIVERED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(deliveries.len(), 4);
    assert!(deliveries.iter().all(|d| d["status"] == "DELIVERED"));
    assert!(
        deliveries
            .iter()
            .any(|d| d["taskVersion"] == 2 && d["attempts"] == 2),
        "the refused first delivery was retried: {deliveries:?}"
    );

    // And polling with the agent's key reads the same answer.
    let (status, polled) = rest(
        &app,
        &agent_key,
        "GET",
        &format!("/api/v1/tasks/{task}"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(polled["status"], "COMPLETED");
    assert_eq!(polled["result"], result);

    // Every step is in the audit log, attributed.
    let log = app
        .graphql_ok(
            Some(&admin.token),
            "query($id: ID!) { auditLog(targetId: $id) { nodes { action actorLabel } } }",
            json!({ "id": task }),
        )
        .await;
    let actions: BTreeSet<String> = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = [
        "task.create",
        "task.approve",
        "task.assign",
        "task.start",
        "task.complete",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    assert_eq!(actions, expected);

    // The person's pay shows in the cost analytics beside the agent's own spend, per agent
    // and per day, over GraphQL and REST alike.
    let data = app
        .graphql_ok(
            Some(&admin.token),
            "{ analytics {
                byAgent: costs(groupBy: AGENT) { totals { humanCostUsd humanTasks } groups { agentId totals { costUsd humanCostUsd humanTasks } } }
                byDay: costs(groupBy: DAY) { groups { totals { humanCostUsd } } }
            } }",
            json!({}),
        )
        .await;
    let by_agent = &data["analytics"]["byAgent"];
    assert_eq!(
        by_agent["totals"],
        json!({ "humanCostUsd": "25.5", "humanTasks": 1 })
    );
    assert_eq!(
        by_agent["groups"],
        json!([{ "agentId": agent, "totals": { "costUsd": "0", "humanCostUsd": "25.5", "humanTasks": 1 } }])
    );
    let paid_days: Vec<&Value> = data["analytics"]["byDay"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["totals"]["humanCostUsd"] != "0")
        .collect();
    assert_eq!(paid_days.len(), 1);
    assert_eq!(paid_days[0]["totals"]["humanCostUsd"], "25.5");
    let (status, body) = rest(
        &app,
        &admin.token,
        "GET",
        "/api/v1/analytics/costs?groupBy=AGENT",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["totals"]["humanCostUsd"], "25.5");
}

async fn a_human_request_activity_opens_one_task_even_when_retried(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "courier-bot").await;
    let key = app.create_api_key(&admin.token).await;
    let request = json!({
        "id": uuid::Uuid::now_v7().to_string(),
        "agentId": agent,
        "type": "HUMAN_REQUEST",
        "payload": {
            "title": "Pick up the signed contract",
            "description": "From the front desk, before 5pm.",
            "taskType": "PICKUP",
            "location": { "lat": 51.5074, "lng": -0.1278 },
            "address": "10 Downing St, London",
            "budgetUsd": "40",
        },
    });
    for _ in 0..2 {
        let answer = app.record(&key, json!([request])).await;
        assert!(answer["errors"].is_null(), "{answer}");
    }
    let tasks = app
        .graphql_ok(
            Some(&admin.token),
            "{ humanTasks { nodes { title type status source sourceActivityId latitude longitude address budgetUsd } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        tasks["humanTasks"]["nodes"],
        json!([{
            "title": "Pick up the signed contract",
            "type": "PICKUP",
            "status": "PENDING",
            "source": "REQUEST",
            "sourceActivityId": request["id"],
            "latitude": 51.5074,
            "longitude": -0.1278,
            "address": "10 Downing St, London",
            "budgetUsd": "40",
        }])
    );

    // A request whose payload cannot make a task is refused whole, naming the field.
    let mut bad = request.clone();
    bad["id"] = json!(uuid::Uuid::now_v7().to_string());
    bad["payload"]["budgetUsd"] = json!("-3");
    let answer = app.record(&key, json!([bad])).await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{answer}");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("activities[0].payload.budgetUsd"),
        "{answer}"
    );
}

async fn of_concurrent_approvals_exactly_one_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "agent").await;
    let mut operators = Vec::new();
    for _ in 0..8 {
        operators.push(app.add_member(&admin.token, Role::Operator).await);
    }
    let created = app
        .graphql_ok(
            Some(&admin.token),
            "mutation($a: ID!) { createHumanTask(input: { agentId: $a, title: \"Approve me\" }) { task { id } } }",
            json!({ "a": agent }),
        )
        .await;
    let task = created["createHumanTask"]["task"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Eight operators approve at once, each from version 1.
    let barrier = Arc::new(tokio::sync::Barrier::new(operators.len()));
    let attempts = operators.into_iter().map(|token| {
        let app = &app;
        let task = task.clone();
        let barrier = barrier.clone();
        async move {
            barrier.wait().await;
            app.graphql(
                Some(&token),
                "mutation($id: ID!) { approveHumanTask(id: $id, expectedVersion: 1) { status version } }",
                json!({ "id": task }),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let winners: Vec<&Value> = answers.iter().filter(|a| a["errors"].is_null()).collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    assert_eq!(
        winners[0]["data"]["approveHumanTask"],
        json!({ "status": "APPROVED", "version": 2 })
    );
    for loser in answers.iter().filter(|a| !a["errors"].is_null()) {
        assert_eq!(error_code(loser), "VERSION_CONFLICT", "{loser}");
        assert!(
            loser["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("version 2 and APPROVED"),
            "{loser}"
        );
    }
    let log = app
        .graphql_ok(
            Some(&admin.token),
            "query($id: ID!) { auditLog(targetId: $id) { nodes { action } } }",
            json!({ "id": task }),
        )
        .await;
    let approvals = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["action"] == "task.approve")
        .count();
    assert_eq!(approvals, 1, "one approval recorded");
}

async fn radius_search_finds_exactly_what_brute_force_finds(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "agent").await;
    let org: uuid::Uuid = app
        .graphql_ok(
            Some(&admin.token),
            "{ viewer { organization { id } } }",
            json!({}),
        )
        .await["viewer"]["organization"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // 600 random points: a cluster around Berlin, some across the antimeridian near Fiji,
    // some near the North Pole, and some anywhere.
    let mut rng = rand::rng();
    let mut points = Vec::new();
    for i in 0..600 {
        let (lat, lng) = match i % 4 {
            0 => (
                52.52 + rng.random_range(-1.0..1.0),
                13.40 + rng.random_range(-1.5..1.5),
            ),
            1 => (-17.7 + rng.random_range(-2.0..2.0), {
                let lng: f64 = 179.5 + rng.random_range(-2.0..2.0);
                if lng > 180.0 { lng - 360.0 } else { lng }
            }),
            2 => (
                rng.random_range(87.0..90.0),
                rng.random_range(-180.0..180.0),
            ),
            _ => (
                rng.random_range(-90.0..90.0),
                rng.random_range(-180.0..180.0),
            ),
        };
        let input = humanaios::tasks::service::NewTask {
            agent_id: agent.parse().unwrap(),
            title: format!("point {i}"),
            latitude: Some(lat),
            longitude: Some(lng),
            ..Default::default()
        };
        let mut task = humanaios::tasks::service::draft(
            entity::OrgId(org),
            input,
            TaskSource::Api,
            None,
            chrono::Utc::now() - chrono::Duration::seconds(i),
            "",
        )
        .unwrap();
        task.task_type = TaskType::Inspection;
        task.into_active_model()
            .insert(&app.state.db)
            .await
            .unwrap();
        points.push((format!("point {i}"), Point { lat, lng }));
    }
    // One task without a place, which no radius search finds.
    app.graphql_ok(
        Some(&admin.token),
        "mutation($a: ID!) { createHumanTask(input: { agentId: $a, title: \"nowhere\" }) { task { id } } }",
        json!({ "a": agent }),
    )
    .await;

    for (lat, lng, radius_km) in [
        (52.52, 13.40, 25.0),
        (52.52, 13.40, 80.0),
        (-17.7, 179.9, 150.0),
        (-17.7, -179.9, 300.0),
        (89.5, 0.0, 200.0),
        (0.0, 0.0, 5_000.0),
    ] {
        let center = Point { lat, lng };
        let expected: BTreeSet<String> = points
            .iter()
            .filter(|(_, p)| distance_km(center, *p) <= radius_km)
            .map(|(title, _)| title.clone())
            .collect();
        // Page through GraphQL with small pages, and read REST once.
        let mut found = BTreeSet::new();
        let mut after: Option<String> = None;
        loop {
            let data = app
                .graphql_ok(
                    Some(&admin.token),
                    "query($near: NearInput!, $after: String) { humanTasks(near: $near, first: 7, after: $after) { nodes { title } pageInfo { hasNextPage endCursor } } }",
                    json!({ "near": { "lat": lat, "lng": lng, "radiusKm": radius_km }, "after": after }),
                )
                .await;
            let page = &data["humanTasks"];
            for node in page["nodes"].as_array().unwrap() {
                assert!(
                    found.insert(node["title"].as_str().unwrap().to_owned()),
                    "no task twice across pages"
                );
            }
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        assert_eq!(found, expected, "near ({lat}, {lng}) within {radius_km} km");
        let (status, body) = rest(
            &app,
            &admin.token,
            "GET",
            &format!("/api/v1/tasks?near={lat},{lng},{radius_km}&type=INSPECTION&first=100"),
            Value::Null,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let rest_found: BTreeSet<String> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect();
        let first_hundred = expected.len().min(100);
        assert_eq!(rest_found.len(), first_hundred);
        assert!(rest_found.is_subset(&expected));
    }
}

async fn steps_that_cannot_happen_are_refused_with_clear_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let viewer = app.add_member(&admin.token, Role::Viewer).await;
    let other_viewer = app.add_member(&admin.token, Role::Viewer).await;
    let viewer_id = user_id(&app, &viewer).await;
    let agent = app.create_agent(&admin.token, "agent").await;
    let create = |title: &str| json!({ "agentId": agent, "title": title });
    let (_, task) = rest(
        &app,
        &admin.token,
        "POST",
        "/api/v1/tasks",
        create("Inspect the roof"),
    )
    .await;
    let task = task["id"].as_str().unwrap().to_owned();

    // Completing a pending task: the error names the state.
    let (status, body) = rest(
        &app,
        &admin.token,
        "POST",
        &format!("/api/v1/tasks/{task}/complete"),
        json!({ "result": {} }),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "ILLEGAL_TRANSITION");
    assert_eq!(
        body["error"]["message"],
        "cannot complete a task that is PENDING; allowed from: IN_PROGRESS"
    );
    // A stale version.
    let answer = app
        .graphql(
            Some(&admin.token),
            "mutation($id: ID!) { approveHumanTask(id: $id, expectedVersion: 7) { id } }",
            json!({ "id": task }),
        )
        .await;
    assert_eq!(error_code(&answer), "VERSION_CONFLICT");

    // Approve and assign to the viewer; another viewer may not start it, the assignee may;
    // failing takes a reason.
    rest(
        &app,
        &admin.token,
        "POST",
        &format!("/api/v1/tasks/{task}/approve"),
        Value::Null,
    )
    .await;
    let (status, body) = rest(
        &app,
        &admin.token,
        "POST",
        &format!("/api/v1/tasks/{task}/assign"),
        json!({ "assigneeId": uuid::Uuid::now_v7() }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("BAD_USER_INPUT")),
        "{body}"
    );
    let (status, _) = rest(
        &app,
        &admin.token,
        "POST",
        &format!("/api/v1/tasks/{task}/assign"),
        json!({ "assigneeId": viewer_id }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = rest(
        &app,
        &other_viewer,
        "POST",
        &format!("/api/v1/tasks/{task}/start"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("FORBIDDEN")),
        "{body}"
    );
    let (status, body) = rest(
        &app,
        &viewer,
        "POST",
        &format!("/api/v1/tasks/{task}/fail"),
        json!({ "reason": "  " }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("reason: is required"))
    );
    let (status, body) = rest(
        &app,
        &viewer,
        "POST",
        &format!("/api/v1/tasks/{task}/fail"),
        json!({ "reason": "The roof is locked" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "FAILED");
    assert_eq!(body["failureReason"], "The roof is locked");
    // Final: nothing more, not even an update.
    let (status, body) = rest(
        &app,
        &admin.token,
        "PATCH",
        &format!("/api/v1/tasks/{task}"),
        json!({ "title": "again" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("ILLEGAL_TRANSITION"))
    );

    // Bad input when creating names the field.
    for (input, field) in [
        (json!({ "agentId": agent, "title": "" }), "title"),
        (
            json!({ "agentId": agent, "title": "x", "latitude": 91, "longitude": 0 }),
            "location.latitude",
        ),
        (
            json!({ "agentId": agent, "title": "x", "latitude": 10 }),
            "location",
        ),
        (
            json!({ "agentId": agent, "title": "x", "callbackUrl": "ftp://example.com" }),
            "callbackUrl",
        ),
        (
            json!({ "agentId": agent, "title": "x".repeat(201) }),
            "title",
        ),
    ] {
        let (status, body) = rest(&app, &admin.token, "POST", "/api/v1/tasks", input.clone()).await;
        assert_eq!(status, 422, "{input}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{field}:")),
            "{input}: {body}"
        );
    }
    let (status, body) = rest(
        &app,
        &admin.token,
        "POST",
        "/api/v1/tasks",
        json!({ "agentId": agent, "title": "x", "budgetUsd": "1.0000000001" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("MALFORMED_REQUEST")),
        "{body}"
    );
    let (status, body) = rest(
        &app,
        &admin.token,
        "GET",
        "/api/v1/tasks?near=1,2",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("near: must be lat,lng,radiusKm"))
    );
    let (status, _) = rest(
        &app,
        &admin.token,
        "GET",
        &format!("/api/v1/tasks/{}", uuid::Uuid::now_v7()),
        Value::Null,
    )
    .await;
    assert_eq!(status, 404);
}

async fn a_budget_over_the_limit_takes_an_admin_and_suggestions_are_nearest_first(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let operator = app.add_member(&admin.token, Role::Operator).await;
    let agent = app.create_agent(&admin.token, "agent").await;
    app.graphql_ok(
        Some(&admin.token),
        "mutation { updateOrganization(input: { settings: { tasks: { budgetLimitUsd: \"100\" } } }) { id } }",
        json!({}),
    )
    .await;
    let answer = app
        .graphql(
            Some(&admin.token),
            "mutation { updateOrganization(input: { settings: { tasks: { budgetLimitUsd: \"lots\" } } }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");

    let make = |budget: &str| json!({ "agentId": agent, "title": "Attend the site meeting", "type": "ATTENDANCE", "budgetUsd": budget, "latitude": 48.8566, "longitude": 2.3522 });
    let (_, cheap) = rest(&app, &operator, "POST", "/api/v1/tasks", make("100")).await;
    let (_, dear) = rest(&app, &operator, "POST", "/api/v1/tasks", make("100.01")).await;
    let (status, _) = rest(
        &app,
        &operator,
        "POST",
        &format!("/api/v1/tasks/{}/approve", cheap["id"].as_str().unwrap()),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "at the limit an operator approves");
    let dear = dear["id"].as_str().unwrap();
    let (status, body) = rest(
        &app,
        &operator,
        "POST",
        &format!("/api/v1/tasks/{dear}/approve"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("FORBIDDEN")),
        "{body}"
    );
    let (status, body) = rest(
        &app,
        &admin.token,
        "POST",
        &format!("/api/v1/tasks/{dear}/approve"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Workers say where they are; suggestions put the nearest available first.
    let near = app.add_member(&admin.token, Role::Viewer).await;
    let far = app.add_member(&admin.token, Role::Viewer).await;
    let away = app.add_member(&admin.token, Role::Viewer).await;
    for (token, lat, lng, available) in [
        (&near, 48.86, 2.35, true),
        (&far, 45.76, 4.84, true),
        (&away, 48.8566, 2.3522, false),
    ] {
        let (status, body) = rest(
            &app,
            token,
            "PUT",
            "/api/v1/me/location",
            json!({ "latitude": lat, "longitude": lng, "available": available }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let data = app
        .graphql_ok(
            Some(&operator),
            "query($id: ID!) { assigneeSuggestions(taskId: $id) { member { id } distanceKm openTasks } }",
            json!({ "id": dear }),
        )
        .await;
    let suggestions = data["assigneeSuggestions"].as_array().unwrap();
    let ids: Vec<&str> = suggestions
        .iter()
        .map(|s| s["member"]["id"].as_str().unwrap())
        .collect();
    let near_id = user_id(&app, &near).await;
    let far_id = user_id(&app, &far).await;
    assert_eq!(&ids[..2], [near_id.as_str(), far_id.as_str()]);
    assert!(
        !ids.contains(&user_id(&app, &away).await.as_str()),
        "unavailable members are not suggested"
    );
    assert!(suggestions[0]["distanceKm"].as_f64().unwrap() < 1.0);
    let lyon = suggestions[1]["distanceKm"].as_f64().unwrap();
    assert!((390.0..395.0).contains(&lyon), "Paris–Lyon {lyon}");
}

async fn another_orgs_tasks_agents_and_members_are_out_of_reach(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let alices_agent = app.create_agent(&alice.token, "alices").await;
    let bobs_agent = app.create_agent(&bob.token, "bobs").await;
    let bobs_id = user_id(&app, &bob.token).await;
    let (_, bobs_task) = rest(
        &app,
        &bob.token,
        "POST",
        "/api/v1/tasks",
        json!({ "agentId": bobs_agent, "title": "Bob's errand", "latitude": 1.0, "longitude": 1.0 }),
    )
    .await;
    let bobs_task = bobs_task["id"].as_str().unwrap().to_owned();
    let (_, alices_task) = rest(
        &app,
        &alice.token,
        "POST",
        "/api/v1/tasks",
        json!({ "agentId": alices_agent, "title": "Alice's errand" }),
    )
    .await;
    let alices_task = alices_task["id"].as_str().unwrap().to_owned();

    // Alice's subscription to Bob's task hears nothing of it.
    let mut socket = open(
        &app,
        &alice.token,
        "subscription($id: ID!) { humanTaskUpdated(taskId: $id) { id } }",
        json!({ "id": bobs_task }),
    )
    .await;

    // Lists filtered by Bob's agent, Bob himself or Bob's place find nothing of his.
    let data = app
        .graphql_ok(
            Some(&alice.token),
            "query($agent: ID!, $bob: ID!) {
                byAgent: humanTasks(agentId: $agent) { nodes { id } }
                byAssignee: humanTasks(assignedTo: $bob) { nodes { id } }
                byPlace: humanTasks(near: { lat: 1.0, lng: 1.0, radiusKm: 10 }) { nodes { id } }
            }",
            json!({ "agent": bobs_agent, "bob": bobs_id }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "byAgent": { "nodes": [] }, "byAssignee": { "nodes": [] }, "byPlace": { "nodes": [] } })
    );
    for (query, variables) in [
        (
            "query($id: ID!) { humanTask(id: $id) { id } }",
            json!({ "id": bobs_task }),
        ),
        (
            "query($id: ID!) { assigneeSuggestions(taskId: $id) { openTasks } }",
            json!({ "id": bobs_task }),
        ),
        (
            "mutation($id: ID!) { createHumanTask(input: { agentId: $id, title: \"x\" }) { task { id } } }",
            json!({ "id": bobs_agent }),
        ),
        (
            "mutation($id: ID!) { updateHumanTask(id: $id, input: { title: \"x\" }) { id } }",
            json!({ "id": bobs_task }),
        ),
        (
            "mutation($id: ID!) { approveHumanTask(id: $id) { id } }",
            json!({ "id": bobs_task }),
        ),
        (
            "mutation($id: ID!) { rejectHumanTask(id: $id) { id } }",
            json!({ "id": bobs_task }),
        ),
        (
            "mutation($id: ID!) { assignHumanTask(id: $id, assigneeId: $id) { id } }",
            json!({ "id": bobs_task }),
        ),
        (
            "mutation($id: ID!) { startHumanTask(id: $id) { id } }",
            json!({ "id": bobs_task }),
        ),
        (
            "mutation($id: ID!) { completeHumanTask(id: $id, result: {}) { id } }",
            json!({ "id": bobs_task }),
        ),
        (
            "mutation($id: ID!) { failHumanTask(id: $id, reason: \"x\") { id } }",
            json!({ "id": bobs_task }),
        ),
        (
            "mutation($id: ID!) { cancelHumanTask(id: $id) { id } }",
            json!({ "id": bobs_task }),
        ),
    ] {
        let answer = app.graphql(Some(&alice.token), query, variables).await;
        assert_eq!(error_code(&answer), "NOT_FOUND", "{query}: {answer}");
    }
    for (method, path, body) in [
        ("GET", format!("/api/v1/tasks/{bobs_task}"), Value::Null),
        (
            "PATCH",
            format!("/api/v1/tasks/{bobs_task}"),
            json!({ "title": "x" }),
        ),
        (
            "POST",
            format!("/api/v1/tasks/{bobs_task}/approve"),
            Value::Null,
        ),
        (
            "POST",
            format!("/api/v1/tasks/{bobs_task}/reject"),
            Value::Null,
        ),
        (
            "POST",
            format!("/api/v1/tasks/{bobs_task}/assign"),
            json!({ "assigneeId": bobs_id }),
        ),
        (
            "POST",
            format!("/api/v1/tasks/{bobs_task}/start"),
            Value::Null,
        ),
        (
            "POST",
            format!("/api/v1/tasks/{bobs_task}/complete"),
            json!({ "result": {} }),
        ),
        (
            "POST",
            format!("/api/v1/tasks/{bobs_task}/fail"),
            json!({ "reason": "x" }),
        ),
        (
            "POST",
            format!("/api/v1/tasks/{bobs_task}/cancel"),
            Value::Null,
        ),
        (
            "GET",
            format!("/api/v1/tasks/{bobs_task}/suggestions"),
            Value::Null,
        ),
    ] {
        let (status, body) = rest(&app, &alice.token, method, &path, body).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
    }
    // Bob is no member of Alice's organization, so her task cannot go to him.
    rest(
        &app,
        &alice.token,
        "POST",
        &format!("/api/v1/tasks/{alices_task}/approve"),
        Value::Null,
    )
    .await;
    let (status, body) = rest(
        &app,
        &alice.token,
        "POST",
        &format!("/api/v1/tasks/{alices_task}/assign"),
        json!({ "assigneeId": bobs_id }),
    )
    .await;
    assert_eq!(status, 422, "{body}");

    // Bob's task is as he left it; his change reaches his org only. Alice's own change is
    // the marker that her socket is live.
    let (_, bob_view) = rest(
        &app,
        &bob.token,
        "GET",
        &format!("/api/v1/tasks/{bobs_task}"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (bob_view["status"].as_str(), bob_view["version"].as_i64()),
        (Some("PENDING"), Some(1))
    );
    rest(
        &app,
        &bob.token,
        "POST",
        &format!("/api/v1/tasks/{bobs_task}/approve"),
        Value::Null,
    )
    .await;
    let mut mine = open(
        &app,
        &alice.token,
        "subscription($id: ID!) { humanTaskUpdated(taskId: $id) { id } }",
        json!({ "id": alices_task }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    rest(
        &app,
        &alice.token,
        "POST",
        &format!("/api/v1/tasks/{alices_task}/cancel"),
        Value::Null,
    )
    .await;
    assert_eq!(next_update(&mut mine).await["id"], alices_task.as_str());
    let quiet = tokio::time::timeout(
        Duration::from_millis(300),
        futures_util::StreamExt::next(&mut socket),
    )
    .await;
    assert!(quiet.is_err(), "Alice heard of Bob's task: {quiet:?}");
}

/// An OpenAI-compatible endpoint on port 0 that answers every chat completion with the
/// verdict the test sets for the message it is asked about (keyed by a word in it).
async fn spawn_classifier(verdicts: Vec<(&'static str, Value)>) -> String {
    let verdicts = Arc::new(verdicts);
    let handler = move |axum::Json(request): axum::Json<Value>| {
        let verdicts = verdicts.clone();
        async move {
            let asked = request["messages"].to_string();
            let verdict = verdicts
                .iter()
                .find(|(word, _)| asked.contains(word))
                .map(|(_, v)| v.clone())
                .unwrap_or(json!({ "needs_human": false }));
            axum::Json(json!({
                "choices": [{ "message": { "role": "assistant", "content": verdict.to_string() } }]
            }))
        }
    };
    let router = axum::Router::new().route("/v1/chat/completions", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/v1")
}

async fn an_activity_that_needs_a_person_opens_a_task_and_the_classifier_refines_it(
    backend: Backend,
) {
    let classifier = spawn_classifier(vec![
        // The rules flag both messages; the model disagrees about the second.
        (
            "Baker",
            json!({ "needs_human": true, "task_type": "INSPECTION", "title": "Inspect the parcel at Baker Street" }),
        ),
        ("rehearsal", json!({ "needs_human": false })),
    ])
    .await;
    let app = crate::helpers::spawn_app_with(backend, |c| {
        c.classifier_url = Some(classifier);
        c.classifier_timeout_ms = 2_000;
    })
    .await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "dispatcher").await;
    let key = app.create_api_key(&admin.token).await;
    let message = |text: &str| {
        json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "agentId": agent,
            "type": "DECISION",
            "payload": { "message": text },
        })
    };
    let parcel = message(
        "I need someone to pick up the parcel at 221B Baker Street, London by tomorrow; budget $30.",
    );
    let rehearsal = message(
        "We need a person to attend the venue walkthrough at 1 Main St, Springfield, IL 62701 on Friday.",
    );
    let quiet = message("Called search tool, 12 results; summarised the top three.");
    for _ in 0..2 {
        let answer = app.record(&key, json!([parcel, rehearsal, quiet])).await;
        assert!(answer["errors"].is_null(), "{answer}");
    }

    // The classifier's verdicts land in the background: the first task becomes an
    // inspection under the model's title, keeping the rules' address and budget; the second
    // is withdrawn. Nothing else raised a task, and the retried batch raised nothing twice.
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let data = app
            .graphql_ok(
                Some(&admin.token),
                "{ humanTasks { nodes { title type status source sourceActivityId address budgetUsd failureReason } } }",
                json!({}),
            )
            .await;
        tasks = data["humanTasks"]["nodes"].as_array().unwrap().clone();
        if tasks
            .iter()
            .all(|t| t["status"] == "CANCELLED" || t["type"] == "INSPECTION")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    let by_activity = |id: &Value| tasks.iter().find(|t| t["sourceActivityId"] == *id).unwrap();
    let refined = by_activity(&parcel["id"]);
    assert_eq!(refined["source"], "DETECTION");
    assert_eq!(refined["type"], "INSPECTION");
    assert_eq!(refined["title"], "Inspect the parcel at Baker Street");
    assert_eq!(refined["status"], "PENDING");
    assert_eq!(refined["budgetUsd"], "30");
    assert!(
        refined["address"]
            .as_str()
            .unwrap()
            .contains("221B Baker Street"),
        "{refined}"
    );
    let withdrawn = by_activity(&rehearsal["id"]);
    assert_eq!(withdrawn["status"], "CANCELLED");
    assert_eq!(
        withdrawn["failureReason"],
        "The classifier found no need for a person"
    );
}
