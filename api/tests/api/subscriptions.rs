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
use crate::on_both_backends;

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

on_both_backends!(
    a_subscriber_receives_recorded_activities_in_order_and_another_org_none,
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

/// Opens a socket, authenticates and starts `activityFeed` with `variables`.
pub(crate) async fn subscribe(app: &TestApp, token: &str, variables: Value) -> Socket {
    let mut ws = connect(app).await;
    send(&mut ws, json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } })).await;
    let ack = next_message(&mut ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    send(
        &mut ws,
        json!({
            "id": "feed",
            "type": "subscribe",
            "payload": {
                "query": "subscription($agentIds: [ID!]) { activityFeed(agentIds: $agentIds) { id type costUsd agent { name } } }",
                "variables": variables,
            },
        }),
    )
    .await;
    ws
}

/// The ids of the next `n` activities on the socket, skipping `probes`.
pub(crate) async fn next_ids(ws: &mut Socket, n: usize, probes: &HashSet<String>) -> Vec<String> {
    let mut ids = Vec::new();
    while ids.len() < n {
        let message = next_message(ws).await;
        assert_eq!(message["type"], "next", "{message}");
        let activity = &message["payload"]["data"]["activityFeed"];
        assert!(activity["costUsd"].is_string(), "{activity}");
        let id = activity["id"].as_str().unwrap().to_owned();
        if !probes.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

async fn send(ws: &mut Socket, message: Value) {
    ws.send(Message::text(message.to_string()))
        .await
        .expect("sent");
}

async fn next_message(ws: &mut Socket) -> Value {
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
