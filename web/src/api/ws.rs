//! Subscriptions: a small client for the graphql-transport-ws protocol over the browser's
//! WebSocket (`/graphql/ws` on the page's host), reconnecting with backoff when the socket
//! drops.
//!
//! One socket carries one subscription (id `"1"`). The flow is `connection_init` (with the
//! bearer token) → `connection_ack` → `subscribe` → `next`…, answering `ping` with `pong`.
//! The server closing with 4401/4403, or an UNAUTHENTICATED error, refreshes the session
//! once and reconnects; when that fails too the session is signed out instead of retrying.

use std::time::Duration;

use futures::future::{AbortHandle, Abortable, Either, select};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::{Message, WebSocketError, futures::WebSocket};
use gloo_timers::future::sleep;
use graphql_client::GraphQLQuery;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::UNAUTHENTICATED;
use super::http::{decode, error_code};
use super::ops::request_body;
use crate::session::Session;

/// The subprotocol the server speaks on its subscription endpoint.
pub const SUBPROTOCOL: &str = "graphql-transport-ws";
/// The path of the subscription endpoint.
pub const WS_PATH: &str = "/graphql/ws";

const SUBSCRIPTION_ID: &str = "1";
/// How long the server may take to acknowledge `connection_init`.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);
/// After this long without any message we ping; after twice this long we give up the socket.
const IDLE: Duration = Duration::from_secs(30);
/// A connection that stayed up this long resets the backoff.
const STABLE_MS: f64 = 20_000.0;
const BACKOFF_BASE_MS: f64 = 1_000.0;
const BACKOFF_MAX_MS: f64 = 30_000.0;

/// The state of the live link, for a status badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Opening the first socket.
    Connecting,
    /// Acknowledged and subscribed: events flow.
    Live,
    /// The socket dropped; the next attempt starts in `retry_in_ms`.
    Reconnecting { retry_in_ms: u32, reason: String },
    /// The server refused the credential; the session has been signed out.
    SignedOut,
}

/// What a subscription reports to its owner.
#[derive(Debug, Clone)]
pub enum WsEvent<Data> {
    /// The link changed state. After every [`Link::Live`] events may have been missed while
    /// disconnected, so owners that must not lose any re-read the latest ones.
    Link(Link),
    /// One `next` payload.
    Data(Data),
    /// The server reported an error for the subscription (it will be retried).
    Error(String),
}

/// Starts subscription `Q` and keeps it alive until the returned handle is aborted.
///
/// Only decoding an event's data is generic; the connection itself ([`run`]) is compiled
/// once for every subscription.
pub fn subscribe<Q>(
    session: Session,
    variables: Q::Variables,
    mut on_event: impl FnMut(WsEvent<Q::ResponseData>) + 'static,
) -> AbortHandle
where
    Q: GraphQLQuery + 'static,
{
    let payload = request_body::<Q>(variables);
    let typed = move |event: WsEvent<Value>| {
        on_event(match event {
            WsEvent::Data(data) => match decode(data) {
                Ok(data) => WsEvent::Data(data),
                Err(e) => WsEvent::Error(e.to_string()),
            },
            WsEvent::Link(link) => WsEvent::Link(link),
            WsEvent::Error(message) => WsEvent::Error(message),
        })
    };
    start(session, payload, Box::new(typed))
}

/// Spawns the reconnect loop of one subscription, reporting its data as JSON.
fn start(
    session: Session,
    payload: Value,
    on_event: Box<dyn FnMut(WsEvent<Value>)>,
) -> AbortHandle {
    let (handle, registration) = AbortHandle::new_pair();
    let task = Abortable::new(run(session, payload, on_event), registration);
    leptos::task::spawn_local(async move {
        // Aborted means the owner went away: nothing left to do.
        let _ = task.await;
    });
    handle
}

/// The reconnect loop.
async fn run(session: Session, payload: Value, mut on_event: Box<dyn FnMut(WsEvent<Value>)>) {
    let Some(url) = ws_url() else { return };
    let mut attempt: u32 = 0;
    let mut refreshed = false;
    on_event(WsEvent::Link(Link::Connecting));
    loop {
        let Some(token) = super::http::fresh_token(session).await else {
            on_event(WsEvent::Link(Link::SignedOut));
            return;
        };
        let started = js_sys::Date::now();
        let ended = connect_once(&url, &token, &payload, &mut *on_event).await;
        let reason = match ended {
            Ended::Unauthorized if !refreshed && super::http::refresh(session).await.is_ok() => {
                // The token was refused but the session renewed: one more try with it.
                refreshed = true;
                continue;
            }
            Ended::Unauthorized => {
                session.sign_out();
                on_event(WsEvent::Link(Link::SignedOut));
                return;
            }
            Ended::Dropped(reason) => reason,
        };
        if js_sys::Date::now() - started > STABLE_MS {
            attempt = 0;
            refreshed = false;
        }
        attempt = attempt.saturating_add(1);
        let delay = backoff_ms(attempt, js_sys::Math::random());
        on_event(WsEvent::Link(Link::Reconnecting {
            retry_in_ms: delay,
            reason,
        }));
        sleep(Duration::from_millis(delay.into())).await;
    }
}

/// Why one connection ended.
enum Ended {
    /// The credential was refused: stop.
    Unauthorized,
    /// Anything else: try again.
    Dropped(String),
}

/// One socket, from open to close.
async fn connect_once(
    url: &str,
    token: &str,
    payload: &Value,
    on_event: &mut dyn FnMut(WsEvent<Value>),
) -> Ended {
    let mut ws = match WebSocket::open_with_protocol(url, SUBPROTOCOL) {
        Ok(ws) => ws,
        Err(e) => return Ended::Dropped(e.to_string()),
    };
    let init = json!({
        "type": "connection_init",
        "payload": { "authorization": format!("Bearer {token}") },
    });
    if let Err(e) = send(&mut ws, &init).await {
        return dropped(e);
    }

    // Wait for the acknowledgement, answering pings meanwhile.
    let ack_deadline = js_sys::Date::now() + ACK_TIMEOUT.as_millis() as f64;
    loop {
        let left = (ack_deadline - js_sys::Date::now()).max(0.0);
        let message = match next_within(&mut ws, Duration::from_millis(left as u64)).await {
            Some(Ok(message)) => message,
            Some(Err(e)) => return dropped(e),
            None => return Ended::Dropped("the server did not acknowledge the connection".into()),
        };
        match message {
            ServerMessage::ConnectionAck => break,
            ServerMessage::Ping => {
                if let Err(e) = send(&mut ws, &json!({ "type": "pong" })).await {
                    return dropped(e);
                }
            }
            _ => {}
        }
    }

    let subscribe = json!({ "id": SUBSCRIPTION_ID, "type": "subscribe", "payload": payload });
    if let Err(e) = send(&mut ws, &subscribe).await {
        return dropped(e);
    }
    on_event(WsEvent::Link(Link::Live));

    let mut pinged = false;
    loop {
        let message = match next_within(&mut ws, IDLE).await {
            Some(Ok(message)) => message,
            Some(Err(e)) => return dropped(e),
            None if pinged => return Ended::Dropped("the server stopped answering".into()),
            None => {
                // Quiet for a while: make sure the other end is still there.
                pinged = true;
                if let Err(e) = send(&mut ws, &json!({ "type": "ping" })).await {
                    return dropped(e);
                }
                continue;
            }
        };
        pinged = false;
        match message {
            ServerMessage::Ping => {
                if let Err(e) = send(&mut ws, &json!({ "type": "pong" })).await {
                    return dropped(e);
                }
            }
            ServerMessage::Next { id, payload } if id == SUBSCRIPTION_ID => {
                match decode_next(payload) {
                    Ok(data) => on_event(WsEvent::Data(data)),
                    Err(NextError::Unauthenticated) => return Ended::Unauthorized,
                    Err(NextError::Other(message)) => on_event(WsEvent::Error(message)),
                }
            }
            ServerMessage::Error { id, payload } if id == SUBSCRIPTION_ID => {
                if payload.iter().any(is_unauthenticated) {
                    return Ended::Unauthorized;
                }
                let message = payload
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_else(|| "the subscription failed".to_owned());
                on_event(WsEvent::Error(message.clone()));
                return Ended::Dropped(message);
            }
            ServerMessage::Complete { id } if id == SUBSCRIPTION_ID => {
                return Ended::Dropped("the server ended the subscription".into());
            }
            _ => {}
        }
    }
}

/// Messages the server sends (graphql-transport-ws). Unknown ones are ignored.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerMessage {
    ConnectionAck,
    Ping,
    Pong,
    Next {
        id: String,
        payload: Value,
    },
    Error {
        id: String,
        payload: Vec<graphql_client::Error>,
    },
    Complete {
        id: String,
    },
}

/// The next protocol message, `None` if nothing arrived within `timeout`.
async fn next_within(
    ws: &mut WebSocket,
    timeout: Duration,
) -> Option<Result<ServerMessage, WebSocketError>> {
    let timer = sleep(timeout);
    let mut timer = std::pin::pin!(timer);
    loop {
        match select(ws.next(), timer.as_mut()).await {
            Either::Left((Some(Ok(Message::Text(text))), _)) => {
                if let Ok(message) = serde_json::from_str::<ServerMessage>(&text) {
                    return Some(Ok(message));
                }
                // Not a message we know: skip it.
            }
            Either::Left((Some(Ok(Message::Bytes(_))), _)) => {}
            Either::Left((Some(Err(e)), _)) => return Some(Err(e)),
            Either::Left((None, _)) => {
                return Some(Err(WebSocketError::ConnectionError));
            }
            Either::Right(_) => return None,
        }
    }
}

async fn send(ws: &mut WebSocket, message: &Value) -> Result<(), WebSocketError> {
    ws.send(Message::Text(message.to_string())).await
}

/// Maps a socket error to the reason shown while reconnecting; a close with 4401
/// (Unauthorized) or 4403 (Forbidden) means the credential was refused.
fn dropped(error: WebSocketError) -> Ended {
    match error {
        WebSocketError::ConnectionClose(close) if matches!(close.code, 4401 | 4403) => {
            Ended::Unauthorized
        }
        WebSocketError::ConnectionClose(close) if !close.reason.is_empty() => {
            Ended::Dropped(close.reason)
        }
        WebSocketError::ConnectionClose(close) => {
            Ended::Dropped(format!("connection closed (code {})", close.code))
        }
        WebSocketError::ConnectionError => Ended::Dropped("connection lost".to_owned()),
        other => Ended::Dropped(other.to_string()),
    }
}

enum NextError {
    Unauthenticated,
    Other(String),
}

/// Reads a `next` payload (a GraphQL response) into the subscription's data, still as JSON.
fn decode_next(payload: Value) -> Result<Value, NextError> {
    let response: graphql_client::Response<Value> =
        serde_json::from_value(payload).map_err(|e| NextError::Other(e.to_string()))?;
    if let Some(errors) = response.errors.filter(|e| !e.is_empty()) {
        if errors.iter().any(is_unauthenticated) {
            return Err(NextError::Unauthenticated);
        }
        return Err(NextError::Other(errors[0].message.clone()));
    }
    response
        .data
        .ok_or_else(|| NextError::Other("an event without data".to_owned()))
}

fn is_unauthenticated(error: &graphql_client::Error) -> bool {
    error_code(error) == Some(UNAUTHENTICATED)
}

/// `ws://host/graphql/ws`, or `wss://` when the page came over HTTPS.
fn ws_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = match location.protocol().ok()?.as_str() {
        "https:" => "wss",
        _ => "ws",
    };
    Some(format!("{scheme}://{}{WS_PATH}", location.host().ok()?))
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at 30 s, each plus up to 30 %
/// (`jitter` in `0.0..1.0`) so many dashboards do not reconnect in lockstep.
fn backoff_ms(attempt: u32, jitter: f64) -> u32 {
    let exp = attempt.saturating_sub(1).min(16);
    let base = (BACKOFF_BASE_MS * f64::from(1u32 << exp)).min(BACKOFF_MAX_MS);
    (base * (1.0 + 0.3 * jitter.clamp(0.0, 1.0))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff_ms(1, 0.0), 1_000);
        assert_eq!(backoff_ms(2, 0.0), 2_000);
        assert_eq!(backoff_ms(5, 0.0), 16_000);
        assert_eq!(backoff_ms(6, 0.0), 30_000);
        assert_eq!(backoff_ms(60, 0.0), 30_000);
        assert_eq!(backoff_ms(1, 1.0), 1_300);
    }

    #[test]
    fn protocol_messages_parse() {
        let ack: ServerMessage = serde_json::from_str(r#"{"type":"connection_ack"}"#).unwrap();
        assert!(matches!(ack, ServerMessage::ConnectionAck));
        let ping: ServerMessage =
            serde_json::from_str(r#"{"type":"ping","payload":{"x":1}}"#).unwrap();
        assert!(matches!(ping, ServerMessage::Ping));
        let next: ServerMessage = serde_json::from_str(
            r#"{"id":"1","type":"next","payload":{"data":{"activityFeed":{"id":"a"}}}}"#,
        )
        .unwrap();
        assert!(matches!(next, ServerMessage::Next { ref id, .. } if id == "1"));
        let error: ServerMessage = serde_json::from_str(
            r#"{"id":"1","type":"error","payload":[{"message":"no","extensions":{"code":"UNAUTHENTICATED"}}]}"#,
        )
        .unwrap();
        match error {
            ServerMessage::Error { payload, .. } => assert!(is_unauthenticated(&payload[0])),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn next_payload_errors_are_reported() {
        let err = decode_next(json!({"data": null, "errors": [{"message": "boom"}]}));
        assert!(matches!(err, Err(NextError::Other(m)) if m == "boom"));
        let err = decode_next(json!({"data": null}));
        assert!(matches!(err, Err(NextError::Other(m)) if m == "an event without data"));
        let data = decode_next(json!({"data": {"activityFeed": {"id": "a"}}}));
        assert!(matches!(data, Ok(d) if d["activityFeed"]["id"] == "a"));
    }
}
