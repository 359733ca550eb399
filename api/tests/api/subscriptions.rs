//! The live feed over graphql-transport-ws, with a real WebSocket client.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Backend, TestApp, activity, spawn_app};
use humanaios::on_both_backends;

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

on_both_backends!(
    a_subscriber_receives_recorded_activities_in_order_and_another_org_none,
    a_reconnecting_subscriber_gets_what_it_missed_then_live_with_no_gap_or_duplicate,
    an_invalid_token_closes_the_connection,
);

async fn a_subscriber_receives_recorded_activities_in_order_and_another_org_none(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let bob = app.sign_up().await;
    let agent = app.create_agent(&alice.token, "live").await;
    let other_agent = app.create_agent(&alice.token, "filtered-out").await;
    let key = app.create_api_key(&alice.token).await;

    let mut alice_ws = subscribe(&app, &alice.token, json!({})).await;
    let mut alice_filtered = subscribe(&app, &alice.token, json!({ "agentIds": [agent] })).await;
    let mut bob_ws = subscribe(&app, &bob.token, json!({})).await;
    let mut probes = prove_live(
        &app,
        &key,
        &agent,
        &mut [&mut alice_ws, &mut alice_filtered],
    )
    .await;
    let bobs_agent = app.create_agent(&bob.token, "bobs").await;
    probes.extend(prove_live(&app, &bob.token, &bobs_agent, &mut [&mut bob_ws]).await);

    let batch: Vec<Value> = ["TOOL_CALL", "DECISION", "ERROR", "HUMAN_REQUEST"]
        .iter()
        .map(|kind| activity(&agent, kind, "0.25"))
        .collect();
    let sent_ids: Vec<String> = batch
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    let mut with_other = batch.clone();
    with_other.insert(1, activity(&other_agent, "DECISION", "0"));
    let answer = app.record(&key, json!(with_other)).await;
    assert_eq!(answer["data"]["recordActivities"]["inserted"], 5);

    let everything = next_ids(&mut alice_ws, 5, &probes).await;
    let mut expected = sent_ids.clone();
    expected.insert(1, with_other[1]["id"].as_str().unwrap().to_owned());
    assert_eq!(everything, expected, "in the order recorded");
    assert_eq!(
        next_ids(&mut alice_filtered, 4, &probes).await,
        sent_ids,
        "only the chosen agent"
    );

    // A retry publishes nothing new.
    app.record(&key, json!(batch)).await;
    let marker = activity(&agent, "DECISION", "0");
    app.record(&key, json!([marker])).await;
    assert_eq!(
        next_ids(&mut alice_ws, 1, &probes).await,
        [marker["id"].as_str().unwrap()]
    );

    // Bob, in another org, got none of Alice's activities: the next thing his live feed
    // shows is his own.
    let own = activity(&bobs_agent, "DECISION", "0");
    app.record(&bob.token, json!([own])).await;
    assert_eq!(
        next_ids(&mut bob_ws, 1, &probes).await,
        [own["id"].as_str().unwrap()]
    );
}

async fn a_reconnecting_subscriber_gets_what_it_missed_then_live_with_no_gap_or_duplicate(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let alice = app.sign_up().await;
    let agent = app.create_agent(&alice.token, "resumable").await;
    let key = app.create_api_key(&alice.token).await;
    let id_of = |a: &Value| a["id"].as_str().unwrap().to_owned();

    let mut ws = subscribe(&app, &alice.token, json!({})).await;
    let probes = prove_live(&app, &key, &agent, &mut [&mut ws]).await;
    let first: Vec<Value> = (0..3)
        .map(|_| activity(&agent, "TOOL_CALL", "0.1"))
        .collect();
    app.record(&key, json!(first)).await;
    let seen = next_activities(&mut ws, 3, &probes).await;
    assert_eq!(
        seen.iter().map(id_of).collect::<Vec<_>>(),
        first.iter().map(id_of).collect::<Vec<_>>()
    );
    // The client has processed the second one when its connection drops.
    let resume_from = seen[1]["feedCursor"].as_str().unwrap().to_owned();
    drop(ws);

    let while_away: Vec<Value> = (0..2)
        .map(|_| activity(&agent, "DECISION", "0.2"))
        .collect();
    app.record(&key, json!(while_away)).await;

    let mut ws = subscribe(&app, &alice.token, json!({ "after": resume_from })).await;
    let replayed = next_ids(&mut ws, 3, &probes).await;
    assert_eq!(
        replayed,
        [
            id_of(&first[2]),
            id_of(&while_away[0]),
            id_of(&while_away[1])
        ]
    );
    let live = activity(&agent, "ERROR", "0");
    app.record(&key, json!([live])).await;
    assert_eq!(
        next_ids(&mut ws, 1, &probes).await,
        [id_of(&live)],
        "live after the replay, nothing twice"
    );

    // A cursor that is not one is refused.
    let mut ws = subscribe(&app, &alice.token, json!({ "after": "nonsense" })).await;
    let message = next_message(&mut ws).await;
    let error = if message["type"] == "error" {
        &message["payload"][0]
    } else {
        &message["payload"]["errors"][0]
    };
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{message}");
}

/// Records probe activities until every socket has received one, and returns their ids.
/// The server starts a subscription's stream lazily, shortly after it reads `subscribe`, so
/// this is how a test knows the feed is live before it records what it asserts on.
pub(crate) async fn prove_live(
    app: &TestApp,
    credential: &str,
    agent: &str,
    sockets: &mut [&mut Socket],
) -> HashSet<String> {
    let mut probes = HashSet::new();
    let mut live = vec![false; sockets.len()];
    for _ in 0..50 {
        let probe = activity(agent, "DECISION", "0");
        probes.insert(probe["id"].as_str().unwrap().to_owned());
        let answer = app.record(credential, json!([probe])).await;
        assert_eq!(
            answer["data"]["recordActivities"]["inserted"], 1,
            "{answer}"
        );
        for (socket, live) in sockets
            .iter_mut()
            .zip(live.iter_mut())
            .filter(|(_, l)| !**l)
        {
            if let Ok(message) =
                tokio::time::timeout(Duration::from_millis(200), next_message(socket)).await
            {
                assert_eq!(message["type"], "next", "{message}");
                *live = true;
            }
        }
        if live.iter().all(|l| *l) {
            return probes;
        }
    }
    panic!("the subscription never went live");
}

async fn an_invalid_token_closes_the_connection(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = connect(&app).await;
    send(
        &mut ws,
        json!({ "type": "connection_init", "payload": { "authorization": "Bearer not-a-token" } }),
    )
    .await;
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.reason.to_string()),
                Some(Ok(Message::Text(text))) => {
                    assert_ne!(
                        json_of(&text)["type"],
                        "connection_ack",
                        "must not be acknowledged"
                    )
                }
                Some(Ok(_)) => {}
                _ => return None,
            }
        }
    })
    .await
    .expect("closed in time");
    // async-graphql closes a refused `connection_init` with 1002 and the error as reason.
    assert_eq!(closed.as_deref(), Some("access token is invalid"));
}

pub(crate) async fn connect(app: &TestApp) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (ws, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgraded");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    ws
}

/// Opens a socket, authenticates with `token` and starts the subscription `query`.
pub(crate) async fn open(app: &TestApp, token: &str, query: &str, variables: Value) -> Socket {
    let mut ws = connect(app).await;
    send(&mut ws, json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } })).await;
    let ack = next_message(&mut ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    send(
        &mut ws,
        json!({
            "id": "sub",
            "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }),
    )
    .await;
    ws
}

/// Opens a socket, authenticates and starts `activityFeed` with `variables`.
pub(crate) async fn subscribe(app: &TestApp, token: &str, variables: Value) -> Socket {
    open(
        app,
        token,
        "subscription($agentIds: [ID!], $after: String) { activityFeed(agentIds: $agentIds, after: $after) { id type costUsd feedCursor agent { name } } }",
        variables,
    )
    .await
}

/// The ids of the next `n` activities on the socket, skipping `probes`.
pub(crate) async fn next_ids(ws: &mut Socket, n: usize, probes: &HashSet<String>) -> Vec<String> {
    next_activities(ws, n, probes)
        .await
        .into_iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The next `n` activities on the socket, skipping `probes`.
pub(crate) async fn next_activities(
    ws: &mut Socket,
    n: usize,
    probes: &HashSet<String>,
) -> Vec<Value> {
    let mut activities = Vec::new();
    while activities.len() < n {
        let message = next_message(ws).await;
        assert_eq!(message["type"], "next", "{message}");
        let activity = message["payload"]["data"]["activityFeed"].clone();
        assert!(activity["costUsd"].is_string(), "{activity}");
        if !probes.contains(activity["id"].as_str().unwrap()) {
            activities.push(activity);
        }
    }
    activities
}

pub(crate) async fn send(ws: &mut Socket, message: Value) {
    ws.send(Message::text(message.to_string()))
        .await
        .expect("sent");
}

pub(crate) async fn next_message(ws: &mut Socket) -> Value {
    let deadline = Duration::from_secs(10);
    loop {
        match tokio::time::timeout(deadline, ws.next())
            .await
            .expect("a message in time")
        {
            Some(Ok(Message::Text(text))) => return json_of(&text),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("socket ended: {other:?}"),
        }
    }
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON message")
}
