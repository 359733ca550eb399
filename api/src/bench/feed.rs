//! `humanaios bench feed`: how long an ingested activity takes to reach live subscribers.
//! Many `activityFeed` subscribers over graphql-transport-ws; activities are sent one per
//! request, and each delivery's latency is measured from the moment the ingest request was
//! sent and from the moment its acknowledgement arrived. The baseline, in the same run, is
//! the ingest request's own round trip (send → ack).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use super::{Database, Target, activity, quantile};

/// What to measure.
#[derive(Debug, Clone, Copy)]
pub struct FeedOptions {
    pub subscribers: usize,
    pub events: usize,
    /// Pause between two ingests.
    pub interval: Duration,
}

/// Latencies in milliseconds.
#[derive(Debug, Clone)]
pub struct FeedReport {
    pub database: &'static str,
    pub options: FeedOptions,
    pub deliveries: usize,
    pub delivery_p50: f64,
    pub delivery_p99: f64,
    /// From the moment the ingest answer (the commit's acknowledgement) arrived; negative when
    /// a subscriber had it before the ingest client did.
    pub accepted_p50: f64,
    pub accepted_p99: f64,
    pub ack_p50: f64,
    pub ack_p99: f64,
}

impl FeedReport {
    pub const HEADER: &'static str = "| database | subscribers | events | deliveries | accepted → subscriber p50 (ms) | p99 (ms) | send → subscriber p50 (ms) | p99 (ms) | send → ack p50 (ms) | p99 (ms) |\n|---|---|---|---|---|---|---|---|---|---|";

    /// A Markdown table row.
    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            self.database,
            self.options.subscribers,
            self.options.events,
            self.deliveries,
            self.accepted_p50,
            self.accepted_p99,
            self.delivery_p50,
            self.delivery_p99,
            self.ack_p50,
            self.ack_p99
        )
    }
}

type Arrivals = Arc<Mutex<Vec<(String, Instant)>>>;

/// Runs the feed benchmark on a fresh database.
pub async fn run(database: &Database, options: FeedOptions) -> anyhow::Result<FeedReport> {
    let target = super::start(database).await?;
    let arrivals: Arrivals = Arc::new(Mutex::new(Vec::new()));
    let mut sockets = Vec::with_capacity(options.subscribers);
    for _ in 0..options.subscribers {
        sockets.push(subscribe(&target).await?);
    }
    // Every socket is live once each has received a probe sent after all subscribed.
    let (live_tx, mut live_rx) = tokio::sync::mpsc::channel::<()>(options.subscribers);
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|ws| tokio::spawn(read(ws, arrivals.clone(), live_tx.clone(), options.events)))
        .collect();
    drop(live_tx);
    let mut live = 0;
    while live < options.subscribers {
        ingest_one(&target, None).await?;
        let deadline = tokio::time::sleep(Duration::from_millis(500));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                got = live_rx.recv() => match got {
                    Some(()) => live += 1,
                    None => anyhow::bail!("subscribers ended before going live"),
                },
                _ = &mut deadline => break,
            }
            if live == options.subscribers {
                break;
            }
        }
    }

    let mut sent_at = HashMap::new();
    let mut acked_at = HashMap::new();
    let mut acks = Vec::with_capacity(options.events);
    for n in 0..options.events {
        let started = Instant::now();
        let id = ingest_one(&target, Some(n)).await?;
        acks.push(started.elapsed().as_secs_f64() * 1e3);
        acked_at.insert(id.clone(), Instant::now());
        sent_at.insert(id, started);
        tokio::time::sleep(options.interval).await;
    }
    for reader in readers {
        tokio::time::timeout(Duration::from_secs(60), reader)
            .await
            .context("subscribers did not receive every event within a minute")???;
    }
    let arrivals = arrivals
        .lock()
        .map_err(|_| anyhow::anyhow!("a reader panicked"))?
        .clone();
    // Milliseconds from each event's mark in `marks` to each of its arrivals.
    let since = |marks: &HashMap<String, Instant>| -> Vec<f64> {
        let mut ms: Vec<f64> = arrivals
            .iter()
            .filter_map(|(id, at)| {
                marks.get(id).map(|mark| {
                    if *at >= *mark {
                        at.duration_since(*mark).as_secs_f64() * 1e3
                    } else {
                        -(mark.duration_since(*at).as_secs_f64() * 1e3)
                    }
                })
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        ms
    };
    let latencies = since(&sent_at);
    let accepted = since(&acked_at);
    acks.sort_by(f64::total_cmp);
    target.finish().await?;
    Ok(FeedReport {
        database: database.label(),
        options,
        deliveries: latencies.len(),
        delivery_p50: quantile(&latencies, 0.5),
        delivery_p99: quantile(&latencies, 0.99),
        accepted_p50: quantile(&accepted, 0.5),
        accepted_p99: quantile(&accepted, 0.99),
        ack_p50: quantile(&acks, 0.5),
        ack_p99: quantile(&acks, 0.99),
    })
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket with `activityFeed` started.
async fn subscribe(target: &Target) -> anyhow::Result<Socket> {
    let mut request =
        format!("{}/graphql/ws", target.base.replacen("http", "ws", 1)).into_client_request()?;
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
    // The bench clients share the server's two cores: the same small read buffer as the
    // server's keeps their zero-filling from slowing the server down.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(crate::graphql::http::WEBSOCKET_READ_BUFFER);
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), false).await?;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {}", target.key) } });
    ws.send(Message::text(init.to_string())).await?;
    let subscribe = json!({
        "id": "feed",
        "type": "subscribe",
        "payload": { "query": "subscription { activityFeed { id name } }" },
    });
    ws.send(Message::text(subscribe.to_string())).await?;
    Ok(ws)
}

/// Reads a socket until `events` non-probe activities arrived, recording when each did; says
/// once on `live` when the first activity (a probe) arrived.
async fn read(
    mut ws: Socket,
    arrivals: Arrivals,
    live: tokio::sync::mpsc::Sender<()>,
    events: usize,
) -> anyhow::Result<()> {
    let mut told = false;
    let mut seen = Vec::with_capacity(events);
    while seen.len() < events {
        let message = ws.next().await.context("the socket closed")??;
        let Message::Text(text) = message else {
            continue;
        };
        let at = Instant::now();
        let value: Value = serde_json::from_str(&text)?;
        match value["type"].as_str() {
            Some("next") => {
                let activity = &value["payload"]["data"]["activityFeed"];
                if activity["name"] == PROBE {
                    if !told {
                        told = true;
                        let _ = live.send(()).await;
                    }
                } else {
                    let id = activity["id"].as_str().context("an activity without id")?;
                    seen.push((id.to_owned(), at));
                }
            }
            Some("connection_ack") | Some("ping") | Some("pong") => {}
            _ => anyhow::bail!("unexpected message: {text}"),
        }
    }
    arrivals
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .extend(seen);
    Ok(())
}

/// The name of activities sent only to learn that every subscriber is live.
const PROBE: &str = "probe";

/// Ingests one activity (the `n`th measured one, or a probe) and returns its id once
/// acknowledged.
async fn ingest_one(target: &Target, n: Option<usize>) -> anyhow::Result<String> {
    let mut one = activity(&target.agent, n.unwrap_or(0));
    if n.is_none() {
        one["name"] = json!(PROBE);
    }
    let id = one["id"].as_str().unwrap_or_default().to_owned();
    super::post(
        &target.client,
        &format!("{}/api/v1/ingest", target.base),
        Some(&target.key),
        json!({ "activities": [one] }),
    )
    .await?;
    Ok(id)
}
