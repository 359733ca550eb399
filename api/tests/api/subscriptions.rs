//! The live feed over graphql-transport-ws, with a real WebSocket client.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Backend, TestApp, activity, spawn_app};
use crate::on_both_backends;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

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

    let everything = next_ids(&mut alice_ws, 5).await;
    let mut expected = sent_ids.clone();
    expected.insert(1, with_other[1]["id"].as_str().unwrap().to_owned());
    assert_eq!(everything, expected, "in the order recorded");
    assert_eq!(
        next_ids(&mut alice_filtered, 4).await,
        sent_ids,
        "only the chosen agent"
    );

    // A retry publishes nothing new, and Bob, in another org, has received nothing at all.
    app.record(&key, json!(batch)).await;
    assert_silent(&mut alice_ws).await;
    assert_silent(&mut bob_ws).await;
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

async fn connect(app: &TestApp) -> Socket {
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
async fn subscribe(app: &TestApp, token: &str, variables: Value) -> Socket {
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
    // The server registers the subscription as it reads the message; a ping round trip
    // proves it has been read before the test records anything.
    send(&mut ws, json!({ "type": "ping" })).await;
    let pong = next_message(&mut ws).await;
    assert_eq!(pong["type"], "pong", "{pong}");
    ws
}

async fn next_ids(ws: &mut Socket, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    while ids.len() < n {
        let message = next_message(ws).await;
        assert_eq!(message["type"], "next", "{message}");
        let activity = &message["payload"]["data"]["activityFeed"];
        assert!(activity["costUsd"].is_string(), "{activity}");
        ids.push(activity["id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn assert_silent(ws: &mut Socket) {
    if let Ok(message) = tokio::time::timeout(Duration::from_millis(500), next_message(ws)).await {
        panic!("expected nothing, got {message}");
    }
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
